// The blue-green nameserver deploy, as a runbook: new servers next to the old ones, proven
// record by record, switched over LB by LB (canary first, then the others together), soaked, and
// only then the old ones retired.
// Every step that changes the fleet registers its undo right beside it (saga); a failure or an
// abort before the old servers are deleted puts the fleet back as it was.
import { ApplicationFailure, patched, setHandler } from '@temporalio/workflow';
import {
  deployStatusQuery,
  hostView,
  type LegacyNsDeployInput,
  type NsDeployInput,
  type NsDeployResult,
} from '../shared';
import { formatDuration } from '../shared/duration';
import { ApprovalGate } from './lib/approvalGate';
import { fleetContext } from './lib/fleetContext';
import { syncFleetFirewalls } from './lib/firewalls';
import { createNewInstances } from './lib/newInstances';
import { checkZones, liveFleet } from './lib/preflight';
import { step } from './lib/steps';
import { rollBack } from './lib/rollback';
import { retireAndRename } from './lib/retire';
import { Saga } from './lib/saga';
import { requireClean, verifyEach, viaPrivate, viaPublic } from './lib/verify';
import { configureNameservers, serverIdOf } from './nsDeploy/configure';
import { switchLb, switchLbs } from './nsDeploy/cutover';
import { nsDeployPlan } from './nsDeploy/plan';
import { newUpstreamsOf, nsDeployShape } from './nsDeploy/shape';
import { soak, waitUntilQuiet } from './nsDeploy/soak';
import { DeployTracker } from './nsDeploy/tracker';
import { applySerials, keepSerials, planZones, showZonePlan } from './nsDeploy/zones';

export { serverIdOf };

/** Histories from before several zones and regions have none of the steps that plan the zones. */
const ZONES_AND_REGIONS = 'zones-and-regions';
/** Histories from before the cutover's waves switched every LB one at a time. */
const CUTOVER_WAVES = 'cutover-canary-then-rest';
/** Histories from before it planned the zones while the baseline ran. */
const PREFLIGHT_TOGETHER = 'baseline-and-zone-plans-together';

