// The read-only checks every change starts with: the zone loads as BIND loads it, and the
// live fleet (found by its tag) is what the config says.
import { ApplicationFailure } from '@temporalio/workflow';
import type { InstanceInfo } from '../../activities/linode';
import type { ZoneCheck } from '../../activities/zone';
import { fleetTag } from '../../shared';
import type { FleetContext } from './fleetContext';
import { step } from './steps';

/** Checks the zone file; shows every caveat as an event and refuses the blocking ones. */
export async function checkZone(ctx: FleetContext, event: (text: string) => void): Promise<ZoneCheck> {
  const { origin, file } = ctx.zone;
  const check = await step('quick', `check zone ${origin}`, 'checkZone', { zoneFile: file, domain: origin });
  for (const c of check.caveats) event(`zone ${c.level}: ${c.message}`);
  const blocking = check.caveats.filter((c) => c.level === 'error');
  if (blocking.length > 0) {
    throw ApplicationFailure.nonRetryable(`zone refused: ${blocking.map((c) => c.message).join('; ')}`, 'ZoneRefused');
  }
  return check;
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
