// The read-only checks every change starts with: the zone loads as BIND loads it, and the
// live fleet (found by its tag) is what the config says.
import { ApplicationFailure } from '@temporalio/workflow';
import type { InstanceInfo } from '../../activities/linode';
import type { ZoneCheck } from '../../activities/zone';
import { fleetTag, type ZoneCheckPolicy } from '../../shared';
import type { FleetContext } from './fleetContext';
import { step } from './steps';

/**
 * Checks every zone file as BIND loads it; shows each caveat and each of named-compilezone's
 * warnings as an event, and refuses the blocking ones, naming the zone.
 */
export async function checkZones(
  ctx: FleetContext,
  policy: ZoneCheckPolicy | undefined,
  event: (text: string) => void,
): Promise<ZoneCheck[]> {
  const checks: ZoneCheck[] = [];
  for (const { origin, file } of ctx.zones) {
    const request = { zoneFile: file, domain: origin, ...(policy && { rfc2181: policy.rfc2181 }) };
    const check = await step('quick', `check zone ${origin}`, 'checkZone', request);
    for (const c of check.caveats) event(`zone ${origin} ${c.level}: ${c.message}`);
    for (const w of check.warnings) event(`zone ${origin} warning (named-compilezone): ${w}`);
    const blocking = check.caveats.filter((c) => c.level === 'error');
    if (blocking.length > 0) {
      const why = `zone ${origin} refused: ${blocking.map((c) => c.message).join('; ')}`;
      throw ApplicationFailure.nonRetryable(why, 'ZoneRefused');
    }
    checks.push(check);
  }
  return checks;
}

export interface LiveFleet {
  /** The instance with this label; the preflight has made sure every required one exists. */
  get(label: string): InstanceInfo;
  has(label: string): boolean;
  all: InstanceInfo[];
}

/**
 * The fleet's instances by label. Refuses when a required label is missing, or when a label
 * that this run is about to create (`mustNotExist`, e.g. ns1-next) is already there.
 */
export async function liveFleet(
  ctx: FleetContext,
  required: string[],
  mustNotExist: string[] = [],
): Promise<LiveFleet> {
  const tag = fleetTag(ctx.fleet);
  const all = await step('quick', `list fleet ${ctx.fleet}`, 'listInstances', ctx.linode, tag);
  const find = (label: string) => all.find((i) => i.label === label);
  const missing = required.filter((l) => !find(l));
  if (missing.length > 0) {
    const names = missing.join(', ');
    throw ApplicationFailure.nonRetryable(
      `live fleet incomplete: no instance labelled ${names} with tag ${tag}`,
      'FleetMismatch',
    );
  }
  const leftovers = mustNotExist.filter((l) => find(l));
  if (leftovers.length > 0) {
    const names = leftovers.join(', ');
    throw ApplicationFailure.nonRetryable(
      `${names} already exist (left by an earlier run?): delete them first`,
      'FleetMismatch',
    );
  }
  return { get: (label) => find(label)!, has: (label) => !!find(label), all };
}
