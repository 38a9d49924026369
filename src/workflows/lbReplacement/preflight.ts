// What the LB replacement learns before it changes anything: the live fleet, every zone's
// records that point at the old LBs (and their TTL), and the delegation of every zone as each
// parent serves it now, which together decide what moves, what the registrar must change and
// how long the drain must be.
import { ApplicationFailure } from '@temporalio/workflow';
import type { InstanceInfo } from '../../activities/linode';
import type { ZoneAddressRecord } from '../../activities/zoneChange';
import { hostView, type DrainStatus, type LbReplacementInput, type ZoneRef } from '../../shared';
import type { FleetContext } from '../lib/fleetContext';
import { delegationTtl } from '../lib/glue';
import { checkZones, liveFleet } from '../lib/preflight';
import { step } from '../lib/steps';
import type { GlueWatch } from './glueWatch';
import type { LbTracker } from './tracker';

/** A zone with records at the old LBs' addresses: they move to the new LBs. */
export interface MovingZone {
  zone: ZoneRef;
  serial: number;
  records: ZoneAddressRecord[];
}

export interface LbPreflight {
  oldLbs: InstanceInfo[];
  moving: MovingZone[];
  /** Every record that moves, in every zone. */
  atLbs: ZoneAddressRecord[];
  /** The delegations' NS names, sorted, and the glue every parent serves for one of them. */
  nsNames: string[];
  glueNow: (name: string) => string[];
  drain: DrainStatus;
}

export async function lbPreflight(
  ctx: FleetContext,
  t: LbTracker,
  glue: GlueWatch,
  input: LbReplacementInput,
): Promise<LbPreflight> {
  const next = input.loadBalancers.map((l) => l.label + input.nextSuffix);
  const labels = [...input.nameservers, ...input.loadBalancers].map((h) => h.label);
  const live = await liveFleet(ctx, labels, next);
  if (input.parents.length === 0) {
    const why = 'no parent servers in the config (`parents:`): the glue change cannot be checked';
    throw ApplicationFailure.nonRetryable(why, 'ConfigError');
  }
  const oldLbs = input.loadBalancers.map((l) => live.get(l.label));
  t.status.oldLbs = oldLbs.map(hostView);

  const checks = await checkZones(ctx, input.nsDeployPolicies.zoneChecks, (e) => t.event(e));
  const addresses = oldLbs.map((l) => l.publicIPv4);
  const moving: MovingZone[] = [];
  for (const [i, zone] of input.zones.entries()) {
    const request = { zoneFile: zone.file, domain: zone.domain, addresses };
    const summary =
      input.zones.length > 1 ? `${zone.domain} records pointing at the LBs` : 'zone records pointing at the LBs';
    const records = await step('quick', summary, 'zoneRecordsAt', request);
    if (records.length > 0) moving.push({ zone, serial: checks[i].serial, records });
  }
  if (moving.length === 0) {
    const lbs = oldLbs.map((l) => `${l.label} (${l.publicIPv4})`).join(', ');
    const zones = input.zones.map((z) => z.domain).join(', ');
    throw ApplicationFailure.nonRetryable(`no record of ${zones} points at ${lbs}: nothing to move`, 'ZoneMismatch');
  }
  const atLbs = moving.flatMap((m) => m.records);
  const zoneTtlSeconds = Math.max(...atLbs.map((r) => r.ttl));

  const { results } = await glue.poll([]);
  const unreachable = results.filter((r) => r.views.some((v) => v.error));
  if (unreachable.length > 0) {
    const which = unreachable.map((r) => `${r.parent} (${r.views.find((v) => v.error)?.error})`).join('; ');
    throw ApplicationFailure.nonRetryable(`parent server(s) did not answer: ${which}`, 'ParentUnreachable');
  }
  // The registrar's step concerns the zones whose delegation carries glue (in-bailiwick NS names).
  glue.watchOnly(glue.domains.filter((_, i) => glue.viewsOf(results, i).some((v) => v.glue.length > 0)));
  const views = results.flatMap((r) => r.views);
  const nsNames = [...new Set(views.flatMap((v) => v.nameservers))].sort();
  const glueNow = (name: string) =>
    [...new Set(views.flatMap((v) => v.glue.filter((g) => g.name === name).map((g) => g.address)))].sort();
  const delegationTtlSeconds = delegationTtl(results);
  const marginMs = input.policies.drainMarginMs;
  const totalMs = (delegationTtlSeconds + zoneTtlSeconds) * 1000 + marginMs;
  const drain = { delegationTtlSeconds, zoneTtlSeconds, marginMs, totalMs };
  t.status.drain = drain;
  for (const m of moving) {
    const records = m.records.map((r) => `${r.name} ${r.type} ${r.address} TTL ${r.ttl}`);
    t.event(`zone ${m.zone.domain} serial ${m.serial}: ${records.join(', ')}`);
  }
  const ns = nsNames.join(', ');
  t.event(
    `delegation of ${input.zones.map((z) => z.domain).join(', ')} at ${input.parents.length} parent(s): ` +
      `NS ${ns}, TTL ${delegationTtlSeconds}s; zone TTL of the moved records ${zoneTtlSeconds}s`,
  );
  return { oldLbs, moving, atLbs, nsNames, glueNow, drain };
}