export async function nsBlueGreen(given: NsDeployInput | LegacyNsDeployInput): Promise<NsDeployResult> {
  const input = nsDeployShape(given);
  const t = new DeployTracker(input.fleet);
  const saga = new Saga();
  const ctx = fleetContext(input);
  const { policies } = input;
  const approvals = new ApprovalGate(t);
  setHandler(deployStatusQuery, () => t.status);
  const shaped = patched(ZONES_AND_REGIONS);
  const lbCount = input.loadBalancers.length;
  const canaryLbs = patched(CUTOVER_WAVES) ? (policies.cutover?.canaryLbs ?? lbCount) : lbCount;
  const next = input.nameservers.map((n) => ({ label: n.label + input.nextSuffix, region: n.region }));
  let plan: string[] = [];

  try {
    // 1. Preflight: every zone loads as BIND loads it, the regions exist, the live fleet is what
    //    the config says; the plan shows, zone by zone, what changes and the serial it will serve.
    const checks = await checkZones(ctx, policies.zoneChecks, (e) => t.event(e));
    const labels = [...input.nameservers, ...input.loadBalancers].map((h) => h.label);
    const live = await liveFleet(
      ctx,
      labels,
      next.map((n) => n.label),
    );
    if (shaped) {
      const regions = [...input.nameservers, ...input.loadBalancers].map((h) => h.region);
      await step('quick', `check regions ${[...new Set(regions)].join(', ')}`, 'checkRegions', ctx.linode, regions);
    }
    const oldServers = input.nameservers.map((n) => live.get(n.label));
    const lbs = input.loadBalancers.map((l) => live.get(l.label));
    t.status.oldServers = oldServers.map(hostView);
    t.status.loadBalancers = lbs.map(hostView);
    // The baseline through the LBs and the zone plans read different things: both at once (older
    // histories: one after the other).
    const baselineNow = () =>
      verifyEach(ctx, lbs.map(viaPublic), { ...policies.gate, transports: ['udp'] }, 'baseline');
    const planNow = () => (shaped ? planZones(ctx, input.zones, oldServers) : Promise.resolve(undefined));
    const [baseline, zonePlans] = patched(PREFLIGHT_TOGETHER)
      ? await Promise.all([baselineNow(), planNow()])
      : [await baselineNow(), await planNow()];
    baseline.forEach((b, i) => {
      const by = b.nsids.join(', ') || '?';
      t.event(
        `baseline ${lbs[i].label}: ${b.differences.length} record(s) differ from the new zones, answered by ${by}`,
      );
    });
    if (zonePlans) {
      t.status.zones = zonePlans.map((z) => ({
        domain: z.domain,
        serialBefore: z.liveSerial,
        serialAfter: z.serial,
        changes: z.changes.length + (z.changesOmitted ?? 0),
      }));
    }
    plan = nsDeployPlan(input, checks, zonePlans, oldServers, canaryLbs);
    for (const z of zonePlans ?? []) showZonePlan(z, (e) => t.event(e));
    t.event(`plan: ${plan.length} lines`);
    if (input.dryRun) {
      t.phase('planned', 'dry run: nothing changed');
      return { outcome: 'planned', status: t.status, plan };
    }
    if (zonePlans) await applySerials(ctx, saga, zonePlans, (e) => t.event(e));

    // 2. Create the new servers in parallel, each one's undo registered before its create.
    t.phase('create', next.map((n) => `${n.label} (${n.region})`).join(', '));
    const firewalls = await syncFleetFirewalls(ctx, input, 'before the new servers', (e) => t.event(e));
    let newServers = await createNewInstances({
      ctx,
      saga,
      linode: input.linode,
      hosts: next,
      firewallId: firewalls?.ns,
      bootTimeoutMs: policies.bootTimeoutMs,
      sshTimeoutMs: policies.sshTimeoutMs,
      onCreated: (made) => {
        t.status.newServers = made.map(hostView);
        t.render();
      },
    });
    t.status.newServers = newServers.map(hostView);
    t.event('new servers running, SSH verified with pinned host keys');

    // 3. Configure them with the same role as production always uses.
    t.phase('configure', 'Ansible nameserver role');
    await configureNameservers(input, newServers);

    // 4. Gate: every record, on every new server, over every transport.
    const { gate } = policies;
    const rrsets = checks.reduce((n, c) => n + c.rrsets, 0);
    t.phase('gate', `${rrsets} RRsets × ${newServers.length} servers × ${gate.transports.join('+')}`);
    const gates = await verifyEach(ctx, newServers.map(viaPrivate), gate, 'gate: every record');
    requireClean(newServers.map(viaPrivate), gates, 'gate', 'GateFailed');
    t.event(`gate passed: ${gates.map((g) => `${g.recordsChecked} records, ${g.queriesSent} queries`).join(' / ')}`);

    // 5. Optional approval before the LBs are touched.
    if (policies.approval.beforeCutover) {
      const answer = await approvals.ask(
        policies.approval,
        `waiting up to ${formatDuration(policies.approval.timeoutMs)}`,
      );
      if (!answer.go) {
        throw ApplicationFailure.nonRetryable(
          answer.why,
          answer.decision === 'rejected' ? 'Rejected' : 'ApprovalTimedOut',
        );
      }
      t.event(answer.decision === 'approved' ? answer.why : 'no approval in time; continuing (policy: continue)');
    }

    // 6. Cutover: the canary LB(s) one at a time, then the others together; each LB proven
    //    through, each LB's undo switching it back to what it had.
    t.phase('cutover');
    await switchLbs(canaryLbs, lbs, (lb, i) =>
      switchLb(ctx, saga, t, lb, newUpstreamsOf(input, input.loadBalancers[i], newServers), gate),
    );

    // 7. Soak: keep probing through every LB; any failure rolls back.
    t.phase('soak', formatDuration(policies.soakMs));
    const idsBehind = (lb: (typeof lbs)[number]) => {
      const ref = input.loadBalancers[lbs.indexOf(lb)];
      return newUpstreamsOf(input, ref, newServers).map((u) => serverIdOf(u.server));
    };
    await soak(ctx, lbs, idsBehind, policies);
    t.event('soak passed');

    // 8. Drain: the old servers get no more queries (bounded wait), then the change is final.
    t.phase('drain', `until ${oldServers.map((s) => s.label).join(', ')} stop receiving queries`);
    await waitUntilQuiet(ctx, oldServers, policies.oldServersMaxMs, (e) => t.event(e));
    saga.commit();

    // 9. Retire the old servers and give the new ones the live names.
    newServers = await retireAndRename(ctx, t, oldServers, newServers, labels.slice(0, oldServers.length));
    t.status.oldServers = [];
    t.status.newServers = newServers.map(hostView);
    if (zonePlans) await keepSerials(ctx, zonePlans);
    const served = (zonePlans ?? checks.map((c) => ({ domain: c.origin, serial: c.serial })))
      .map((z) => `${z.domain} serial ${z.serial}`)
      .join(', ');
    t.phase('done', `serving ${served} from ${newServers.map((s) => s.label).join(', ')}`);
    return { outcome: 'deployed', status: t.status, plan };
  } catch (err) {
    return rollBack(t, saga, err, 'deploy', 'DeployFailed');
  }
}
