// The fleet config's `firewall:` section and the rules it leads to (src/shared/firewall.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseFleetConfig } from '../../src/config';
import { fleetFirewallRules } from '../../src/shared';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-fwcfg-'));
  fs.writeFileSync(path.join(dir, 'zone.db'), '; empty is enough for loading\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const config = (fleet: string, firewall: string) => `
fleet: ${fleet}
domain: example.com
zoneFile: zone.db
linode: { region: us-east, type: g6-nanode-1, image: linode/debian12 }
ssh: { privateKeyFile: key, knownHostsFile: known_hosts }
${firewall}
`;
const parse = (text: string) => parseFleetConfig(text, path.join(dir, 'fleet.yaml'), 'fleet.yaml');
function problems(text: string): string[] {
  try {
    parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.field}: ${p.message}`);
  }
  throw new Error('expected the config to be rejected');
}

test('worker addresses and networks, IPv4 and IPv6, are taken; absent means no firewall', () => {
  const cfg = parse(config('demo', 'firewall: { workerAddresses: [192.0.2.10, 192.0.2.0/28, "2001:db8::/64"] }'));
  expect(cfg.firewall?.workerAddresses).toEqual(['192.0.2.10', '192.0.2.0/28', '2001:db8::/64']);
  expect(parse(config('demo', '')).firewall).toBeUndefined();
});

test('a bad address, an empty list, or a fleet name too long for the firewall labels is refused', () => {
  expect(problems(config('demo', 'firewall: { workerAddresses: [192.0.2.300, 10.0.0.0/33] }'))).toEqual([
    'firewall.workerAddresses[0]: must be an IPv4 or IPv6 address or network, such as "192.0.2.10" or "192.0.2.0/24"',
    'firewall.workerAddresses[1]: must be an IPv4 or IPv6 address or network, such as "192.0.2.10" or "192.0.2.0/24"',
  ]);
  expect(problems(config('demo', 'firewall: { workerAddresses: [] }'))).toEqual([
    "firewall.workerAddresses: needs the worker's address",
  ]);
  expect(problems(config('a-fleet-name-of-21-ch', 'firewall: { workerAddresses: [192.0.2.10] }'))).toEqual([
    "fleet: must be at most 20 characters with firewall: (its firewalls' labels)",
  ]);
});

test('rules: LBs take DNS from anywhere, nameservers from the LBs and the worker; SSH from the worker only', () => {
  const live = { lbAddresses: ['198.18.1.2', '198.19.128.1'], workerAddresses: ['198.18.0.1', '2001:db8::1'] };
  const lb = fleetFirewallRules('lb', live);
  const ns = fleetFirewallRules('ns', live);
  for (const rules of [lb, ns]) {
    expect(rules.inbound_policy).toBe('DROP');
    expect(rules.outbound_policy).toBe('ACCEPT');
    expect(rules.inbound.find((r) => r.ports === '22')?.addresses).toEqual({
      ipv4: ['198.18.0.1/32'],
      ipv6: ['2001:db8::1/128'],
    });
  }
  expect(lb.inbound.filter((r) => r.ports === '53').map((r) => [r.protocol, r.addresses])).toEqual([
    ['UDP', { ipv4: ['0.0.0.0/0'], ipv6: ['::/0'] }],
    ['TCP', { ipv4: ['0.0.0.0/0'], ipv6: ['::/0'] }],
  ]);
  const fromLbsAndWorker = { ipv4: ['198.18.0.1/32', '198.18.1.2/32', '198.19.128.1/32'], ipv6: ['2001:db8::1/128'] };
  expect(ns.inbound.filter((r) => r.ports === '53').map((r) => r.addresses)).toEqual([
    fromLbsAndWorker,
    fromLbsAndWorker,
  ]);
});
