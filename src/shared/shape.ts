// The fleet's shape as the workflows receive it: the zones it serves, each host with its region,
// and each LB with the nameservers it forwards to.

/** A zone the fleet serves, and its zone file as the worker sees it. */
export interface ZoneRef {
  domain: string;
  file: string;
}

/** A host of the fleet and the Linode region it lives in. */
export interface HostRef {
  label: string;
  region: string;
}

/**
 * An LB and the nameservers it forwards to (labels). A nameserver in the LB's region is reached
 * on its private address; one in another region (an explicit mapping) on its public address.
 */
export interface LbRef extends HostRef {
  upstreams: string[];
}

/** "ns1, ns2": the hosts' labels, as summaries name them. */
export const labelsOf = (hosts: { label: string }[]) => hosts.map((h) => h.label).join(', ');

/** An LB reaches this nameserver on its public address: Linode private addresses do not cross regions. */
export function overPublic(fleet: { nameservers: HostRef[] }, lb: { region: string }, nameserver: string): boolean {
  return fleet.nameservers.find((n) => n.label === nameserver)?.region !== lb.region;
}

/** Some LB of another region forwards to this nameserver, so it listens on its public address too. */
export function reachedPublicly(fleet: { loadBalancers: LbRef[] }, nameserver: HostRef): boolean {
  return fleet.loadBalancers.some((lb) => lb.region !== nameserver.region && lb.upstreams.includes(nameserver.label));
}
