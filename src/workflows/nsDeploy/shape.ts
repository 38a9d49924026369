// The NS deploy's input in today's shape (several zones and regions), whatever history it comes
// from, and which new server each LB forwards to.
import type { InstanceInfo } from '../../activities/linode';
import { overPublic, type LbRef, type LegacyNsDeployInput, type NsDeployInput } from '../../shared';
import { fromLegacyFleet } from '../lib/shape';
import type { NewUpstream } from './cutover';

export function nsDeployShape(input: NsDeployInput | LegacyNsDeployInput): NsDeployInput {
  return 'zoneFile' in input ? fromLegacyFleet(input) : input;
}

/** The new servers `lb` is to forward to: the -next of each of its nameservers. */
export function newUpstreamsOf(input: NsDeployInput, lb: LbRef, created: InstanceInfo[]): NewUpstream[] {
  return lb.upstreams.map((label) => ({
    server: created.find((s) => s.label === label + input.nextSuffix)!,
    viaPublic: overPublic(input, lb, label),
  }));
}
