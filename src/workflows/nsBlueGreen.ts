// The blue-green nameserver deploy, as a runbook: new servers next to the old ones, proven
// record by record, switched in one LB at a time, soaked, and only then the old ones retired.
// Every step that changes the fleet registers its undo right beside it (saga); a failure or an
// abort before the old servers are deleted puts the fleet back as it was.
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { deployStatusQuery, hostView, type NsDeployInput, type NsDeployResult } from '../shared';
import { formatDuration } from '../shared/duration';
import { ApprovalGate } from './lib/approvalGate';
import { fleetContext } from './lib/fleetContext';
import { createNewInstances } from './lib/newInstances';
import { checkZone, liveFleet } from './lib/preflight';
import { rollBack } from './lib/rollback';
import { retireAndRename } from './lib/retire';
import { Saga } from './lib/saga';
import { requireClean, verifyEach, viaPrivate, viaPublic } from './lib/verify';
import { configureNameservers, serverIdOf } from './nsDeploy/configure';
import { switchLb } from './nsDeploy/cutover';
import { nsDeployPlan } from './nsDeploy/plan';
import { soak, waitUntilQuiet } from './nsDeploy/soak';
import { DeployTracker } from './nsDeploy/tracker';

export { serverIdOf };

export async function nsBlueGreen(input: NsDeployInput): Promise<NsDeployResult> {
  const t = new DeployTracker(input.fleet);
  const saga = new Saga();
  const ctx = fleetContext(input);
  const { policies } = input;
  const approvals = new ApprovalGate(t);
  setHandler(deployStatusQuery, () => t.status);
  const next = input.nameservers.map((l) => l + input.nextSuffix);
  let plan: string[] = [];

  try {
    // 1. Preflight: the zone loads as BIND loads it, the live fleet is what the config says.
    const check = await checkZone(ctx, (e) => t.event(e));
    t.status.zoneSerial = check.serial;
    const live = await liveFleet(ctx, [...input.nameservers, ...input.loadBalancers], next);
    const oldServers = input.nameservers.map(live.get);
    const lbs = input.loadBalancers.map(live.get);
    t.status.oldServers = oldServers.map(hostView);
    t.status.loadBalancers = lbs.map(hostView);
    const baseline = await verifyEach(ctx, lbs.map(viaPublic), { ...policies.gate, transports: ['udp'] }, 'baseline');
    baseline.forEach((b, i) => {
      const by = b.nsids.join(', ') || '?';
      t.event(
        `baseline ${lbs[i].label}: ${b.differences.length} record(s) differ from the new zone, answered by ${by}`,
      );
    });
    plan = nsDeployPlan(input, check, oldServers, lbs);
    t.event(`plan: ${plan.length} steps`);
    if (input.dryRun) {
      t.phase('planned', 'dry run: nothing changed');
      return { outcome: 'planned', status: t.status, plan };
    }

    // 2. Create the new servers in parallel, each one's undo registered before its create.
    t.phase('create', next.join(', '));
    let newServers = await createNewInstances({
      ctx,
      saga,
      linode: input.linode,
      labels: next,
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
    t.phase('gate', `${check.rrsets} RRsets × ${newServers.length} servers × ${gate.transports.join('+')}`);
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

    // 6. Cutover, one LB at a time; each LB's undo switches it back to what it had.
    t.phase('cutover');
    for (const lb of lbs) await switchLb(ctx, saga, t, lb, newServers, gate);

    // 7. Soak: keep probing through every LB; any failure rolls back.
    t.phase('soak', formatDuration(policies.soakMs));
    await soak(ctx, lbs, newServers.map(serverIdOf), policies);
    t.event('soak passed');

    // 8. Drain: the old servers get no more queries (bounded wait), then the change is final.
    t.phase('drain', `until ${oldServers.map((s) => s.label).join(', ')} stop receiving queries`);
    await waitUntilQuiet(ctx, oldServers, policies.oldServersMaxMs, (e) => t.event(e));
    saga.commit();

    // 9. Retire the old servers and give the new ones the live names.
    newServers = await retireAndRename(ctx, t, oldServers, newServers, input.nameservers);
    t.status.oldServers = [];
    t.status.newServers = newServers.map(hostView);
    t.phase('done', `serving ${input.domain} serial ${check.serial} from ${newServers.map((s) => s.label).join(', ')}`);
    return { outcome: 'deployed', status: t.status, plan };
  } catch (err) {
    return rollBack(t, saga, err, 'deploy', 'DeployFailed');
  }
}
