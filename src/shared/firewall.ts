// The fleet's Cloud Firewalls: one per fleet and role, named and tagged after the fleet, with
// rules computed from the live fleet (the LBs' addresses) and the worker's addresses.
//
// LB: DNS (53/udp+tcp) from anywhere, SSH from the worker only. Nameserver: DNS only from the
// fleet's LBs (their private addresses within a region, their public ones when an LB forwards
// to a nameserver of another region) and from the worker, SSH from the worker only. The worker
// asks nameservers directly: the gate of a deploy, a zone push and the monitor verify every
// record on each server, not only through an LB. Everything else inbound is dropped; outbound
// is open (answers are allowed by the firewall's state anyway).
export type FirewallRole = 'lb' | 'ns';
export const FIREWALL_ROLES: FirewallRole[] = ['lb', 'ns'];

/** The fleet config's `firewall:` section as workflows receive it. */
export interface FirewallSettings {
  /** Addresses (or networks) the worker's SSH and DNS checks come from. */
  workerAddresses: string[];
}

/** Longest fleet name whose firewall labels fit Linode's 32 characters. */
export const FIREWALL_FLEET_MAX = 32 - 'nsdeploy--ns'.length;

export const firewallLabel = (fleet: string, role: FirewallRole) => `nsdeploy-${fleet}-${role}`;

type Action = 'ACCEPT' | 'DROP';

export interface FirewallRule {
  action: Action;
  protocol: 'TCP' | 'UDP';
  ports: string;
  addresses: { ipv4?: string[]; ipv6?: string[] };
  label: string;
}

export interface FleetFirewallRules {
  inbound: FirewallRule[];
  inbound_policy: Action;
  outbound: FirewallRule[];
  outbound_policy: Action;
}

/** Addresses as the API's rule lists take them: single hosts as /32 or /128, IPv4 and IPv6 apart. */
export function ruleAddresses(addresses: string[]): { ipv4?: string[]; ipv6?: string[] } {
  // No node:net here: workflows import this file. The config has already checked each address.
  const isV6 = (a: string) => a.includes(':');
  const withPrefix = (a: string) => (a.includes('/') ? a : `${a}/${isV6(a) ? 128 : 32}`);
  const sorted = [...new Set(addresses.map(withPrefix))].sort();
  const ipv4 = sorted.filter((a) => !isV6(a));
  const ipv6 = sorted.filter(isV6);
  return { ...(ipv4.length ? { ipv4 } : {}), ...(ipv6.length ? { ipv6 } : {}) };
}

const ANYWHERE = { ipv4: ['0.0.0.0/0'], ipv6: ['::/0'] };

function dnsAndSsh(dnsFrom: { ipv4?: string[]; ipv6?: string[] }, worker: string[]): FirewallRule[] {
  const sshFrom = ruleAddresses(worker);
  return [
    { action: 'ACCEPT', protocol: 'UDP', ports: '53', addresses: dnsFrom, label: 'dns-udp' },
    { action: 'ACCEPT', protocol: 'TCP', ports: '53', addresses: dnsFrom, label: 'dns-tcp' },
    { action: 'ACCEPT', protocol: 'TCP', ports: '22', addresses: sshFrom, label: 'ssh-from-worker' },
  ];
}

/** The rules of a role's firewall, given every address of the fleet's LBs and the worker's. */
export function fleetFirewallRules(
  role: FirewallRole,
  live: { lbAddresses: string[]; workerAddresses: string[] },
): FleetFirewallRules {
  const dnsFrom = role === 'lb' ? ANYWHERE : ruleAddresses([...live.lbAddresses, ...live.workerAddresses]);
  return {
    inbound: dnsAndSsh(dnsFrom, live.workerAddresses),
    inbound_policy: 'DROP',
    outbound: [],
    outbound_policy: 'ACCEPT',
  };
}
