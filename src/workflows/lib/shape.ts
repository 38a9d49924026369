// Inputs as histories recorded them before several zones and regions: one zone (`domain` +
// `zoneFile`), every host in `linode.region`, every LB forwarding to every nameserver. A run
// replayed from such a history sees them in today's shape, and so takes the same steps.
import type { HostRef, LbRef, ZoneRef } from '../../shared';

interface LegacyZone {
  domain: string;
  zoneFile: string;
}

interface LegacyFleet extends LegacyZone {
  linode: { region: string };
  nameservers: string[];
  loadBalancers: string[];
}

type Shaped<L extends LegacyFleet> = Omit<L, keyof LegacyZone | 'nameservers' | 'loadBalancers'> & {
  zones: ZoneRef[];
  nameservers: HostRef[];
  loadBalancers: LbRef[];
};

export function legacyZones(input: LegacyZone): ZoneRef[] {
  return [{ domain: input.domain, file: input.zoneFile }];
}

/** A legacy fleet input in today's shape: one zone, one region, every LB to every nameserver. */
export function fromLegacyFleet<L extends LegacyFleet>(input: L): Shaped<L> {
  const { domain: _d, zoneFile: _z, nameservers, loadBalancers, ...rest } = input;
  const { region } = input.linode;
  return {
    ...rest,
    zones: legacyZones(input),
    nameservers: nameservers.map((label) => ({ label, region })),
    loadBalancers: loadBalancers.map((label) => ({ label, region, upstreams: [...nameservers] })),
  };
}
