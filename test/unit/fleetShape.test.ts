// The fleet's shape in the config: regions per host, the nameservers each LB forwards to, and
// several zones; every mistake named with its field and line, nothing resolved half-way.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseFleetConfig } from '../../src/config';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-shape-'));
  for (const f of ['a.zone', 'b.zone']) fs.writeFileSync(path.join(dir, f), '; enough for loading\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const head = `
fleet: demo
linode: { region: us-east, type: g6-nanode-1, image: linode/debian12 }
ssh: { privateKeyFile: key, knownHostsFile: known_hosts }
`;
const twoRegions = `
nameservers:
  - { label: ns1, region: us-east }
  - { label: ns2, region: eu-west }
`;
const zones = `
zones:
  - { domain: example.test, file: a.zone }
  - { domain: shop.test, file: b.zone }
`;

const parse = (text: string) => parseFleetConfig(text, path.join(dir, 'fleet.yaml'), 'fleet.yaml');

function problems(text: string): string[] {
  try {
    parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.line ?? '-'} ${p.field}: ${p.message}`);
  }
  throw new Error('expected the config to be rejected');
}

test('each LB forwards to the nameservers of its region; hosts without a region take linode.region', () => {
  const cfg = parse(
    head +
      zones +
      twoRegions +
      `
loadBalancers:
  - { label: lb1 }
  - { label: lb2, region: eu-west }
`,
  );
  expect(cfg.nameservers).toEqual([
    { label: 'ns1', region: 'us-east' },
    { label: 'ns2', region: 'eu-west' },
  ]);
  expect(cfg.loadBalancers).toEqual([
    { label: 'lb1', region: 'us-east', upstreams: ['ns1'] },
    { label: 'lb2', region: 'eu-west', upstreams: ['ns2'] },
  ]);
  expect(cfg.zones).toEqual([
    { domain: 'example.test', file: path.join(dir, 'a.zone') },
    { domain: 'shop.test', file: path.join(dir, 'b.zone') },
  ]);
});

test('domain + zoneFile is one zone; an explicit upstream list may cross regions', () => {
  const cfg = parse(
    head +
      'domain: Example.TEST.\nzoneFile: a.zone\n' +
      twoRegions +
      `
loadBalancers:
  - { label: lb1, region: us-west, upstreams: [ns1, ns2] }
`,
  );
  expect(cfg.zones).toEqual([{ domain: 'example.test', file: path.join(dir, 'a.zone') }]);
  expect(cfg.loadBalancers).toEqual([{ label: 'lb1', region: 'us-west', upstreams: ['ns1', 'ns2'] }]);
});

test('an LB with no nameserver in its region is refused, naming the LB, its region and the way out', () => {
  const found = problems(head + zones + twoRegions + 'loadBalancers:\n  - { label: lb3, region: us-west }\n');
  expect(found).toHaveLength(1);
  expect(found[0]).toMatch(/^\d+ loadBalancers\[0\]: lb3 \(region us-west\) has no nameserver in its region/);
  expect(found[0]).toContain('ns1 in us-east, ns2 in eu-west');
  expect(found[0]).toContain('upstreams: [ns1]');
});

test('the same domain twice, an unknown upstream, a malformed region and both zone forms are refused', () => {
  const found = problems(
    head +
      'domain: example.test\nzoneFile: a.zone\n' +
      `
zones:
  - { domain: example.test, file: a.zone }
  - { domain: EXAMPLE.test., file: b.zone }
nameservers:
  - { label: ns1, region: Mars }
loadBalancers:
  - { label: lb1, upstreams: [ns9] }
`,
  );
  expect(found).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/zones: give either zones .* or domain \+ zoneFile, not both/),
      expect.stringMatching(/zones\[1\]\.domain: example\.test is listed twice \(zones\[0\] too\)/),
      expect.stringMatching(/nameservers\[0\]\.region: must be a Linode region ID such as "us-east"/),
      expect.stringMatching(/loadBalancers\[0\]\.upstreams\[0\]: "ns9" is not one of the nameservers/),
    ]),
  );
});

test('no zone at all, and one of several zone files missing, are named', () => {
  expect(problems(head)).toEqual([expect.stringMatching(/zones: is required/)]);
  const missing = problems(
    head + 'zones:\n  - { domain: a.test, file: a.zone }\n  - { domain: b.test, file: gone.zone }\n',
  );
  expect(missing).toEqual([expect.stringMatching(/^\d+ zones\[1\]\.file: file not found: .*gone\.zone$/)]);
});
