// The zone push, as a runbook: record changes served by the live nameservers in seconds. The
// plan (per zone: every RRset that changes, the serial old → new) is shown first and refused
// over the thresholds unless forced; then one nameserver at a time, the canary first: install,
// reload, verify every record there, and only then the next; last, every record through every
// LB. Any failure gives every nameserver its previous zones back with a higher serial.
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { hostView, labelsOf, zonePushStatusQuery, type ZonePushInput, type ZonePushResult } from '../shared';
import { formatDuration } from '../shared/duration';
import { ApprovalGate } from './lib/approvalGate';
import { fleetContext } from './lib/fleetContext';
import { checkZones, liveFleet } from './lib/preflight';
import { rollBack } from './lib/rollback';
import { Saga } from './lib/saga';
import { requireClean, verifyEach, viaPublic } from './lib/verify';
import { applySerials, keepSerials, planZones, showZonePlan } from './nsDeploy/zones';
import { discardAll, pushTo, restoreAll } from './zonePush/apply';
import { needsPush, overThresholds, unservedZones, zonePushPlan } from './zonePush/plan';
import { ZonePushTracker } from './zonePush/tracker';

export async function zonePush(input: ZonePushInput): Promise<ZonePushResult> {
  const t = new ZonePushTracker(input.fleet, input.nameservers);
  setHandler(zonePushStatusQuery, () => t.status);
  const approvals = new ApprovalGate(t);
  const saga = new Saga();
  const ctx = fleetContext(input);
  const { policies } = input;
  let plan: string[] = [];

  try {
    // 1. Preflight: every zone loads as BIND loads it; the live fleet is what the config says.
    await checkZones(ctx, policies.zoneChecks, (e) => t.event(e));
    const live = await liveFleet(
      ctx,
      [...input.nameservers, ...input.loadBalancers].map((h) => h.label),
    );
    const servers = input.nameservers.map((n) => live.get(n.label));
    const lbs = input.loadBalancers.map((l) => live.get(l.label));
    t.status.servers = servers.map((s) => ({ ...hostView(s), state: 'pending' }));
    t.status.loadBalancers = lbs.map(hostView);

    // 2. Plan: per zone, what the nameservers serve against the file, and the serial to serve.
    t.phase('plan', `${input.zones.length} zone(s) on ${labelsOf(servers)}`);
    const plans = await planZones(ctx, input.zones, servers);
    t.status.zones = plans.map((z) => ({
      domain: z.domain,
      serialBefore: z.liveSerial,
      serialAfter: z.serial,
      changes: z.changes.length + (z.changesOmitted ?? 0),
    }));
    plan = zonePushPlan(input, plans);
    for (const z of plans) showZonePlan(z, (e) => t.event(e));
    const unserved = unservedZones(plans);
    if (unserved.length > 0)
      throw ApplicationFailure.nonRetryable(
        `${unserved.join('; ')}: a new zone changes BIND's configuration; run the NS deploy (start-deploy)`,
        'ZoneNotServed',
      );
    const pushed = plans.filter(needsPush);
    if (pushed.length === 0) {
      t.phase('unchanged', 'nothing to push: every nameserver serves every zone file');
      return { outcome: 'unchanged', status: t.status, plan };
    }
    const over = overThresholds(pushed, policies.thresholds);
    if (over.length > 0 && !input.force)
      throw ApplicationFailure.nonRetryable(
        `plan refused: ${over.join('; ')}; nothing changed. Check the plan, then run with --force to push it`,
        'PlanOverThreshold',
      );
    for (const o of over) t.event(`forced: ${o}`);
    if (input.dryRun) {
      t.phase('planned', 'dry run: nothing changed');
      return { outcome: 'planned', status: t.status, plan };
    }

    // 3. The zone files carry the serials the plan chose (put back if the push is undone).
    await applySerials(ctx, saga, plans, (e) => t.event(e));

    // 4. One nameserver at a time, the canary first. The undo, registered before the first
    //    change, gives every nameserver its previous zones back with a serial above the pushed one.
    saga.add('put the previous zones back on every nameserver', () =>
      restoreAll(ctx, t, servers, pushed, policies.verify),
    );
    for (const [i, server] of servers.entries()) {
      t.phase(i === 0 ? 'canary' : 'push', server.label);
      await pushTo(ctx, t, server, pushed, policies.verify);
      if (i === 0 && policies.approval.afterCanary && servers.length > 1) {
        const { timeoutMs } = policies.approval;
        const answer = await approvals.ask(
          policies.approval,
          `canary ${server.label} verified; waiting up to ` + formatDuration(timeoutMs),
        );
        if (!answer.go)
          throw ApplicationFailure.nonRetryable(
            answer.why,
            answer.decision === 'rejected' ? 'Rejected' : 'ApprovalTimedOut',
          );
        t.event(answer.decision === 'approved' ? answer.why : 'no approval in time; continuing (policy: continue)');
      }
    }

    // 5. Every record of every zone through every LB.
    t.phase('verify', `every record through ${labelsOf(lbs)}`);
    const through = await verifyEach(ctx, lbs.map(viaPublic), policies.verify, 'verify');
    requireClean(lbs.map(viaPublic), through, 'verify through the LBs', 'VerifyFailed');
    saga.commit();
    await keepSerials(ctx, plans);
    await discardAll(ctx, servers, pushed);
    const served = pushed.map((p) => `${p.domain} serial ${p.serial}`).join(', ');
    t.phase('done', `${labelsOf(servers)} serve ${served}, verified through ${labelsOf(lbs)}`);
    return { outcome: 'pushed', status: t.status, plan };
  } catch (err) {
    for (const v of t.status.servers) if (v.state === 'pending') v.state = 'untouched';
    return rollBack(t, saga, err, 'zone push', 'ZonePushFailed');
  }
}
