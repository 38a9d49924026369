// Regions: private addresses come from a range per region (Linode's private network is per data
// centre; the lab network keeps the ranges apart), public ones from one range, and a create in a
// region Linode does not have is refused the way Linode refuses it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_PRIVATE_CIDRS, IpPools, parseRegionCidr } from '../../../lab/linode-emulator/ipam';
import {
  ErrorEnvelopeSchema,
  InstanceIpsSchema,
  paginatedSchema,
  RegionSchema,
} from '../../../lab/linode-emulator/schemas';
import { expectSchema, instanceBody, type Lab, raw, startLab, waitFor } from './helpers';
import { createLinode, getLinodeIPs, getRegions } from './labApi';

const REGION_IDS = ['us-east', 'us-west', 'eu-west'];

describe('IpPools', () => {
  it('has one private range per region, inside the lab range and apart from each other', () => {
    expect(DEFAULT_PRIVATE_CIDRS).toEqual({
      'us-east': '198.19.128.0/24',
      'eu-west': '198.19.129.0/24',
      'us-west': '198.19.130.0/24',
    });
    const pools = new IpPools('198.18.1.0/24', DEFAULT_PRIVATE_CIDRS, REGION_IDS);
    expect(pools.privateFor('eu-west').cidr).toBe('198.19.129.0/24');
    expect(() => pools.privateFor('ap-south')).toThrow(/no private address range for region ap-south/);
  });

  it('refuses a region without a range, a range for an unknown region, and overlapping ranges', () => {
    const some = { 'us-east': '198.19.128.0/24', 'eu-west': '198.19.129.0/24' };
    expect(() => new IpPools('198.18.1.0/24', some, REGION_IDS)).toThrow(/no private range for region us-west/);
    expect(
      () => new IpPools('198.18.1.0/24', { ...DEFAULT_PRIVATE_CIDRS, 'xx-mars': '198.19.131.0/24' }, REGION_IDS),
    ).toThrow(/private range for unknown region xx-mars/);
    expect(
      () => new IpPools('198.18.1.0/24', { ...DEFAULT_PRIVATE_CIDRS, 'us-west': '198.19.128.128/25' }, REGION_IDS),
    ).toThrow(/overlap: us-east 198\.19\.128\.0\/24 and us-west 198\.19\.128\.128\/25/);
    expect(() => new IpPools('198.19.0.0/16', DEFAULT_PRIVATE_CIDRS, REGION_IDS)).toThrow(/overlap: public/);
  });

  it('reads REGION=CIDR', () => {
    expect(parseRegionCidr('eu-west=198.19.140.0/24')).toEqual(['eu-west', '198.19.140.0/24']);
    expect(() => parseRegionCidr('198.19.140.0/24')).toThrow(/is not REGION=CIDR/);
  });
});

