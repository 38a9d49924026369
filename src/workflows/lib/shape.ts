// Inputs as histories recorded them before several zones and regions: one zone (`domain` +
// `zoneFile`), every host in `linode.region`, every LB forwarding to every nameserver. A run
// replayed from such a history sees them in today's shape, and so takes the same steps.
import type { HostRef, LbRef, ZoneRef } from '../../shared';

interface LegacyShape {
  domain: string;
  zoneFile: string;
}

export function legacyZones(input: LegacyShape): ZoneRef[] {
  return [{ domain: input.domain, file: input.zoneFile }];
}

export function legacyHosts(labels: string[], region: string): HostRef[] {
  return labels.map((label) => ({ label, region }));
}

/** Before regions every LB forwarded to every nameserver. */
export function legacyLbs(labels: string[], nameservers: string[], region: string): LbRef[] {
  return labels.map((label) => ({ label, region, upstreams: [...nameservers] }));
}
