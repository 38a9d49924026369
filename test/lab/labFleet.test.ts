// The lab fleet's shape as lab:up reads it (config/lab.yaml through the fleet config loader) and
// the inventory it builds: every zone on every nameserver, each LB's own upstreams.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InstanceInfo } from '../../src/activities/linode';
import { loadFleetConfig } from '../../src/config';
import { LAB_CONFIG } from '../../lab/up';
import { fleetPlaybook } from '../../src/workflows/lib/fleetPlaybook';

const ROOT = path.resolve(__dirname, '../..');
const instance = (label: string, pub: string, priv: string): InstanceInfo => ({
  id: 1,
  label,
  status: 'running',
  tags: [],
  publicIPv4: pub,
  privateIPv4: priv,
});
const LBS = [instance('lb1', '198.18.1.2', '198.19.128.1'), instance('lb2', '198.18.1.3', '198.19.129.1')];
const NS = [instance('ns1', '198.18.1.4', '198.19.128.2'), instance('ns2', '198.18.1.5', '198.19.129.2')];

/** A copy of the lab's config (changed by `change`) in a scratch tree with the zone files it names. */
function loadLabCopy(dir: string, change: (text: string) => string = (t) => t) {
  fs.mkdirSync(path.join(dir, 'config'), { recursive: true });
  fs.mkdirSync(path.join(dir, '.lab/zones'), { recursive: true });
  for (const zone of ['example.test', 'shop.test']) {
    fs.copyFileSync(path.join(ROOT, `zones/${zone}.zone`), path.join(dir, `.lab/zones/${zone}.zone`));
  }
  const file = path.join(dir, 'config/lab.yaml');
  fs.writeFileSync(file, change(fs.readFileSync(LAB_CONFIG, 'utf8')));
  return loadFleetConfig(file);
}

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-labfleet-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('config/lab.yaml: two zones, ns1/lb1 in us-east, ns2/lb2 in eu-west, each LB on its region', () => {
  const cfg = loadLabCopy(dir);
  expect(cfg.zones).toEqual([
    { domain: 'example.test', file: path.join(dir, '.lab/zones/example.test.zone') },
    { domain: 'shop.test', file: path.join(dir, '.lab/zones/shop.test.zone') },
  ]);
  expect(cfg.nameservers).toEqual([
    { label: 'ns1', region: 'us-east' },
    { label: 'ns2', region: 'eu-west' },
  ]);
  expect(cfg.loadBalancers).toEqual([
    { label: 'lb1', region: 'us-east', upstreams: ['ns1'] },
    { label: 'lb2', region: 'eu-west', upstreams: ['ns2'] },
  ]);
  // Every zone of the config has its template in zones/ (lab:up copies it into .lab/zones/).
  for (const z of cfg.zones) expect(fs.existsSync(path.join(ROOT, 'zones', path.basename(z.file)))).toBe(true);
});

test('inventory: every zone on every nameserver; each LB forwards to its region on private addresses', () => {
  const cfg = loadLabCopy(dir);
  const play = fleetPlaybook(cfg, NS, LBS);
  expect(play.groupVars).toEqual({
    nameservers: { nameserver_zones: cfg.zones.map((z) => ({ name: z.domain, file: z.file })) },
  });
  expect(play.groups.loadbalancers).toEqual([
    {
      name: 'lb1',
      address: '198.18.1.2',
      vars: { proxy_listen_addresses: ['198.18.1.2'], proxy_upstreams: [{ address: '198.19.128.2', port: 53 }] },
    },
    {
      name: 'lb2',
      address: '198.18.1.3',
      vars: { proxy_listen_addresses: ['198.18.1.3'], proxy_upstreams: [{ address: '198.19.129.2', port: 53 }] },
    },
  ]);
  expect(play.groups.nameservers.map((h) => [h.name, h.vars.nameserver_listen_addresses])).toEqual([
    ['ns1', ['198.19.128.2']],
    ['ns2', ['198.19.129.2']],
  ]);
});

describe('other shapes', () => {
  test('an LB naming a nameserver of another region reaches it on its public address, where it listens too', () => {
    const cfg = loadLabCopy(dir, (t) =>
      t.replace('{ label: lb2, region: eu-west }', '{ label: lb2, region: eu-west, upstreams: [ns2, ns1] }'),
    );
    const play = fleetPlaybook(cfg, NS, LBS);
    expect(play.groups.loadbalancers[1].vars.proxy_upstreams).toEqual([
      { address: '198.19.129.2', port: 53 },
      { address: '198.18.1.4', port: 53 },
    ]);
    expect(play.groups.nameservers[0].vars.nameserver_listen_addresses).toEqual(['198.19.128.2', '198.18.1.4']);
  });

  test('an LB without a nameserver in its region, or naming an unknown one, is refused', () => {
    expect(() =>
      loadLabCopy(dir, (t) => t.replace('{ label: lb2, region: eu-west }', '{ label: lb2, region: us-west }')),
    ).toThrow(/lb2 \(region us-west\) has no nameserver in its region/);
    expect(() =>
      loadLabCopy(dir, (t) => t.replace('{ label: lb1, region: us-east }', '{ label: lb1, upstreams: [ns9] }')),
    ).toThrow(/"ns9" is not one of the nameservers/);
  });
});
