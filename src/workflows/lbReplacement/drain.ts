// After the glue changed: the drain (a durable, extendable wait of the TTLs counted from when
// every parent served the new glue), then the proof that the old LBs get no more traffic.
import { sleep } from '@temporalio/workflow';
import type { InstanceInfo } from '../../activities/linode';
import type { LbReplacementPolicies, ProofStatus } from '../../shared';
import { formatDuration, iso } from '../../shared/duration';
import { extendableWait } from '../lib/extendableWait';
import type { FleetContext } from '../lib/fleetContext';
import { step } from '../lib/steps';
import type { LbPreflight } from './preflight';
import type { LbTracker } from './tracker';

export async function drainOldLbs(t: LbTracker, pre: LbPreflight, allNewAt: number, p: LbReplacementPolicies) {
  const drain = pre.drain;
  const moved = pre.atLbs.map((r) => r.name).join(', ');
  t.phase('drain', `until ${iso(allNewAt + drain.totalMs)}`);
  drain.end = iso(allNewAt + drain.totalMs);
  const drained = await extendableWait({
    label: `drain of ${pre.oldLbs.map((l) => l.label).join(', ')}`,
    durationMs: Math.max(0, allNewAt + drain.totalMs - Date.now()),
    maxTotalMs: p.drainMaxMs,
    details:
      `Why this long: delegation TTL ${drain.delegationTtlSeconds}s (observed at the parents) + ` +
      `zone TTL ${drain.zoneTtlSeconds}s (${moved}) + margin ${formatDuration(p.drainMarginMs)}, ` +
      `counted from ${iso(allNewAt)} when every parent served the new glue.`,
  });
  drain.end = drained.end;
}

/**
 * Counts the queries at the old LBs window after window until one window stays under the bound;
 * false when they still get traffic after the longest proof wait (then nothing is retired).
 */
export async function proveQuiet(ctx: FleetContext, t: LbTracker, oldLbs: InstanceInfo[], p: LbReplacementPolicies) {
  const { windowMs, maxQueries, maxWaitMs } = p.proof;
  const window = formatDuration(windowMs);
  t.phase('proof', `at most ${maxQueries} queries per ${window} at ${oldLbs.map((l) => l.label).join(', ')}`);
  const proof: ProofStatus = { windowMs, maxQueries, attempts: 0 };
  t.status.proof = proof;
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const since = Date.now();
    await sleep(windowMs, { summary: `count queries at the old LBs for ${window}` });
    const counts = await Promise.all(
      oldLbs.map((l) => {
        const summary = `queries at ${l.label} since ${iso(since)}`;
        return step('quick', summary, 'lbQueryCount', ctx.sshTo(l), { sinceEpochMs: since });
      }),
    );
    proof.attempts++;
    proof.last = counts
      .map((c, i) => `${oldLbs[i].label}: ${c.queries} queries (udp ${c.udp}, tcp ${c.tcp})`)
      .join(', ');
    const busy = counts.map((c, i) => ({ c, l: oldLbs[i] })).filter(({ c }) => c.queries > maxQueries);
    if (busy.length === 0) break;
    const still = busy.map(({ c, l }) => `${l.label} ${c.queries} queries in ${window}`);
    t.event(`old LBs still get traffic: ${still.join(', ')}; waiting`);
    if (Date.now() >= deadline) return false;
  }
  proof.provenAt = iso(Date.now());
  t.event(`old LBs quiet: ${proof.last}`);
  return true;
}
