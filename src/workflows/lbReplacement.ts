// The load-balancer replacement, as a runbook: new LBs next to the old ones, the zone moved to
// them (an NS blue-green deploy of the changed zone), a human changes the glue at the
// registrar, a durable timer waits out the TTLs, the old LBs prove they get no traffic, and
// only then are they retired. Until the glue changed, any failure or abort puts the fleet
// back; after it, undoing starts by asking the human to change the glue back. When every new
// LB stays in its old LB's region, the plan picks the IP swap instead (lbReplacement/ipSwap.ts):
// each new LB takes its old LB's public address, nothing changes in DNS.
import { ApplicationFailure, patched, setHandler } from '@temporalio/workflow';
import {
  hostView,
  lbStatusQuery,
  type LbReplacementInput,
  type LbReplacementResult,
  type LegacyLbReplacementInput,
} from '../shared';
import { formatDuration, iso } from '../shared/duration';
import { ApprovalGate } from './lib/approvalGate';
import { fleetContext } from './lib/fleetContext';
import { syncFleetFirewalls } from './lib/firewalls';
import { glueInstructions } from './lib/glue';
import { createNewInstances } from './lib/newInstances';
import { rollBack } from './lib/rollback';
import { retireAndRename } from './lib/retire';
import { Saga } from './lib/saga';
import { drainOldLbs, proveQuiet } from './lbReplacement/drain';
import { glueChangeFor } from './lbReplacement/glueChange';
import { GlueWatch } from './lbReplacement/glueWatch';
import { replaceByIpSwap } from './lbReplacement/ipSwap';
import { configureLbs, verifyNewLbs } from './lbReplacement/newLbs';
import { lbReplacementPlan } from './lbReplacement/plan';
import { lbPreflight, type LbPreflight } from './lbReplacement/preflight';
import { LbTracker } from './lbReplacement/tracker';
import { keepZoneMoves, moveZonesToNewLbs } from './lbReplacement/zoneMove';
import { lbReplacementShape, nextLbs } from './lbReplacement/shape';
import { chooseStrategy } from './lbReplacement/strategy';

/** Histories from before several zones and regions read one old LB's upstreams for every new LB. */
const ZONES_AND_REGIONS = 'zones-and-regions';
/** Histories from before strategies always changed the glue. */
const IP_SWAP = 'lb-ip-swap';

