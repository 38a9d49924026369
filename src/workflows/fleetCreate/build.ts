// "The steps that build a fleet", once: regions checked, firewalls made, every LB and nameserver
// created (or kept: an instance with its label and the fleet tag is the one a re-run continues
// with), running, answering SSH with its pinned key, configured by site.yml (common, nameserver,
// proxy), and every record of every zone verified through each LB over UDP and TCP.
//
// A plain function over the steps it needs, so that the fleetCreate workflow (each step an
// activity) and lab:up (the same activities called directly, where there is no Temporal server)
// build a fleet the same way. Deterministic: no I/O of its own, no clock, no randomness.
import type { CompactZoneComparison } from '../../dns/compact';
import type { PlaybookRun } from '../../activities/ansible';
import type { InstanceInfo, InstanceSpec } from '../../activities/linode';
import { fleetTag, type FirewallRole, type FleetSpec } from '../../shared';
import { fleetPlaybook } from '../lib/fleetPlaybook';

export interface FleetBuildSteps {
  checkRegions(regions: string[]): Promise<unknown>;
  /** The roles' firewall IDs, or undefined when the fleet has no firewall configured. */
  syncFirewalls(why: string): Promise<Record<FirewallRole, number> | undefined>;
  ensureInstance(spec: InstanceSpec): Promise<InstanceInfo>;
  waitForRunning(instance: InstanceInfo): Promise<InstanceInfo>;
  waitForSsh(instance: InstanceInfo): Promise<unknown>;
  runPlaybook(run: PlaybookRun): Promise<unknown>;
  /** Every record of every zone through this LB, over UDP and TCP. */
  verifyThroughLb(lb: InstanceInfo): Promise<CompactZoneComparison>;
  event(line: string): void;
  /** A step fails the build with this message (an ApplicationFailure in the workflow). */
  fail(message: string, type: string): Error;
}

export interface BuiltFleet {
  lbs: InstanceInfo[];
  nameservers: InstanceInfo[];
}

/** The tag that makes an instance "this fleet's": a re-run of the build keeps what carries it. */
export const buildTagOf = (fleet: string) => fleetTag(fleet);

export async function buildFleet(spec: FleetSpec, s: FleetBuildSteps): Promise<BuiltFleet> {
  const hosts = [...spec.loadBalancers, ...spec.nameservers];
  await s.checkRegions([...new Set(hosts.map((h) => h.region))]);
  const firewalls = await s.syncFirewalls('before the instances are created');

  // One at a time, LBs first in config order: a fresh account hands out addresses in that order
  // (the lab's zone names its LBs by address). Each create is idempotent by label + fleet tag.
  const created: InstanceInfo[] = [];
  for (const [i, host] of hosts.entries()) {
    const role: FirewallRole = i < spec.loadBalancers.length ? 'lb' : 'ns';
    const instance = await s.ensureInstance({
      label: host.label,
      region: host.region,
      type: spec.linode.type,
      image: spec.linode.image,
      tags: [...spec.linode.tags, fleetTag(spec.fleet)],
      deployTag: buildTagOf(spec.fleet),
      ...(firewalls ? { firewallId: firewalls[role] } : {}),
    });
    created.push(instance);
  }
  s.event(`instances: ${created.map((c) => `${c.label} ${c.publicIPv4}/${c.privateIPv4 ?? '-'}`).join(', ')}`);

  const running = await Promise.all(created.map((c) => s.waitForRunning(c)));
  // Now that every LB has its addresses, the nameservers may accept DNS from them (and an
  // instance kept from an earlier run without its firewall gets it).
  await s.syncFirewalls('the LBs may query the nameservers');
  await Promise.all(running.map((r) => s.waitForSsh(r)));
  const lbs = running.slice(0, spec.loadBalancers.length);
  const nameservers = running.slice(spec.loadBalancers.length);

  await s.runPlaybook({ playbook: 'site.yml', ...fleetPlaybook(spec, nameservers, lbs) });
  const results = await Promise.all(lbs.map((lb) => s.verifyThroughLb(lb)));
  const bad = results.map((r, i) => ({ r, lb: lbs[i] })).filter(({ r }) => !r.ok);
  if (bad.length > 0) {
    const first = bad.flatMap(({ r, lb }) =>
      r.differences.slice(0, 3).map((d) => `${lb.label}: ${d.kind} ${d.name} ${d.type}/${d.transport}`),
    );
    throw s.fail(`the fleet does not serve its zones through every LB: ${first.join('; ')}`, 'VerifyFailed');
  }
  s.event(
    `every record of ${spec.zones.map((z) => z.domain).join(', ')} through ` +
      `${lbs.map((l) => l.label).join(', ')} over UDP and TCP: ` +
      results.map((r) => `${r.recordsChecked} records`).join(' / '),
  );
  return { lbs, nameservers };
}
