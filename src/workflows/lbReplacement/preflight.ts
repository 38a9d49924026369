// What the LB replacement learns before it changes anything: the live fleet, the zone records
// that point at the old LBs (and their TTL), and the delegation as every parent serves it now,
// which together decide how long the drain must be.
import { ApplicationFailure } from '@temporalio/workflow';
import type { InstanceInfo } from '../../activities/linode';
import type { ZoneAddressRecord } from '../../activities/zoneChange';
import { hostView, type DrainStatus, type LbReplacementInput } from '../../shared';
import type { FleetContext } from '../lib/fleetContext';
import { delegationTtl } from '../lib/glue';
import { checkZone, liveFleet } from '../lib/preflight';
import { step } from '../lib/steps';
import type { GlueWatch } from './glueWatch';
import type { LbTracker } from './tracker';

export interface LbPreflight {
  oldLbs: InstanceInfo[];
  serial: number;
  /** The zone's records at the old LBs' addresses: what moves. */
  atLbs: ZoneAddressRecord[];
  /** The delegation's NS names, sorted, and the glue every parent serves for one of them. */
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
  const next = input.loadBalancers.map((l) => l + input.nextSuffix);
  const live = await liveFleet(ctx, [...input.nameservers, ...input.loadBalancers], next);
  if (input.parents.length === 0) {
    const why = 'no parent servers in the config (`parents:`): the glue change cannot be checked';
    throw ApplicationFailure.nonRetryable(why, 'ConfigError');
  }
  const oldLbs = input.loadBalancers.map(live.get);
  t.status.oldLbs = oldLbs.map(hostView);

  const check = await checkZone(ctx, (e) => t.event(e));
  const addresses = oldLbs.map((l) => l.publicIPv4);
  const request = { zoneFile: input.zoneFile, domain: input.domain, addresses };
  const atLbs = await step('quick', 'zone records pointing at the LBs', 'zoneRecordsAt', request);
  if (atLbs.length === 0) {
    const lbs = oldLbs.map((l) => `${l.label} (${l.publicIPv4})`).join(', ');
    throw ApplicationFailure.nonRetryable(
      `no record of ${input.domain} points at ${lbs}: nothing to move`,
      'ZoneMismatch',
    );
  }
  const zoneTtlSeconds = Math.max(...atLbs.map((r) => r.ttl));

  const { results } = await glue.poll([]);
  const views = results.flatMap((r) => r.views);
  const unreachable = results.filter((r) => r.views.some((v) => v.error));
  if (unreachable.length > 0) {
    const which = unreachable.map((r) => `${r.parent} (${r.views.find((v) => v.error)?.error})`).join('; ');
    throw ApplicationFailure.nonRetryable(`parent server(s) did not answer: ${which}`, 'ParentUnreachable');
  }
  const nsNames = [...new Set(views.flatMap((v) => v.nameservers))].sort();
  const glueNow = (name: string) =>
    [...new Set(views.flatMap((v) => v.glue.filter((g) => g.name === name).map((g) => g.address)))].sort();
  const delegationTtlSeconds = delegationTtl(results);
  const marginMs = input.policies.drainMarginMs;
  const drain = {
    delegationTtlSeconds,
    zoneTtlSeconds,
    marginMs,
    totalMs: (delegationTtlSeconds + zoneTtlSeconds) * 1000 + marginMs,
  };
  t.status.drain = drain;
  const records = atLbs.map((r) => `${r.name} ${r.type} ${r.address} TTL ${r.ttl}`);
  t.event(`zone ${input.domain} serial ${check.serial}: ${records.join(', ')}`);
  const ns = nsNames.join(', ');
  t.event(
    `delegation of ${input.domain} at ${input.parents.length} parent(s): NS ${ns}, TTL ${delegationTtlSeconds}s; ` +
      `zone TTL of the moved records ${zoneTtlSeconds}s`,
  );
  return { oldLbs, serial: check.serial, atLbs, nsNames, glueNow, drain };
}
