// The NS deploy's input in today's shape (several zones and regions), whatever history it comes
// from, and which new server each LB forwards to.
import type { InstanceInfo } from '../../activities/linode';
import type { LbRef, LegacyNsDeployInput, NsDeployInput } from '../../shared';
import { legacyHosts, legacyLbs, legacyZones } from '../lib/shape';
import type { NewUpstream } from './cutover';
import { viaPublic } from './plan';

export function nsDeployShape(input: NsDeployInput | LegacyNsDeployInput): NsDeployInput {
  if (!('zoneFile' in input)) return input;
  const { domain: _d, zoneFile: _z, nameservers, loadBalancers, ...rest } = input;
  const { region } = input.linode;
  return {
    ...rest,
    zones: legacyZones(input),
    nameservers: legacyHosts(nameservers, region),
    loadBalancers: legacyLbs(loadBalancers, nameservers, region),
  };
}

/** The new servers `lb` is to forward to: the -next of each of its nameservers. */
export function newUpstreamsOf(input: NsDeployInput, lb: LbRef, created: InstanceInfo[]): NewUpstream[] {
  return lb.upstreams.map((label) => ({
    server: created.find((s) => s.label === label + input.nextSuffix)!,
    viaPublic: viaPublic(input, lb, label),
  }));
}
