// The blue-green nameserver deploy, as a runbook: new servers next to the old ones, proven
// record by record, switched in one LB at a time, soaked, and only then the old ones retired.
// Every step that changes the fleet registers its undo right after it (saga); a failure or an
// abort before the old servers are deleted puts the fleet back as it was.
import { ApplicationFailure, condition, isCancellation, log, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { InstanceInfo, LinodeTarget } from '../activities/linode';
import {
  approveUpdate, deployStatusQuery, fleetTag, rejectUpdate, type ApprovalDecision, type HostView, type NsDeployInput, type NsDeployResult,
} from '../shared';
import { reasonOf } from './lib/failures';
import { Saga } from './lib/saga';
import { createNewInstances } from './lib/newInstances';
import { step, whole } from './lib/steps';
import { DeployTracker } from './lib/tracker';
import { formatDuration } from '../shared/duration';

/**
 * NSID of a server this deploy configures: label plus instance ID, unique for ever, so answers
 * from an older server (which may carry the same label) can never pass for the new one's.
 */
export const serverIdOf = (i: Pick<InstanceInfo, 'label' | 'id'>) => `${i.label}.${i.id}`;

const view = (i: InstanceInfo): HostView => ({ label: i.label, id: i.id, publicIPv4: i.publicIPv4, privateIPv4: i.privateIPv4 });

export async function nsBlueGreen(input: NsDeployInput): Promise<NsDeployResult> {
  const t = new DeployTracker(input.fleet);
  const saga = new Saga();
  const plan: string[] = [];
  const deployTag = `nsdeploy-${workflowInfo().runId.slice(0, 8)}`;
  const linode: LinodeTarget = { apiUrl: input.linode.apiUrl, tokenEnv: input.linode.tokenEnv, knownHostsFile: input.ssh.knownHostsFile, privateKeyFile: input.ssh.privateKeyFile };
  const sshTo = (address: string, name?: string) => ({ address, name, user: input.ssh.user, privateKeyFile: input.ssh.privateKeyFile, knownHostsFile: input.ssh.knownHostsFile });
  const zone = { origin: input.domain, file: input.zoneFile };
  const { gate, approval } = input.policies;

  let decision: { approved: boolean; by?: string; reason?: string } | undefined;
  setHandler(deployStatusQuery, () => t.status);
  const approvalPending = (d: ApprovalDecision) => {
    if (!t.status.approval?.pending) throw new Error(`no approval is pending (phase: ${t.status.phase})`);
    if (d?.reason !== undefined && (typeof d.reason !== 'string' || d.reason.length > 500)) throw new Error('reason: must be text of at most 500 characters');
  };
  for (const [update, approved] of [[approveUpdate, true], [rejectUpdate, false]] as const) {
    setHandler(update, (d) => {
      decision = { approved, by: d?.by, reason: d?.reason };
      return t.status;
    }, { validator: approvalPending });
  }

  try {
    // 1. Preflight: the zone loads as BIND loads it, the live fleet is what the config says.
    const check = await step('quick', `check zone ${input.domain}`, 'checkZone', { zoneFile: input.zoneFile, domain: input.domain });
    t.status.zoneSerial = check.serial;
    for (const c of check.caveats) t.event(`zone ${c.level}: ${c.message}`);
    const blocking = check.caveats.filter((c) => c.level === 'error');
    if (blocking.length > 0) throw ApplicationFailure.nonRetryable(`zone refused: ${blocking.map((c) => c.message).join('; ')}`, 'ZoneRefused');

    const live = await step('quick', `list fleet ${input.fleet}`, 'listInstances', linode, fleetTag(input.fleet));
    const byLabel = (label: string) => live.find((i) => i.label === label);
    const missing = [...input.nameservers, ...input.loadBalancers].filter((l) => !byLabel(l));
    if (missing.length > 0) throw ApplicationFailure.nonRetryable(`live fleet incomplete: no instance labelled ${missing.join(', ')} with tag ${fleetTag(input.fleet)}`, 'FleetMismatch');
    const leftovers = input.nameservers.map((l) => l + input.nextSuffix).filter((l) => byLabel(l));
    if (leftovers.length > 0) throw ApplicationFailure.nonRetryable(`${leftovers.join(', ')} already exist (an earlier deploy?): delete them first`, 'FleetMismatch');
    const oldServers = input.nameservers.map((l) => byLabel(l)!);
    const lbs = input.loadBalancers.map((l) => byLabel(l)!);
    t.status.oldServers = oldServers.map(view);
    t.status.loadBalancers = lbs.map(view);

    const baseline = await Promise.all(lbs.map((lb) => step('long', `baseline through ${lb.label}`, 'compareZoneOnServer', { server: { address: lb.publicIPv4 }, zone, transports: ['udp'], concurrency: gate.concurrency })));
    baseline.forEach((b, i) => t.event(`baseline ${lbs[i].label}: ${b.differences.length} record(s) differ from the new zone, answered by ${b.nsids.join(', ') || '?'}`));

    plan.push(
      `zone ${input.domain}: serial ${check.serial}, ${check.records} records, ${check.caveats.length} caveat(s)`,
      ...input.nameservers.map((l) => `create ${l}${input.nextSuffix} (${input.linode.type}, ${input.linode.image}, ${input.linode.region}) and configure it (Ansible nameserver)`),
      `gate: every record on each new server over ${gate.transports.join(' and ')}`,
      ...(approval.beforeCutover ? [`wait up to ${formatDuration(approval.timeoutMs)} for approval (on timeout: ${approval.onTimeout})`] : []),
      ...lbs.map((lb) => `switch ${lb.label} from ${oldServers.map((s) => s.label).join(', ')} to the new servers, verify through it`),
      `soak ${formatDuration(input.policies.soakMs)}; on failure switch the LBs back and delete the new servers`,
      `drain and delete ${oldServers.map((s) => s.label).join(', ')}, then rename the new servers to ${input.nameservers.join(', ')}`,
    );
    t.event(`plan: ${plan.length} steps`);
    if (input.dryRun) {
      t.phase('planned', 'dry run: nothing changed');
      return { outcome: 'planned', status: t.status, plan };
    }

    // 2. Create the new servers in parallel; each create's undo is registered even if it failed
    //    half-way (the instance may exist although its answer was lost).
    t.phase('create', input.nameservers.map((l) => l + input.nextSuffix).join(', '));
    const spec = (label: string) => ({ label, region: input.linode.region, type: input.linode.type, image: input.linode.image, tags: [...input.linode.tags, fleetTag(input.fleet)], deployTag });
    let newServers = await createNewInstances({
      saga, linode, spec, sshTo: (i) => sshTo(i.publicIPv4, i.label),
      labels: input.nameservers.map((l) => l + input.nextSuffix),
      bootTimeoutMs: input.policies.bootTimeoutMs, sshTimeoutMs: input.policies.sshTimeoutMs,
      onCreated: (made) => {
        t.status.newServers = made.map(view);
        t.render();
      },
    });
    t.status.newServers = newServers.map(view);
    t.event('new servers running, SSH verified with pinned host keys');

    // 3. Configure them with the same role as production always uses.
    t.phase('configure', 'Ansible nameserver role');
    await step('long', `Ansible nameserver on ${newServers.map((s) => s.label).join(', ')}`, 'runPlaybook', {
      playbook: 'nameserver.yml',
      groups: {
        nameservers: newServers.map((s) => ({ name: s.label, address: s.publicIPv4, vars: { nameserver_listen_addresses: [s.privateIPv4], nameserver_server_id: serverIdOf(s) } })),
      },
      groupVars: { nameservers: { nameserver_zones: [{ name: input.domain, file: input.zoneFile }] } },
      privateKeyFile: input.ssh.privateKeyFile,
      knownHostsFile: input.ssh.knownHostsFile,
      user: input.ssh.user,
    });

    // 4. Gate: every record, on every new server, over every transport.
    t.phase('gate', `${check.rrsets} RRsets × ${newServers.length} servers × ${gate.transports.join('+')}`);
    const gates = await Promise.all(
      newServers.map((s) => step('long', `verify every record on ${s.label}`, 'compareZoneOnServer', { server: { address: s.privateIPv4 ?? s.publicIPv4 }, zone, transports: gate.transports, concurrency: gate.concurrency })),
    );
    const gateProblems = gates.flatMap((g, i) => g.differences.slice(0, 5).map((d) => `${newServers[i].label}: ${d.kind} ${d.name} ${d.type}/${d.transport}`));
    if (gates.some((g) => !g.ok)) throw ApplicationFailure.nonRetryable(`gate failed: ${gateProblems.join('; ')}`, 'GateFailed');
    t.event(`gate passed: ${gates.map((g) => `${g.recordsChecked} records, ${g.queriesSent} queries`).join(' / ')}`);

    // 5. Optional approval before the LBs are touched.
    if (approval.beforeCutover) {
      t.status.approval = { pending: true, deadline: new Date(Date.now() + approval.timeoutMs).toISOString() };
      t.phase('approval', `waiting up to ${formatDuration(approval.timeoutMs)}`);
      const decided = await condition(() => decision !== undefined, approval.timeoutMs, { summary: `approval (until ${t.status.approval.deadline})` });
      if (!decided) {
        t.status.approval = { pending: false, decision: 'timed-out' };
        if (approval.onTimeout === 'abort') throw ApplicationFailure.nonRetryable(`no approval within ${formatDuration(approval.timeoutMs)} (policy: abort)`, 'ApprovalTimedOut');
        t.event('no approval in time; continuing (policy: continue)');
      } else {
        t.status.approval = { pending: false, decision: decision!.approved ? 'approved' : 'rejected', by: decision!.by, reason: decision!.reason };
        if (!decision!.approved) throw ApplicationFailure.nonRetryable(`rejected${decision!.by ? ` by ${decision!.by}` : ''}${decision!.reason ? `: ${decision!.reason}` : ''}`, 'Rejected');
        t.event(`approved${decision!.by ? ` by ${decision!.by}` : ''}`);
      }
    }

    // 6. Cutover, one LB at a time; each LB's undo switches it back to what it had.
    t.phase('cutover');
    const newUpstreams = newServers.map((s) => ({ address: s.privateIPv4 ?? s.publicIPv4, port: 53 }));
    const newLabels = new Set(newServers.map(serverIdOf));
    for (const lb of lbs) {
      const previous = await step('quick', `read ${lb.label} upstreams`, 'readUpstreams', sshTo(lb.publicIPv4, lb.label));
      saga.add(`switch ${lb.label} back`, async () => {
        await step('quick', `switch ${lb.label} back to the old servers`, 'switchUpstreams', sshTo(lb.publicIPv4, lb.label), { upstreams: previous });
        t.status.switched = t.status.switched.filter((l) => l !== lb.label);
      });
      await whole(() => step('quick', `switch ${lb.label} to ${[...newLabels].join(', ')}`, 'switchUpstreams', sshTo(lb.publicIPv4, lb.label), { upstreams: newUpstreams }));
      const through = await step('long', `verify through ${lb.label}`, 'compareZoneOnServer', { server: { address: lb.publicIPv4 }, zone, transports: gate.transports, concurrency: gate.concurrency });
      const strangers = through.nsids.filter((n) => !newLabels.has(n));
      if (!through.ok || strangers.length > 0 || through.nsids.length === 0) {
        throw ApplicationFailure.nonRetryable(
          `verification through ${lb.label} failed: ${through.differences.length} difference(s)${strangers.length ? `, answered by ${strangers.join(', ')}` : ''}${through.nsids.length === 0 ? ', no NSID seen' : ''}`,
          'CutoverFailed',
        );
      }
      t.status.switched.push(lb.label);
      t.event(`${lb.label} now answers from ${through.nsids.join(', ')}`);
    }

    // 7. Soak: keep probing through every LB; any failure rolls back.
    t.phase('soak', formatDuration(input.policies.soakMs));
    const soakEnd = Date.now() + input.policies.soakMs;
    const every = input.policies.soakProbeEveryMs ?? Math.max(5_000, Math.floor(input.policies.soakMs / 6));
    while (Date.now() < soakEnd) {
      await sleep(Math.min(every, soakEnd - Date.now()), { summary: `soak until ${new Date(soakEnd).toISOString()}` });
      const probes = await Promise.all(lbs.map((lb) => step('long', `soak probe through ${lb.label}`, 'compareZoneOnServer', { server: { address: lb.publicIPv4 }, zone, transports: gate.transports, concurrency: gate.concurrency })));
      const bad = probes.map((p, i) => ({ p, lb: lbs[i] })).filter(({ p }) => !p.ok || p.nsids.some((n) => !newLabels.has(n)));
      if (bad.length > 0) throw ApplicationFailure.nonRetryable(`soak failed through ${bad.map((b) => `${b.lb.label} (${b.p.differences.length} differences, NSIDs ${b.p.nsids.join(',')})`).join(', ')}`, 'SoakFailed');
    }
    t.event('soak passed');

    // 8. Drain: the old servers get no more queries (bounded wait), then the change is final.
    t.phase('drain', `until ${oldServers.map((s) => s.label).join(', ')} stop receiving queries`);
    const drainEnd = Date.now() + input.policies.oldServersMaxMs;
    let last = await Promise.all(oldServers.map((s) => step('quick', `query counter of ${s.label}`, 'nsQueryCounter', sshTo(s.publicIPv4, s.label))));
    for (;;) {
      await sleep(5_000, { summary: 'wait for the old servers to go quiet' });
      const now = await Promise.all(oldServers.map((s) => step('quick', `query counter of ${s.label}`, 'nsQueryCounter', sshTo(s.publicIPv4, s.label))));
      const rising = oldServers.filter((_, i) => now[i].queries > last[i].queries);
      if (rising.length === 0) break;
      if (Date.now() >= drainEnd) {
        t.event(`still receiving queries after ${formatDuration(input.policies.oldServersMaxMs)}: ${rising.map((s) => s.label).join(', ')}; retiring anyway (clients go through the LBs)`);
        break;
      }
      last = now;
    }
    saga.commit();

    // 9. Retire the old servers, 10. give the new ones the live names.
    t.phase('retire', oldServers.map((s) => s.label).join(', '));
    await Promise.all(oldServers.map((s) => step('quick', `delete ${s.label}`, 'deleteInstance', linode, s.id)));
    t.status.oldServers = [];
    t.phase('rename');
    newServers = await Promise.all(newServers.map((s, i) => step('quick', `rename ${s.label} to ${input.nameservers[i]}`, 'renameInstance', linode, s.id, input.nameservers[i])));
    t.status.newServers = newServers.map(view);
    t.phase('done', `serving ${input.domain} serial ${check.serial} from ${newServers.map((s) => s.label).join(', ')}`);
    return { outcome: 'deployed', status: t.status, plan };
  } catch (err) {
    const message = reasonOf(err);
    t.status.error = isCancellation(err) ? 'aborted' : message;
    const undo = saga.pending;
    t.phase('rolling-back', undo.length ? undo.slice().reverse().join(', ') : 'nothing to undo');
    await saga.compensate((name, e) => t.event(e ? `undo failed: ${name}: ${String(e)}` : `undone: ${name}`));
    t.phase(undo.length ? 'rolled-back' : 'failed', t.status.error);
    log.warn('deploy did not complete', { error: t.status.error });
    if (isCancellation(err)) throw err;
    throw ApplicationFailure.nonRetryable(`deploy ${undo.length ? 'rolled back' : 'failed'}: ${message}`, 'DeployFailed', t.status);
  }
}
