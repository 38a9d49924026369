// The in-place LB update, as a runbook: the repo's proxy role (plus the config's proxyVars)
// applied to one live LB at a time — planned with --check --diff, applied (the role validates
// every file with nginx -t before it replaces the live one, then reloads), and verified by
// asking the whole zone through that LB before the next LB is touched. The first failure
// stops the update: the LBs after it are not touched, and the report names the LB and task.
import { ApplicationFailure, isCancellation, log, setHandler } from '@temporalio/workflow';
import type { InstanceInfo, LinodeTarget } from '../activities/linode';
import type { CompactZoneComparison } from '../dns/compact';
import { upstreamKey as key } from '../hosts/upstream';
import { fleetTag, hostView, lbUpdateStatusQuery, type LbUpdateInput, type LbUpdateResult, type LbUpdateView } from '../shared';
import { reasonOf } from './lib/failures';
import { step } from './lib/steps';
import { LbUpdateTracker } from './lib/lbUpdateTracker';

const differenceKey = (d: CompactZoneComparison['differences'][number]) => `${d.kind} ${d.name} ${d.type}/${d.transport}`;

export async function lbUpdate(input: LbUpdateInput): Promise<LbUpdateResult> {
  const t = new LbUpdateTracker(input.fleet, input.loadBalancers);
  setHandler(lbUpdateStatusQuery, () => t.status);
  const linode: LinodeTarget = { apiUrl: input.linode.apiUrl, tokenEnv: input.linode.tokenEnv, knownHostsFile: input.ssh.knownHostsFile, privateKeyFile: input.ssh.privateKeyFile };
  const sshTo = (address: string) => ({ address, user: input.ssh.user, privateKeyFile: input.ssh.privateKeyFile, knownHostsFile: input.ssh.knownHostsFile });
  const zone = { origin: input.domain, file: input.zoneFile };
  const views = t.status.lbUpdates;
  let current: LbUpdateView | undefined;

  try {
    // 1. Preflight: the live LBs, and the upstreams each one has now (the update keeps them).
    const live = await step('quick', `list fleet ${input.fleet}`, 'listInstances', linode, fleetTag(input.fleet));
    const missing = input.loadBalancers.filter((l) => !live.some((i) => i.label === l));
    if (missing.length > 0) throw ApplicationFailure.nonRetryable(`live fleet incomplete: no instance labelled ${missing.join(', ')} with tag ${fleetTag(input.fleet)}`, 'FleetMismatch');
    const lbs = input.loadBalancers.map((l) => live.find((i) => i.label === l)!);
    t.status.loadBalancers = lbs.map(hostView);
    const upstreams = await Promise.all(lbs.map((lb) => step('quick', `read ${lb.label} upstreams`, 'readUpstreams', sshTo(lb.publicIPv4))));
    lbs.forEach((lb, i) => {
      views[i].publicIPv4 = lb.publicIPv4;
      views[i].upstreams = upstreams[i].map(key);
      const strangers = upstreams[i].filter((u) => !live.some((x) => x.privateIPv4 === u.address || x.publicIPv4 === u.address));
      if (strangers.length > 0) t.event(`note: ${lb.label} points at ${strangers.map(key).join(', ')}, not an instance of the fleet; the update keeps it`);
    });
    t.event(`${lbs.length} LB(s) to update in order: ${lbs.map((l) => l.label).join(', ')}${Object.keys(input.proxyVars).length ? `; proxyVars ${Object.keys(input.proxyVars).join(', ')}` : ''}`);

    // Every LB in the inventory with the upstreams and listen address it has; --limit picks one.
    const playbook = (lb: InstanceInfo, opts: { check: boolean }) => ({
      playbook: 'proxy.yml' as const,
      groups: { loadbalancers: lbs.map((x, i) => ({ name: x.label, address: x.publicIPv4, vars: { proxy_listen_addresses: [x.publicIPv4], proxy_upstreams: upstreams[i] } })) },
      groupVars: { loadbalancers: input.proxyVars },
      privateKeyFile: input.ssh.privateKeyFile,
      knownHostsFile: input.ssh.knownHostsFile,
      user: input.ssh.user,
      check: opts.check,
      diff: true,
      limit: [lb.label],
    });
    const verifyThrough = (lb: InstanceInfo, what: string) =>
      step('long', `${what} through ${lb.label}`, 'compareZoneOnServer', { server: { address: lb.publicIPv4 }, zone, transports: input.verify.transports, concurrency: input.verify.concurrency });

    for (const [i, lb] of lbs.entries()) {
      current = views[i];
      // 2. The LB still has the upstreams read at the start: nothing else is changing it.
      const now = await step('quick', `read ${lb.label} upstreams`, 'readUpstreams', sshTo(lb.publicIPv4));
      if (now.map(key).join(',') !== upstreams[i].map(key).join(',')) {
        throw ApplicationFailure.nonRetryable(`${lb.label}'s upstreams changed during the update (${upstreams[i].map(key).join(', ')} → ${now.map(key).join(', ')}): is another change of fleet ${input.fleet} running?`, 'LbChanged');
      }

      // 3. Plan: what the role would change on this LB, shown before anything changes.
      t.phase('plan', lb.label);
      const plan = await step('long', `plan proxy on ${lb.label} (--check --diff)`, 'runPlaybook', playbook(lb, { check: true }));
      current.plannedChanges = plan.changed;
      current.plan = plan.diff ?? '';
      current.state = 'planned';
      t.event(`plan ${lb.label}: ${plan.changed} change(s)${plan.changed ? `: ${summarize(plan.diff)}` : ''}`);
      if (input.dryRun) continue;

      // 4. Baseline through this LB, then apply. A config nginx refuses fails its task before the
      //    live file is replaced, and nginx keeps serving the old one.
      const before = await verifyThrough(lb, 'baseline');
      t.phase('apply', lb.label);
      current.state = 'applying';
      const applied = await step('long', `apply proxy on ${lb.label}`, 'runPlaybook', playbook(lb, { check: false }));
      t.event(`applied on ${lb.label}: ${applied.changed} change(s)`);

      // 5. Verify through this LB: answers as good as before, from the same nameservers.
      t.phase('verify', lb.label);
      current.state = 'verifying';
      const after = await verifyThrough(lb, 'verify');
      const known = new Set(before.differences.map(differenceKey));
      const fresh = after.differences.filter((d) => !known.has(differenceKey(d)));
      const strangers = before.nsids.length ? after.nsids.filter((n) => !before.nsids.includes(n)) : [];
      const kept = await step('quick', `read ${lb.label} upstreams`, 'readUpstreams', sshTo(lb.publicIPv4));
      const moved = kept.map(key).join(',') !== upstreams[i].map(key).join(',');
      if (fresh.length > 0 || strangers.length > 0 || moved || after.queriesSent === 0) {
        throw ApplicationFailure.nonRetryable(
          `verification through ${lb.label} failed after the apply: ${[
            fresh.length ? `${fresh.length} new difference(s) (${fresh.slice(0, 5).map(differenceKey).join('; ')})` : '',
            strangers.length ? `answered by ${strangers.join(', ')}` : '',
            moved ? `upstreams are now ${kept.map(key).join(', ')}` : '',
            after.queriesSent === 0 ? 'no query was asked' : '',
          ].filter(Boolean).join(', ')}`,
          'LbVerifyFailed',
        );
      }
      current.state = applied.changed > 0 ? 'updated' : 'unchanged';
      t.event(`${lb.label} verified: ${after.recordsChecked} records over ${after.transports.join('+')}, answered by ${after.nsids.join(', ') || '?'}`);
      current = undefined;
    }

    if (input.dryRun) {
      t.phase('planned', `dry run: ${views.map((v) => `${v.label} ${v.plannedChanges} change(s)`).join(', ')}; nothing changed`);
      return { outcome: 'planned', status: t.status };
    }
    t.phase('done', `${views.map((v) => `${v.label} ${v.state}`).join(', ')}`);
    return { outcome: 'updated', status: t.status };
  } catch (err) {
    const message = reasonOf(err);
    t.status.error = isCancellation(err) ? 'aborted' : message;
    if (current) {
      current.state = 'failed';
      current.error = message;
    }
    for (const v of views) if (v.state === 'pending') v.state = 'untouched';
    const untouched = views.filter((v) => v.state === 'untouched').map((v) => v.label);
    t.phase('failed', `${current ? `stopped at ${current.label}` : 'stopped before any LB'}${untouched.length ? `; not touched: ${untouched.join(', ')}` : ''}`);
    log.warn('LB update stopped', { error: t.status.error });
    if (isCancellation(err)) throw err;
    throw ApplicationFailure.nonRetryable(
      `LB update stopped${current ? ` at ${current.label}` : ''}: ${message}${untouched.length ? ` (${untouched.join(', ')} not touched)` : ''}`,
      'LbUpdateFailed',
      t.status,
    );
  }
}

/** "task X changed on lb1; task Y changed on lb1" from a diff text, short. */
function summarize(diff: string | undefined): string {
  const tasks = (diff ?? '').split('\n').filter((l) => /^(TASK|RUNNING HANDLER) \[/.test(l)).map((l) => l.replace(/^TASK \[(?:[^:\]]+ : )?/, '').replace(/\]$/, ''));
  return tasks.length ? tasks.join('; ') : 'see the plan';
}
