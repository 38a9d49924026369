// Adopting a fleet that runs without nsdeploy, as a runbook: find its instances by label, scan
// their host keys (nothing pinned), show the plan, wait for the operator's fingerprints (read
// out of band; a mismatch is refused, naming the host), pin, tag, attach the fleet's Cloud
// Firewalls (when configured), show the roles' --check --diff, and on approval apply them and
// verify every record. Nothing is changed before the fingerprints match; an adoption that stops
// after that has only pinned keys, added tags and attached firewalls.
import { ApplicationFailure, isCancellation, log, setHandler } from '@temporalio/workflow';
import {
  fleetAdoptStatusQuery,
  fleetTag,
  hostView,
  labelsOf,
  type FleetAdoptInput,
  type FleetAdoptResult,
  type ScannedHostKey,
} from '../shared';
import { formatDuration } from '../shared/duration';
import { ApprovalGate } from './lib/approvalGate';
import { reasonOf } from './lib/failures';
import { fleetContext } from './lib/fleetContext';
import { fleetPlaybook } from './lib/fleetPlaybook';
import { syncFleetFirewalls } from './lib/firewalls';
import { step } from './lib/steps';
import { requireClean, verifyEach, viaPrivate, viaPublic } from './lib/verify';
import { KeyConfirmation } from './fleetAdopt/keyConfirmation';
import { adoptPlan } from './fleetAdopt/plan';
import { AdoptTracker } from './fleetAdopt/tracker';

export async function fleetAdopt(input: FleetAdoptInput): Promise<FleetAdoptResult> {
  const t = new AdoptTracker(input.fleet);
  setHandler(fleetAdoptStatusQuery, () => t.status);
  const approvals = new ApprovalGate(t);
  const keys = new KeyConfirmation(t);
  const ctx = fleetContext(input);
  const { policies } = input;
  let plan: string[] = [];

  try {
    // 1. Find every host of the config by its label, whatever its tags.
    const refs = [
      ...input.nameservers.map((h) => ({ ...h, role: 'nameserver' as const })),
      ...input.loadBalancers.map((h) => ({ ...h, role: 'loadBalancer' as const })),
    ];
    t.phase('find', labelsOf(refs));
    const { found, missing } = await step(
      'quick',
      `find ${labelsOf(refs)}`,
      'findInstances',
      ctx.linode,
      refs.map((r) => r.label),
    );
    if (missing.length > 0)
      throw ApplicationFailure.nonRetryable(
        `no instance labelled ${missing.join(', ')} in this account`,
        'FleetMismatch',
      );
    const live = refs.map((r) => found.find((f) => f.label === r.label)!);

    // 2. Each host's keys as it presents them: shown, not pinned.
    t.phase('scan', 'ssh-keyscan');
    const scanned = await Promise.all(
      live.map((h) => step('quick', `scan ${h.label}'s host keys`, 'scanHostKeys', { address: h.publicIPv4 })),
    );
    t.status.hosts = live.map((h, i) => ({
      ...hostView(h),
      role: refs[i].role,
      keys: scanned[i].map((k) => ({ type: k.type, fingerprint: k.fingerprint })),
    }));
    plan = adoptPlan(input, t.status.hosts);
    for (const line of plan.slice(0, live.length)) t.event(line);
    if (input.dryRun) {
      t.phase('planned', 'dry run: nothing pinned, nothing changed');
      return { outcome: 'planned', status: t.status, plan };
    }

    // 3. The operator's fingerprints, read out of band: each must match a key its host presented.
    const waitFor = formatDuration(policies.approval.timeoutMs);
    t.phase('confirm-keys', `waiting up to ${waitFor} for the fingerprints (nsdeploy fleet confirm-keys)`);
    const byLabel = new Map<string, ScannedHostKey[]>(live.map((h, i) => [h.label, scanned[i]]));
    const confirmed = await keys.wait(byLabel, policies.approval.timeoutMs);
    if (!confirmed)
      throw ApplicationFailure.nonRetryable(`no fingerprints within ${waitFor}: nothing pinned`, 'KeysNotConfirmed');

    // 4. Pin the confirmed keys; 5. tag the instances as the fleet's.
    t.phase('pin', labelsOf(live));
    for (const [i, h] of live.entries()) {
      const key = confirmed.get(h.label)!;
      const addresses = [h.publicIPv4, ...(h.privateIPv4 ? [h.privateIPv4] : [])];
      const pin = { knownHostsFile: input.ssh.knownHostsFile, addresses, publicKey: key.publicKey };
      await step('quick', `pin ${h.label}'s ${key.type} key ${key.fingerprint}`, 'pinHostKey', pin);
      t.status.hosts[i].pinned = `${key.type} ${key.fingerprint}`;
    }
    const tags = [fleetTag(input.fleet), ...input.linode.tags];
    t.phase('tag', tags.join(', '));
    for (const [i, h] of live.entries()) {
      await step('quick', `tag ${h.label}`, 'addTags', ctx.linode, h.id, tags);
      t.status.hosts[i].tagsAdded = tags.filter((x) => !h.tags.includes(x));
    }
    await syncFleetFirewalls(ctx, input, "each adopted host gets its role's firewall", (e) => t.event(e));

    // 6. The roles' plan; 7. on approval, apply them.
    const ns = live.filter((_, i) => refs[i].role === 'nameserver');
    const lbs = live.filter((_, i) => refs[i].role === 'loadBalancer');
    const inventory = fleetPlaybook(input, ns, lbs);
    const run = {
      playbook: 'site.yml' as const,
      ...inventory,
      groupVars: { ...inventory.groupVars, loadbalancers: { ...input.proxyVars } },
    };
    t.phase('plan', 'Ansible site.yml --check --diff');
    const rolesPlan = await step('long', 'plan the roles (--check --diff)', 'runPlaybook', { ...run, check: true });
    t.status.rolesPlan = { changed: rolesPlan.changed, diff: rolesPlan.diff ?? '' };
    t.event(`roles plan: ${rolesPlan.changed} change(s)`);
    const answer = await approvals.ask(policies.approval, `apply the roles (${rolesPlan.changed} change(s))?`);
    if (!answer.go) {
      t.phase('done', `adopted (keys pinned, tagged); roles not applied: ${answer.why}`);
      return { outcome: 'kept-roles', status: t.status, plan };
    }
    t.phase('apply', 'Ansible site.yml');
    const applied = await step('long', 'apply the roles', 'runPlaybook', run);
    t.event(`roles applied: ${applied.changed} change(s)`);

    // 8. Every record of every zone on each nameserver and through each LB.
    const targets = [...ns.map(viaPrivate), ...lbs.map(viaPublic)];
    t.phase('verify', labelsOf(targets));
    requireClean(targets, await verifyEach(ctx, targets, policies.verify, 'verify'), 'verification', 'VerifyFailed');
    t.phase('done', `fleet ${input.fleet} adopted: ${labelsOf(live)}`);
    return { outcome: 'adopted', status: t.status, plan };
  } catch (err) {
    const message = reasonOf(err);
    t.status.error = isCancellation(err) ? 'aborted' : message;
    const pinned = t.status.hosts.filter((h) => h.pinned).map((h) => h.label);
    t.phase('failed', `${t.status.error}${pinned.length ? ` (pinned and tagged so far: ${pinned.join(', ')})` : ''}`);
    log.warn('adoption stopped', { error: t.status.error });
    if (isCancellation(err)) throw err;
    throw ApplicationFailure.nonRetryable(`adoption stopped: ${message}`, 'AdoptFailed', t.status);
  }
}
