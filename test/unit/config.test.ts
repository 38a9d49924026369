// Fleet config loading: the examples are valid, and bad files get errors naming file, line and field.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadFleetConfig, parseFleetConfig } from '../../src/config';

const root = path.resolve(__dirname, '../..');
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-config-'));
  fs.writeFileSync(path.join(dir, 'zone.db'), '; empty is enough for loading\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const minimal = `
fleet: demo
domain: Example.COM.
zoneFile: zone.db
linode: { region: us-east, type: g6-nanode-1, image: linode/debian12 }
ssh: { privateKeyFile: key, knownHostsFile: known_hosts }
`;

function problems(text: string): string[] {
  try {
    parseFleetConfig(text, path.join(dir, 'fleet.yaml'), 'fleet.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^Invalid fleet config fleet\.yaml:/);
    return (err as ConfigError).problems.map((p) => `${p.line ?? '-'} ${p.field}: ${p.message}`);
  }
  throw new Error('expected the config to be rejected');
}

test('the lab and production examples load, with paths resolved next to the file', () => {
  // The lab config names the lab's working copy of the zone (made by lab:up): give it one.
  const labRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-labcfg-'));
  fs.mkdirSync(path.join(labRoot, 'config'));
  fs.mkdirSync(path.join(labRoot, '.lab/zones'), { recursive: true });
  fs.copyFileSync(path.join(root, 'config/lab.yaml'), path.join(labRoot, 'config/lab.yaml'));
  for (const zone of ['example.test', 'shop.test']) {
    fs.copyFileSync(path.join(root, `zones/${zone}.zone`), path.join(labRoot, `.lab/zones/${zone}.zone`));
  }
  const lab = loadFleetConfig(path.join(labRoot, 'config/lab.yaml'));
  fs.rmSync(labRoot, { recursive: true, force: true });
  expect(lab.fleet).toBe('lab');
  expect(lab.zones).toEqual(
    ['example.test', 'shop.test'].map((domain) => ({ domain, file: path.join(labRoot, `.lab/zones/${domain}.zone`) })),
  );
  expect(lab.loadBalancers).toEqual([
    { label: 'lb1', region: 'us-east', upstreams: ['ns1'] },
    { label: 'lb2', region: 'eu-west', upstreams: ['ns2'] },
  ]);
  expect(lab.ssh.knownHostsFile).toBe(path.join(labRoot, '.lab/ssh/known_hosts'));
  expect(lab.parents.map((p) => p.address)).toEqual(['198.18.0.53', '198.18.0.54', '198.18.0.55']);
  expect(lab.policies.soak).toBe(30_000);
  expect(lab.policies.drain.maxWait).toBe(24 * 3600_000);
  expect(lab.nameservers.map((h) => h.label)).toEqual(['ns1', 'ns2']);

  const prod = loadFleetConfig(path.join(root, 'config/production.example.yaml'));
  expect(prod.linode.apiUrl).toBeUndefined();
  expect(prod.zones.map((z) => z.domain)).toEqual(['example.com', 'example.org']);
  expect(prod.loadBalancers.map((l) => `${l.label} ${l.region} → ${l.upstreams.join(',')}`)).toEqual([
    'lb1 us-east → ns1',
    'lb2 eu-west → ns2',
  ]);
  expect(prod.policies.approval).toMatchObject({ beforeCutover: true, onTimeout: 'abort', timeout: 4 * 3600_000 });
  expect(prod.ssh.privateKeyFile).toBe(path.join(os.homedir(), '.ssh/nsdeploy_ed25519'));
});

test('defaults fill in what a minimal file leaves out', () => {
  const cfg = parseFleetConfig(minimal, path.join(dir, 'fleet.yaml'));
  expect(cfg.zones.map((z) => z.domain)).toEqual(['example.com']);
  expect(cfg.loadBalancers.map((h) => h.label)).toEqual(['lb1', 'lb2']);
  expect(cfg.linode.tokenEnv).toBe('LINODE_TOKEN');
  expect(cfg.policies).toMatchObject({ soak: 300_000, gate: { transports: ['udp', 'tcp'], concurrency: 16 } });
  expect(cfg.temporal).toEqual({ address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'nsdeploy' });
});

test('each bad value is named with its field and line', () => {
  const found = problems(`
fleet: Demo_Fleet
domain: not a domain
zoneFile: zone.db
linode: { region: us-east, type: g6-nanode-1, image: linode/debian12, apiUrl: ftp://x }
nameservers:
  - label: ns1
  - label: 2ns
loadBalancers:
  - label: lb--1
ssh: { privateKeyFile: key, knownHostsFile: known_hosts }
policies:
  soak: ten minutes
  approval: { onTimeout: maybe }
`);
  expect(found).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^2 fleet: must be 2–41 characters/),
      expect.stringMatching(/^3 domain: must be a domain name/),
      expect.stringMatching(/^5 linode\.apiUrl: must be an http\(s\) URL/),
      expect.stringMatching(/^8 nameservers\[1\]\.label: Linode label "2ns" must begin with a letter/),
      expect.stringMatching(/^10 loadBalancers\[0\]\.label: .*two dashes/),
      expect.stringMatching(/^13 policies\.soak: "ten minutes" is not a duration/),
      expect.stringMatching(/^14 policies\.approval\.onTimeout: must be "abort" or "continue"/),
    ]),
  );
  expect(found).toHaveLength(7);
});

test('missing and unknown fields are named', () => {
  const found = problems(`
fleet: demo
domian: example.com
zoneFile: zone.db
linode: { region: us-east, type: g6-nanode-1 }
ssh: { privateKeyFile: key, knownHostsFile: known_hosts }
`);
  expect(found).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^\S+ domain: is required/),
      expect.stringMatching(/^3 domian: unknown field/),
      expect.stringMatching(/^5 linode\.image: is required/),
    ]),
  );
});

test('duplicate labels, over-long -next labels and a missing zone file are refused', () => {
  const long = 'n'.repeat(60);
  expect(problems(minimal + `nameservers: [{ label: ns1 }, { label: NS1 }, { label: ${long} }]\n`)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/nameservers\[1\]\.label: label "NS1" is used twice/),
      expect.stringMatching(/nameservers\[2\]\.label: "n+-next" \(with nextSuffix\) is longer than 64 characters/),
    ]),
  );
  expect(problems(minimal.replace('zone.db', 'nope.db'))).toEqual([
    expect.stringMatching(/^4 zoneFile: file not found: .*nope\.db/),
  ]);
});

test('YAML syntax errors and unreadable files are reported with their location', () => {
  expect(problems('fleet: demo\ndomain: [unclosed\n')[0]).toMatch(/^\d+ \(yaml\): /);
  expect(problems('fleet: a\nfleet: b\n')[0]).toMatch(/\(yaml\): .*[Mm]ap keys must be unique/);
  expect(() => loadFleetConfig(path.join(dir, 'missing.yaml'))).toThrow(
    /missing\.yaml:\n {2}- \(file\): cannot read it: ENOENT/,
  );
});

test("proxyVars: the proxy role's variables for update-lbs; the fleet-derived ones and others refused", () => {
  expect(parseFleetConfig(minimal, path.join(dir, 'fleet.yaml')).proxyVars).toEqual({});
  const cfg = parseFleetConfig(
    `${minimal}proxyVars: { proxy_upstream_fail_timeout: 3s, proxy_worker_connections: 8192 }\n`,
    path.join(dir, 'fleet.yaml'),
  );
  expect(cfg.proxyVars).toEqual({ proxy_upstream_fail_timeout: '3s', proxy_worker_connections: 8192 });
  expect(loadFleetConfig(path.join(root, 'config/production.example.yaml')).proxyVars).toEqual({
    proxy_upstream_fail_timeout: '10s',
  });
  expect(problems(`${minimal}proxyVars:\n  proxy_upstreams: []\n  nginx_port: 53\n`)).toEqual([
    '8 proxyVars.proxy_upstreams: is taken from the live fleet (each LB keeps its own), not from the config',
    '9 proxyVars.nginx_port: not a variable of the proxy role (they start with "proxy_", e.g. proxy_upstream_fail_timeout)',
  ]);
  expect(problems(`${minimal}proxyVars: [proxy_port]\n`)).toEqual([
    '7 proxyVars: Invalid input: expected record, received array',
  ]);
});
