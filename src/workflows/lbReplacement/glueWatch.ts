// The human step of an LB replacement, as handler state: the operator's `glueUpdated` signal and
// `glueUpdatedCheck` update, and the polls of every parent that decide (the parents are the
// proof, not the signal). Used to wait for the new glue, and in the undo for the old one.
import { ApplicationFailure, condition, patched, setHandler } from '@temporalio/workflow';
import type { ReadDelegationResult } from '../../activities/delegation';
import {
  glueUpdatedCheck,
  glueUpdatedSignal,
  type GlueChange,
  type GlueStatus,
  type GlueUpdatedArgs,
  type ParentGlue,
  type ZoneRef,
} from '../../shared';
import { formatDuration, iso } from '../../shared/duration';
import { glueInstructions, judgeParent } from '../lib/glue';
import { step } from '../lib/steps';

/** What the watch shows its progress on: the LB replacement's tracker, or fleet create's. */
export interface GlueTracker {
  status: { phase: string; glue?: GlueStatus };
  event(line: string): void;
  render(): void;
  phase(phase: 'glue-revert', note?: string): void;
}

/** What the watch reads of a workflow's input. */
export interface GlueWatchInput {
  zones: ZoneRef[];
  parents: { address: string; port: number }[];
  policies: { glueCheckEveryMs: number; glueTimeoutMs: number };
}

/** Histories from before this patch judged a signal by a poll that may have begun before it. */
const POLL_AFTER_SIGNAL = 'glue-poll-after-signal';

export interface ParentPoll {
  results: ReadDelegationResult[];
  judged: ParentGlue[];
}

export class GlueWatch {
  /** glueUpdated signals (and checking updates) received while waiting for a glue change. */
  signals = 0;
  /** The zones whose delegation is polled: all at first, then those whose glue must change. */
  domains: string[];
  private polls = 0;
  private pollsStarted = 0;

  /** Registers the signal and the update; call once, before the workflow's first step. */
  constructor(
    private readonly t: GlueTracker,
    private readonly input: GlueWatchInput,
  ) {
    this.domains = input.zones.map((z) => z.domain);
    setHandler(glueUpdatedSignal, (args) => {
      if (this.waiting) this.record(args);
      else t.event(`glueUpdated ignored: not waiting for the glue (phase ${t.status.phase})`);
    });
    setHandler(
      glueUpdatedCheck,
      async (args) => {
        this.record(args);
        // Answer with a poll that began after this request, not one already under way.
        const need = (patched(POLL_AFTER_SIGNAL) ? this.pollsStarted : this.polls) + 1;
        await condition(() => this.polls >= need || !this.waiting);
        return t.status.glue!;
      },
      {
        validator: (_args: GlueUpdatedArgs) => {
          if (!this.waiting) throw new Error(`not waiting for a glue change (phase: ${t.status.phase})`);
        },
      },
    );
  }

  /** Every parent, polled for every watched zone: UDP and TCP, RD=0; judged against `change`. */
  async poll(change: GlueChange[]): Promise<ParentPoll> {
    this.pollsStarted++;
    const { parents } = this.input;
    const asks = this.domains.flatMap((domain) => parents.map((parent) => ({ parent, domain })));
    const results = await Promise.all(
      asks.map(({ parent, domain }) =>
        step('quick', `delegation of ${domain} at ${parent.address}`, 'readDelegation', {
          parent,
          domain,
          transports: ['udp', 'tcp'],
        }),
      ),
    );
    this.polls++;
    const label = (i: number) => (this.domains.length > 1 ? `${asks[i].domain} at ` : '');
    const judged = results.map((r, i) => {
      const j = judgeParent(r, change);
      return { ...j, parent: `${label(i)}${j.parent}` };
    });
    return { results, judged };
  }

  /** From now on, poll only these zones (those whose delegation carries the glue that changes). */
  watchOnly(domains: string[]): void {
    this.domains = domains;
  }

  /** The views a poll got for the `i`-th watched zone. */
  viewsOf(results: ReadDelegationResult[], i: number) {
    const n = this.input.parents.length;
    return results.slice(i * n, (i + 1) * n).flatMap((r) => r.views);
  }

  /** Waits until every parent serves `want` ('new' or 'old'), showing progress; false on timeout. */
  async waitFor(change: GlueChange[], want: 'new' | 'old'): Promise<boolean> {
    const { glueTimeoutMs, glueCheckEveryMs } = this.input.policies;
    const glue = this.t.status.glue!;
    const deadline = Date.now() + glueTimeoutMs;
    const afterSignal = patched(POLL_AFTER_SIGNAL);
    let lastSignals = this.signals;
    for (;;) {
      // A signal that arrives while a poll is under way is judged by the next poll (at once).
      const signalsAtStart = this.signals;
      const { judged } = await this.poll(change);
      const counted = afterSignal ? signalsAtStart : this.signals;
      glue.parents = judged;
      glue.checkedAt = iso(Date.now());
      const behind = judged.filter((p) => p.serves !== want);
      if (counted > lastSignals && behind.length > 0) {
        const who = behind.map((p) => `${p.parent} ${p.serves} (${p.detail})`).join('; ');
        this.t.event(
          `signal received, but ${behind.length} of ${judged.length} parent(s) ` +
            `do not serve the ${want} glue yet: ${who}`,
        );
      }
      lastSignals = counted;
      this.t.render();
      if (behind.length === 0) return true;
      if (Date.now() >= deadline) return false;
      await condition(() => this.signals > lastSignals, Math.min(glueCheckEveryMs, deadline - Date.now()), {
        summary: `check the parents again (${behind.length} of ${judged.length} not serving the ${want} glue)`,
      });
    }
  }

  /** The undo of the glue step: asks for the old glue back and waits until every parent serves it. */
  async revert(change: GlueChange[]): Promise<void> {
    const glue = this.t.status.glue!;
    const now = await this.poll(change);
    glue.parents = now.judged;
    if (now.judged.every((p) => p.serves === 'old') && glue.signals.length === 0) return;
    const back = change.map((c) => ({ name: c.name, from: c.to, to: c.from }));
    this.t.phase('glue-revert', `change the glue back at the registrar: ${glueInstructions(this.domains, back)}`);
    if (!(await this.waitFor(change, 'old'))) {
      const after = formatDuration(this.input.policies.glueTimeoutMs);
      const why = `the parents still serve the new glue after ${after}: the new LBs are kept`;
      throw ApplicationFailure.nonRetryable(why, 'GlueRevertTimedOut');
    }
    this.t.event('every parent serves the old glue again');
  }

  private get waiting(): boolean {
    return this.t.status.phase === 'glue' || this.t.status.phase === 'glue-revert';
  }

  private record(args?: GlueUpdatedArgs): void {
    this.signals++;
    // A parent serves the new glue when it does for every watched zone ("<zone> at <parent>").
    const judged = this.t.status.glue?.parents ?? [];
    const server = (p: ParentGlue) => p.parent.replace(/^.* at /, '');
    const parents = [...new Set(judged.map(server))];
    const parentsServingNew = parents.filter((s) =>
      judged.filter((p) => server(p) === s).every((p) => p.serves === 'new'),
    ).length;
    const at = iso(Date.now());
    this.t.status.glue?.signals.push({
      at,
      by: args?.by,
      note: args?.note,
      parentsServingNew,
      parents: parents.length,
    });
    this.t.event(`glueUpdated${args?.by ? ` from ${args.by}` : ''} received; checking every parent now`);
  }
}
