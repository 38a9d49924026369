// Keeping the fleet's Cloud Firewalls in step with the live fleet (src/activities/firewall.ts):
// before instances are created (their role's firewall is given at create), once new LBs exist
// (a nameserver accepts DNS only from LBs it knows), and after old ones are retired.
import { patched } from '@temporalio/workflow';
import type { FirewallRole, FleetSpec } from '../../shared';
import type { FleetContext } from './fleetContext';
import { step } from './steps';

/** Histories from before Cloud Firewalls have no syncFirewalls step. */
export const CLOUD_FIREWALLS = 'cloud-firewalls';

/** Every label an instance of each role may have during a change: lb1 and lb1-next, ns1 and ns1-next. */
export function roleLabels(spec: Pick<FleetSpec, 'nameservers' | 'loadBalancers' | 'nextSuffix'>) {
  const withNext = (labels: string[]) => labels.flatMap((l) => [l, l + spec.nextSuffix]);
  return {
    lb: withNext(spec.loadBalancers.map((h) => h.label)),
    ns: withNext(spec.nameservers.map((h) => h.label)),
  };
}

/**
 * Syncs the firewalls and returns each role's ID, or undefined when the fleet has none
 * configured (or the history is from before them). `why` ends the Web UI summary.
 */
export async function syncFleetFirewalls(
  ctx: FleetContext,
  spec: FleetSpec,
  why: string,
  event: (line: string) => void = () => undefined,
): Promise<Record<FirewallRole, number> | undefined> {
  if (!spec.firewall || !patched(CLOUD_FIREWALLS)) return undefined;
  const result = await step('quick', `sync Cloud Firewalls: ${why}`, 'syncFirewalls', ctx.linode, {
    fleet: spec.fleet,
    workerAddresses: spec.firewall.workerAddresses,
    labels: roleLabels(spec),
  });
  for (const change of result.changes) event(change);
  return result.ids;
}
