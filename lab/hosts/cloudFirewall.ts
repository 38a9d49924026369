// A Linode Cloud Firewall on a lab host: the firewall's inbound and outbound policies and rules
// as an nftables table of its own (inet nsdeploy_cloud_firewall) in the host's network
// namespace, replaced atomically whenever the rules or the firewall's devices change. Like the
// real one it is stateful (answers to allowed traffic pass) and leaves loopback alone. The host's
// other tables (the LB's nsdeploy_upstreams map) are not touched.
import { parseLabCidr } from './addresses';
import { readRegistry, recordedLabConfig, withLabLock } from './registry';
import { run } from './run';

export const CLOUD_FIREWALL_TABLE = 'nsdeploy_cloud_firewall';

type Policy = 'ACCEPT' | 'DROP';

/** The shape of the Linode API's firewall rules (the emulator's FirewallRules). */
export interface CloudFirewallRule {
  action: Policy;
  protocol: 'TCP' | 'UDP' | 'ICMP' | 'IPENCAP' | 'ALL';
  ports?: string;
  addresses: { ipv4?: string[]; ipv6?: string[] };
  label?: string;
}

export interface CloudFirewallRules {
  inbound: CloudFirewallRule[];
  inbound_policy: Policy;
  outbound: CloudFirewallRule[];
  outbound_policy: Policy;
}

/** "192.0.2.5/24" → "192.0.2.0/24": nftables refuses a prefix with host bits set. */
function ipv4Network(value: string): string {
  const [address, prefix] = value.split('/');
  if (prefix === undefined) return address;
  const bits = Number(prefix);
  const n = address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - bits);
  const net = n - (n % size);
  return `${[24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join('.')}/${bits}`;
}

/** The protocol and port part of one rule, per address family. */
function protocolMatch(rule: CloudFirewallRule, family: 'ip' | 'ip6'): string {
  const ports = rule.ports
    ? `{ ${rule.ports
        .split(',')
        .map((p) => p.trim())
        .join(', ')} }`
    : undefined;
  switch (rule.protocol) {
    case 'TCP':
    case 'UDP': {
      const proto = rule.protocol.toLowerCase();
      return ports ? `${proto} dport ${ports}` : `meta l4proto ${proto}`;
    }
    case 'ICMP':
      return family === 'ip' ? 'meta l4proto icmp' : 'meta l4proto ipv6-icmp';
    case 'IPENCAP':
      return 'meta l4proto 4';
    case 'ALL':
      return ports ? `meta l4proto { tcp, udp } th dport ${ports}` : '';
  }
}

/** nft statements for one rule: one per address, matching the source (inbound) or destination. */
function ruleLines(rule: CloudFirewallRule, direction: 'saddr' | 'daddr'): string[] {
  const verdict = rule.action === 'ACCEPT' ? 'accept' : 'drop';
  const comment = rule.label ? ` comment "${rule.label}"` : '';
  const lines: string[] = [];
  for (const [family, list] of [
    ['ip', (rule.addresses.ipv4 ?? []).map(ipv4Network)],
    ['ip6', rule.addresses.ipv6 ?? []],
  ] as const) {
    for (const address of list) {
      const any = address === '0.0.0.0/0' || address === '::/0';
      const where = any ? `meta nfproto ${family === 'ip' ? 'ipv4' : 'ipv6'}` : `${family} ${direction} ${address}`;
      lines.push(`${[where, protocolMatch(rule, family)].filter(Boolean).join(' ')} ${verdict}${comment}`);
    }
  }
  return lines;
}

/** The whole table, as `nft -f` reads it: created if missing, then replaced in one transaction. */
export function renderCloudFirewall(rules: CloudFirewallRules): string {
  const chain = (name: string, hook: string, policy: Policy, body: string[], lo: string) =>
    [
      `  chain ${name} {`,
      `    type filter hook ${hook} priority filter; policy ${policy.toLowerCase()};`,
      `    ${lo} "lo" accept`,
      '    ct state established,related accept',
      ...body.map((l) => `    ${l}`),
      '  }',
    ].join('\n');
  return [
    `table inet ${CLOUD_FIREWALL_TABLE}`,
    `delete table inet ${CLOUD_FIREWALL_TABLE}`,
    `table inet ${CLOUD_FIREWALL_TABLE} {`,
    chain(
      'inbound',
      'input',
      rules.inbound_policy,
      rules.inbound.flatMap((r) => ruleLines(r, 'saddr')),
      'iif',
    ),
    chain(
      'outbound',
      'output',
      rules.outbound_policy,
      rules.outbound.flatMap((r) => ruleLines(r, 'daddr')),
      'oif',
    ),
    '}',
    '',
  ].join('\n');
}

/** Unlocked: puts the firewall (or, with null, no firewall) into a network namespace. */
export async function applyCloudFirewallIn(netns: string, rules: CloudFirewallRules | null): Promise<void> {
  const script = rules
    ? renderCloudFirewall(rules)
    : `table inet ${CLOUD_FIREWALL_TABLE}\ndelete table inet ${CLOUD_FIREWALL_TABLE}\n`;
  await run('ip', ['netns', 'exec', netns, 'nft', '-f', '-'], { input: script });
}

/**
 * Applies a host's Cloud Firewall (null: none) if the host runs; resolves to whether it did. A
 * stopped host gets its firewall when it starts again (the lab hooks apply it after startHost).
 */
export async function applyCloudFirewall(
  label: string,
  rules: CloudFirewallRules | null,
  options: { stateDir?: string } = {},
): Promise<boolean> {
  const config = recordedLabConfig({ stateDir: options.stateDir });
  return withLabLock(config, async () => {
    const record = readRegistry(config).hosts[label];
    if (!record || record.status === 'stopped' || !record.sshd) return false;
    parseLabCidr(config.bridgeCidr); // a lab of this machine, never anything else
    await applyCloudFirewallIn(record.netns, rules);
    return true;
  });
}