export async function lbReplacement(
  given: LbReplacementInput | LegacyLbReplacementInput,
): Promise<LbReplacementResult> {
  const input = lbReplacementShape(given);
  const t = new LbTracker(input.fleet);
  const saga = new Saga();
  const ctx = fleetContext(input);
  const { policies } = input;
  setHandler(lbStatusQuery, () => t.status);
  const glue = new GlueWatch(t, input);
  const approvals = new ApprovalGate(t);
  const shaped = patched(ZONES_AND_REGIONS);
  let pre: LbPreflight | undefined;
  /** Ends with both LB sets serving: the zone change is kept (no undo), the reason shown. */
  const notRetired = async (reason: string, type: string) => {
    saga.commit();
    if (pre) await keepZoneMoves(ctx, pre);
    t.status.error = reason;
    t.phase('not-retired', reason);
    return ApplicationFailure.nonRetryable(reason, type, t.status);
  };

  try {
    // 1. Preflight: the live fleet, the zone, the delegation as every parent serves it.
    pre = await lbPreflight(ctx, t, glue, input);
    const { oldLbs } = pre;
    const strategy = patched(IP_SWAP) ? chooseStrategy(input, oldLbs) : undefined;
    if (strategy) {
      t.status.strategy = strategy;
      t.event(`strategy ${strategy.chosen}${strategy.forced ? ' (forced)' : ''}: ${strategy.why}`);
    }
    const plan = lbReplacementPlan(input, pre, strategy);
    t.event(`plan: ${plan.length} steps`);
    if (input.dryRun) {
      t.phase('planned', 'dry run: nothing changed');
      return { outcome: 'planned', status: t.status, plan };
    }
    if (strategy?.chosen === 'ipSwap') {
      await replaceByIpSwap({ ctx, saga, t, input, pre, approvals, notRetired });
      return { outcome: 'replaced', status: t.status, plan };
    }

    // 2. New LBs in parallel, idempotent; each undo registered before its create.
    const next = nextLbs(input);
    t.phase('create', next.map((l) => `${l.label} (${l.region})`).join(', '));
    const bounds = { bootTimeoutMs: policies.bootTimeoutMs, sshTimeoutMs: policies.sshTimeoutMs };
    const firewalls = await syncFleetFirewalls(ctx, input, 'before the new LBs', (e) => t.event(e));
    const firewallId = firewalls?.lb;
    let newLbs = await createNewInstances({ ctx, saga, linode: input.linode, hosts: next, firewallId, ...bounds });
    t.status.newLbs = newLbs.map(hostView);
    // The nameservers accept DNS from the new LBs before these forward anything.
    await syncFleetFirewalls(ctx, input, 'the new LBs may query the nameservers', (e) => t.event(e));

    // 3. Configure them to the nameservers the live LBs use right now; 4. the whole zone through each.
    t.phase('configure', 'Ansible proxy role');
    await configureLbs(ctx, input, oldLbs, newLbs, shaped);
    t.phase('verify', 'every record through each new LB');
    t.event(await verifyNewLbs(ctx, input, newLbs));

    // 5. The zone moves to the new LBs: the operator's zone file, served over all four LBs.
    t.phase('zone', `${pre.atLbs.map((r) => r.name).join(', ')} → new LBs`);
    const moves = await moveZonesToNewLbs({ ctx, saga, t, input, pre, newLbs });

    // 6. Human step: the glue at the registrar. The parents are the proof, not the signal.
    const change = glueChangeFor(pre, moves);
    t.status.glue = { change, parents: [], signals: [] };
    saga.add('change the glue back at the registrar', () => glue.revert(change), { stopOnFailure: true });
    t.phase('glue', `change the glue at the registrar: ${glueInstructions(glue.domains, change)}`);
    if (!(await glue.waitFor(change, 'new'))) {
      const within = formatDuration(policies.glueTimeoutMs);
      throw ApplicationFailure.nonRetryable(
        `the parents did not all serve the new glue within ${within}`,
        'GlueTimedOut',
      );
    }
    const allNewAt = Date.now();
    t.status.glue.allNewSince = iso(allNewAt);
    t.event(`every parent serves the new glue${glue.signals === 0 ? ' (before any glueUpdated signal)' : ''}`);

    // 7. Drain: resolvers may use the old delegation for its TTL, plus the zone's own TTL.
    await drainOldLbs(t, pre, allNewAt, policies);

    // 8. Proof: the old LBs go quiet, window after window, within a bound.
    if (!(await proveQuiet(ctx, t, oldLbs, policies))) {
      // Both sets serve correctly: leave them, say why, let the operator decide.
      const waited = formatDuration(policies.proof.maxWaitMs);
      const why = `the old LBs still received queries after ${waited} of proof windows (${t.status.proof?.last})`;
      throw await notRetired(`${why}; nothing retired, both LB sets keep serving`, 'TrafficNotStopped');
    }

    // 9. Optional approval, then retire and rename.
    if (policies.approval.beforeRetire) {
      const answer = await approvals.ask(policies.approval, `retire ${oldLbs.map((l) => l.label).join(', ')}?`);
      if (!answer.go) {
        const what = answer.decision === 'rejected' ? 'rejected' : 'not approved in time';
        throw await notRetired(`retirement ${what}: both LB sets keep serving`, 'NotRetired');
      }
    }
    saga.commit();
    newLbs = await retireAndRename(
      ctx,
      t,
      oldLbs,
      newLbs,
      input.loadBalancers.map((l) => l.label),
    );
    t.status.oldLbs = [];
    t.status.newLbs = newLbs.map(hostView);
    await syncFleetFirewalls(ctx, input, 'the old LBs are gone', (e) => t.event(e));
    await keepZoneMoves(ctx, pre);
    t.phase(
      'done',
      `${glue.domains.join(', ')} delegated to ${newLbs.map((l) => `${l.label} ${l.publicIPv4}`).join(', ')}`,
    );
    return { outcome: 'replaced', status: t.status, plan };
  } catch (err) {
    if (t.status.phase === 'not-retired') throw err;
    return rollBack(t, saga, err, 'LB replacement', 'LbReplacementFailed');
  }
}
