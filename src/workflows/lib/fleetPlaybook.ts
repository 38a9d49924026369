// The whole fleet as one Ansible inventory (site.yml: the nameserver role, then the proxy role):
// what fleet create, lab:up and an adoption apply to the live fleet; pure, so workflows use it.
// Each LB forwards to its own upstreams, on their private addresses in its region and their
// public ones across regions.
import { ApplicationFailure } from '@temporalio/common';
import type { InstanceInfo } from '../../activities/linode';
import { overPublic, reachedPublicly, type HostRef, type LbRef, type SshSettings, type ZoneRef } from '../../shared';

export interface FleetShape {
  zones: ZoneRef[];
  nameservers: HostRef[];
  loadBalancers: LbRef[];
}

/** The live instance with this label (an error naming it when there is none). */
export const instanceOf = (instances: InstanceInfo[], label: string): InstanceInfo => {
  const found = instances.find((i) => i.label === label);
  if (!found) throw ApplicationFailure.nonRetryable(`no live instance ${label}`, 'FleetMismatch');
  return found;
};

/**
 * Where an LB sends queries: each of its upstreams on its private address when in the LB's
 * region, on its public address otherwise (Linode private addresses do not cross regions).
 */
export function lbUpstreams(cfg: FleetShape, lb: LbRef, ns: InstanceInfo[]): { address: string; port: number }[] {
  return lb.upstreams.map((label) => {
    const instance = instanceOf(ns, label);
    const address = overPublic(cfg, lb, label) ? instance.publicIPv4 : instance.privateIPv4;
    if (!address)
      throw ApplicationFailure.nonRetryable(`nameserver ${label} has no private address for ${lb.label}`, 'NoAddress');
    return { address, port: 53 };
  });
}

/**
 * Inventory for the live fleet: every zone on every nameserver, which listens on its private
 * address (and its public one when an LB of another region names it); each LB's own upstreams
 * as a host variable (not a group variable: LBs of different regions forward to different
 * nameservers).
 */
export function fleetPlaybook(cfg: FleetShape & { ssh: SshSettings }, ns: InstanceInfo[], lbs: InstanceInfo[]) {
  return {
    groups: {
      nameservers: cfg.nameservers.map((h) => {
        const i = instanceOf(ns, h.label);
        const listen = [i.privateIPv4, ...(reachedPublicly(cfg, h) ? [i.publicIPv4] : [])].filter(
          (a): a is string => !!a,
        );
        return { name: i.label, address: i.publicIPv4, vars: { nameserver_listen_addresses: listen } };
      }),
      loadbalancers: cfg.loadBalancers.map((lb) => {
        const i = instanceOf(lbs, lb.label);
        return {
          name: i.label,
          address: i.publicIPv4,
          vars: { proxy_listen_addresses: [i.publicIPv4], proxy_upstreams: lbUpstreams(cfg, lb, ns) },
        };
      }),
    },
    groupVars: {
      nameservers: { nameserver_zones: cfg.zones.map((z) => ({ name: z.domain, file: z.file })) },
    },
    privateKeyFile: cfg.ssh.privateKeyFile,
    knownHostsFile: cfg.ssh.knownHostsFile,
    user: cfg.ssh.user,
  };
}