describe('instances in several regions', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab.stop();
  });

  it("each gets a private address from its region's range and a public one from the shared range", async () => {
    const made: Record<string, { pub: string; priv: string }> = {};
    for (const [label, region] of [
      ['lb1', 'us-east'],
      ['lb2', 'eu-west'],
      ['ns1', 'us-east'],
      ['ns2', 'eu-west'],
      ['ns3', 'us-west'],
    ]) {
      const created = await createLinode(instanceBody(label, { region, private_ip: true }));
      expect(created.region).toBe(region);
      const ips = expectSchema(InstanceIpsSchema, await getLinodeIPs(created.id));
      expect(ips.ipv4.private[0]).toMatchObject({ region, public: false, gateway: null, prefix: 24 });
      expect(ips.ipv4.public[0]).toMatchObject({ region, public: true, gateway: '198.18.1.1' });
      made[label] = { pub: ips.ipv4.public[0].address, priv: ips.ipv4.private[0].address };
    }
    // In creation order: the public range is shared, each private range counts on its own.
    expect(made).toEqual({
      lb1: { pub: '198.18.1.2', priv: '198.19.128.1' },
      lb2: { pub: '198.18.1.3', priv: '198.19.129.1' },
      ns1: { pub: '198.18.1.4', priv: '198.19.128.2' },
      ns2: { pub: '198.18.1.5', priv: '198.19.129.2' },
      ns3: { pub: '198.18.1.6', priv: '198.19.130.1' },
    });
    // The lifecycle hooks (the lab hosts) learn each instance's region.
    await waitFor('five hosts', () => (lab.hooks.of('onRunning').length === 5 ? true : undefined));
    expect(
      Object.fromEntries(
        lab.hooks.of('onRunning').map((c) => [c.instance.label, [c.instance.region, c.instance.ipv4]]),
      ),
    ).toEqual({
      lb1: ['us-east', { public: '198.18.1.2', additional: [], private: '198.19.128.1' }],
      lb2: ['eu-west', { public: '198.18.1.3', additional: [], private: '198.19.129.1' }],
      ns1: ['us-east', { public: '198.18.1.4', additional: [], private: '198.19.128.2' }],
      ns2: ['eu-west', { public: '198.18.1.5', additional: [], private: '198.19.129.2' }],
      ns3: ['us-west', { public: '198.18.1.6', additional: [], private: '198.19.130.1' }],
    });
  });

  it('refuses a region Linode does not have: 400, errors [{ reason, field: "region" }], nothing created', async () => {
    const before = (await raw(lab.url, '/__admin/state')).body as { nextId: number; addressesInUse: string[] };
    for (const region of ['xx-mars', 'us-east-9', 'ap-mars-1']) {
      const res = await raw(lab.url, '/v4/linode/instances', {
        method: 'POST',
        body: instanceBody(`nowhere-${before.nextId}`, { region, private_ip: true }),
      });
      expect(res.status).toBe(400);
      expect(expectSchema(ErrorEnvelopeSchema, res.body).errors).toEqual([
        { field: 'region', reason: 'region is not valid' },
      ]);
    }
    const after = (await raw(lab.url, '/__admin/state')).body as { nextId: number; addressesInUse: string[] };
    expect(after.nextId).toBe(before.nextId);
    expect(after.addressesInUse).toEqual(before.addressesInUse);
  });

  it('lists the same regions in /regions as it accepts for instances', async () => {
    const regions = expectSchema(paginatedSchema(RegionSchema), await getRegions());
    expect(regions.data.map((r) => r.id)).toEqual(REGION_IDS);
    for (const r of regions.data) expect(r.capabilities).toContain('Linodes');
    const one = await raw(lab.url, '/v4/regions/ap-south');
    expect(one.status).toBe(404);
  });
});

describe('state and CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nsdeploy-emulator-regions-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a state file from before ranges per region (one private cursor) and starts that cursor over', async () => {
    const statePath = join(dir, 'old.json');
    const old = {
      version: 1,
      nextId: 10_000_005,
      ipCursor: { public: 4, private: 3 },
      instances: [],
      pendingDeletions: [],
    };
    writeFileSync(statePath, JSON.stringify(old));
    const lab = await startLab({ statePath }, dir);
    try {
      const created = await createLinode(instanceBody('after-upgrade', { region: 'eu-west', private_ip: true }));
      expect(created.ipv4).toEqual(['198.18.1.6', '198.19.129.1']);
      const state = JSON.parse(readFileSync(statePath, 'utf8')) as { ipCursor: unknown };
      expect(state.ipCursor).toEqual({ public: 5, private: { 'eu-west': 1 } });
    } finally {
      await lab.stop();
    }
  });

  it('takes --private-cidr REGION=CIDR on the command line, and refuses a bad one', async () => {
    const root = resolve(__dirname, '../../..');
    const start = (args: string[]) => {
      const child = spawn(
        process.execPath,
        [join(root, 'node_modules/ts-node/dist/bin.js'), '--transpile-only', 'lab/linode-emulator/cli.ts', ...args],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      return { child, out: () => out, err: () => err, exited };
    };
    const bad = start(['--token', 't', '--private-cidr', '198.19.140.0/24']);
    expect(await bad.exited).not.toBe(0);
    expect(bad.err()).toMatch(/is not REGION=CIDR/);

    const proc = start([
      '--token',
      't',
      '--port',
      '0',
      '--log-level',
      'warn',
      '--private-cidr',
      'us-west=198.19.140.0/24',
    ]);
    try {
      const url = await waitFor(
        'the URL',
        () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(proc.out())?.[1],
        20_000,
      );
      const created = await raw(url, '/v4/linode/instances', {
        method: 'POST',
        token: 't',
        body: instanceBody('cli-west', { region: 'us-west', private_ip: true }),
      });
      expect(created.status).toBe(200);
      expect((created.body as { ipv4: string[] }).ipv4[1]).toBe('198.19.140.1');
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  }, 40_000);
});
