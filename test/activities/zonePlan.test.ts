// A zone's plan and its serial, without a fleet: the served zone files come from a fake reader
// (deps.readServedZone), the operator's zone file and the serial edit are real files proven by
// named-compilezone. The SSH read itself is tested against lab hosts in zonePlanLab.test.ts.
import { ApplicationFailure } from '@temporalio/common';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createActivities } from '../../src/activities';
import { createZoneChangeActivities } from '../../src/activities/zoneChange';
import { createZonePlanActivities } from '../../src/activities/zonePlan';
import {
  NAMESERVER_ZONE_DIR,
  readServedZonesScript,
  servedZoneFile,
  type ServedZoneReader,
} from '../../src/hosts/servedZone';
import { SshError } from '../../src/ssh/errors';
import type { SshTarget } from '../../src/ssh/exec';
import { ANSIBLE_DIR } from '../../testkit/labHosts';

const ZONE = fs.readFileSync(path.resolve(__dirname, '../../zones/example.test.zone'), 'utf8');
const domain = 'example.test';
const dec1 = () => new Date('2026-12-01T09:30:00Z');
/** The zone text with another serial (as the nameserver role installs it). */
const withSerial = (text: string, serial: number) => text.replace(/2026112301 ; serial/, `${serial} ; serial`);

let dir: string;
let zoneFile: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-zoneplan-'));
  zoneFile = path.join(dir, 'example.test.zone');
  fs.writeFileSync(zoneFile, ZONE);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const target = (name: string): SshTarget => ({
  name,
  address: `198.18.0.${name.slice(2)}`,
  privateKeyFile: '/nonexistent/key',
  knownHostsFile: '/nonexistent/known_hosts',
});

/** A fleet whose hosts serve these texts (undefined: no zone file on that host). */
function fakeFleet(served: Record<string, string | undefined>) {
  const calls: string[] = [];
  const reader: ServedZoneReader = async (t, d) => {
    calls.push(`${t.name} ${d}`);
    return { file: servedZoneFile(d), text: served[t.name!] };
  };
  const acts = createZonePlanActivities({ readServedZone: reader, now: dec1, heartbeat: () => undefined });
  const plan = (names = Object.keys(served)) =>
    acts.planZone({ zone: { domain, file: zoneFile }, live: names.map(target) });
  return { acts, calls, plan };
}

describe('planZone', () => {
  test('no server serves the zone: no live serial, every RRset added, the file’s serial', async () => {
    const { plan, calls } = fakeFleet({ ns1: undefined, ns2: undefined });
    const p = await plan();
    expect(calls).toEqual(['ns1 example.test', 'ns2 example.test']);
    expect(p).not.toHaveProperty('liveSerial');
    expect(p).toMatchObject({
      domain,
      file: zoneFile,
      records: 12,
      rrsets: 11,
      fileSerial: 2026112301,
      live: [
        'ns1 does not serve example.test (no /etc/bind/zones/db.example.test)',
        'ns2 does not serve example.test (no /etc/bind/zones/db.example.test)',
      ],
      serial: 2026112301,
      serialNote: "no server serves the zone yet: serving the file's serial 2026112301",
    });
    expect(p.changes).toHaveLength(11);
    expect(p.changes.every((c) => c.kind === 'added' && c.after && !c.before)).toBe(true);
    expect(p.changes[0]).toEqual({
      kind: 'added',
      name: 'example.test.',
      type: 'A',
      after: { ttl: 3600, data: ['198.18.2.80'] },
    });
    expect(JSON.parse(JSON.stringify(p))).toEqual(p); // plain JSON for history
  });

  test('same content as served: no change, the served serial is kept', async () => {
    const served = withSerial(ZONE, 2026120100);
    const p = await fakeFleet({ ns1: served, ns2: served }).plan();
    expect(p).toMatchObject({
      fileSerial: 2026112301,
      liveSerial: 2026120100,
      live: ['ns1 2026120100', 'ns2 2026120100'],
      changes: [],
      serial: 2026120100,
      serialNote: 'same content as served: the same content keeps its serial 2026120100 (the file says 2026112301)',
    });
  });

  test('changed content, the file’s serial equal to the served one: the record changes and the next serial', async () => {
    const served = withSerial(ZONE, 2026120100);
    fs.writeFileSync(
      zoneFile,
      withSerial(ZONE, 2026120100)
        .replace('mail                IN A    198.18.2.25', 'mail                IN A    198.18.2.26')
        .replace('@                   IN TXT  "v=spf1 mx -all"', '@  600 IN TXT  "v=spf1 mx -all"')
        .replace(/^_dmarc .*\n/m, '') + 'new IN AAAA 2001:db8::1\n',
    );
    const p = await fakeFleet({ ns1: served, ns2: served }).plan();
    expect(p.changes).toEqual([
      {
        kind: 'changed',
        name: 'example.test.',
        type: 'TXT',
        before: { ttl: 3600, data: ['"v=spf1 mx -all"'] },
        after: { ttl: 600, data: ['"v=spf1 mx -all"'] },
      },
      {
        kind: 'removed',
        name: '_dmarc.example.test.',
        type: 'TXT',
        before: { ttl: 3600, data: ['"v=DMARC1; p=reject; rua=mailto:dmarc@example.test"'] },
      },
      {
        kind: 'changed',
        name: 'mail.example.test.',
        type: 'A',
        before: { ttl: 3600, data: ['198.18.2.25'] },
        after: { ttl: 3600, data: ['198.18.2.26'] },
      },
      { kind: 'added', name: 'new.example.test.', type: 'AAAA', after: { ttl: 3600, data: ['2001:db8::1'] } },
    ]);
    expect(p).toMatchObject({
      fileSerial: 2026120100,
      liveSerial: 2026120100,
      serial: 2026120101,
      serialNote:
        "content changed; the file's serial 2026120100 is not above the served 2026120100: serving 2026120101",
    });
  });

  test('servers that disagree: each says so, the diff is against the highest serial', async () => {
    const older = withSerial(ZONE, 2026120099).replace('198.18.2.25', '198.18.2.24');
    const p = await fakeFleet({ ns1: older, ns2: withSerial(ZONE, 2026120100), ns3: undefined }).plan();
    expect(p).toMatchObject({
      liveSerial: 2026120100,
      live: [
        'ns1 2026120099 (differs from ns2)',
        'ns2 2026120100',
        'ns3 does not serve example.test (no /etc/bind/zones/db.example.test)',
      ],
      // The file is what ns2 serves: ns1 gets it with ns2's serial, a rise for ns1.
      changes: [],
      serial: 2026120100,
    });
  });

  test('same serial, other content on one server: that server needs a higher serial', async () => {
    const other = withSerial(ZONE, 2026120100).replace('198.18.2.25', '198.18.2.24');
    const p = await fakeFleet({ ns1: withSerial(ZONE, 2026120100), ns2: other }).plan();
    expect(p.live).toEqual(['ns1 2026120100', 'ns2 2026120100 (same serial as ns1, 1 RRset(s) differ)']);
    expect(p.changes).toEqual([]);
    expect(p.serial).toBe(2026120101);
    expect(p.serialNote).toBe(
      'ns2 serve(s) other content than the file; ' +
        "content changed; the file's serial 2026112301 is not above the served 2026120100: serving 2026120101",
    );
  });

  test('servers that serve the same text share one reading; one of four with other content still says so', async () => {
    const same = withSerial(ZONE, 2026120100);
    const other = same.replace('198.18.2.25', '198.18.2.24');
    const p = await fakeFleet({ ns1: same, ns2: same, ns3: other, ns4: same }).plan();
    expect(p.live).toEqual([
      'ns1 2026120100',
      'ns2 2026120100',
      'ns3 2026120100 (same serial as ns1, 1 RRset(s) differ)',
      'ns4 2026120100',
    ]);
    expect(p.serial).toBe(2026120101);
    expect(p.serialNote).toMatch(/^ns3 serve\(s\) other content than the file; /);
    // The same content everywhere: no server needs another serial, the served one is kept.
    const agreed = await fakeFleet({ ns1: same, ns2: same, ns3: same }).plan();
    expect(agreed.live).toEqual(['ns1 2026120100', 'ns2 2026120100', 'ns3 2026120100']);
    expect(agreed.serial).toBe(2026120100);
  });

  test('a served serial across the wrap is the highest in RFC 1982 terms', async () => {
    const p = await fakeFleet({
      ns1: withSerial(ZONE, 4294967295),
      ns2: withSerial(ZONE, 3).replace('198.18.2.25', '198.18.2.24'),
    }).plan();
    expect(p.liveSerial).toBe(3);
    expect(p.live).toEqual(['ns1 4294967295 (differs from ns2)', 'ns2 3']);
    expect(p.changes.map((c) => `${c.kind} ${c.name} ${c.type}`)).toEqual(['changed mail.example.test. A']);
    // The file's 2026112301 is above 3 (less than 2^31 ahead).
    expect(p.serial).toBe(2026112301);
  });

  test('SSH failures arrive as ApplicationFailures of the SSH error’s type; unreadable served zones are refused', async () => {
    const failing: ServedZoneReader = async () => {
      throw new SshError('SSH to ns1 (root@198.18.0.1) (cat …): Host key verification failed', {
        type: 'SshHostKeyVerificationFailed',
        nonRetryable: true,
      });
    };
    const acts = createZonePlanActivities({ readServedZone: failing, heartbeat: () => undefined });
    const err = await acts.planZone({ zone: { domain, file: zoneFile }, live: [target('ns1')] }).catch((e) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'SshHostKeyVerificationFailed', nonRetryable: true });

    const garbage = await fakeFleet({ ns1: 'not a zone\n' })
      .plan()
      .catch((e) => e);
    expect(garbage).toBeInstanceOf(ApplicationFailure);
    expect(garbage).toMatchObject({ type: 'ServedZoneUnreadable', nonRetryable: true });
    expect(garbage.message).toContain('ns1:/etc/bind/zones/db.example.test');

    const missing = await fakeFleet({ ns1: undefined })
      .acts.planZone({ zone: { domain, file: path.join(dir, 'nope.zone') }, live: [] })
      .catch((e) => e);
    expect(missing).toMatchObject({ type: 'ZoneLoadError', nonRetryable: true });
  });
});

describe('the served zone file', () => {
  test('one path rule, the nameserver role’s: {{ nameserver_zone_dir }}/db.{{ zone.name }}', () => {
    const role = path.join(ANSIBLE_DIR, 'roles', 'nameserver');
    const defaults = parseYaml(fs.readFileSync(path.join(role, 'defaults', 'main.yml'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(defaults.nameserver_zone_dir).toBe(NAMESERVER_ZONE_DIR);
    const conf = fs.readFileSync(path.join(role, 'templates', 'named.conf.local.j2'), 'utf8');
    expect(conf).toContain('file "{{ nameserver_zone_dir }}/db.{{ zone.name }}";');
    expect(servedZoneFile('example.test')).toBe('/etc/bind/zones/db.example.test');
    expect(servedZoneFile('Example.TEST.')).toBe('/etc/bind/zones/db.example.test');
    for (const bad of ['../etc/passwd', 'a/b', "x'; rm -rf /", '', '.']) expect(() => servedZoneFile(bad)).toThrow();
    expect(readServedZonesScript(['example.test'], 'tok')).toContain("for f in '/etc/bind/zones/db.example.test'; do");
  });

  test('planZone and setZoneSerial are registered with the other activities', () => {
    const all = createActivities({ logger: { info() {}, warn() {}, error() {}, debug() {} } as never });
    expect(typeof all.planZone).toBe('function');
    expect(typeof all.setZoneSerial).toBe('function');
  });
});

describe('setZoneSerial', () => {
  const acts = createZonePlanActivities();
  const change = createZoneChangeActivities();
  const backup = () => `${zoneFile}.deploy-1.orig`;
  const changedLines = (a: string, b: string) => {
    const before = a.split('\n');
    return b.split('\n').filter((l, i) => l !== before[i]);
  };

  test('only the serial changes, the original is kept; a retry gives the same; restoreZoneFile puts it back', async () => {
    const input = { zone: { domain, file: zoneFile }, serial: 2026120105, backupFile: backup() };
    const first = await acts.setZoneSerial(input);
    expect(first).toEqual({ changed: true, serialBefore: 2026112301, serialAfter: 2026120105 });
    const written = fs.readFileSync(zoneFile, 'utf8');
    expect(changedLines(ZONE, written)).toEqual(['                            2026120105 ; serial']);
    expect(fs.readFileSync(backup(), 'utf8')).toBe(ZONE);
    expect(await acts.setZoneSerial(input)).toEqual(first);
    expect(fs.readFileSync(zoneFile, 'utf8')).toBe(written);

    expect(await change.restoreZoneFile({ zoneFile, backupFile: backup() })).toEqual({ restored: true });
    expect(fs.readFileSync(zoneFile, 'utf8')).toBe(ZONE);
    expect(fs.readdirSync(dir)).toEqual(['example.test.zone']);
  });

  test('discardZoneBackup keeps the new serial; the file’s mode is kept', async () => {
    fs.chmodSync(zoneFile, 0o640);
    await acts.setZoneSerial({ zone: { domain, file: zoneFile }, serial: 7, backupFile: backup() });
    expect(await change.discardZoneBackup({ backupFile: backup() })).toEqual({ removed: true });
    expect(fs.readFileSync(zoneFile, 'utf8')).toContain('7 ; serial');
    expect(fs.statSync(zoneFile).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(dir)).toEqual(['example.test.zone']);
  });

  test('already that serial: nothing written, no backup', async () => {
    const mtime = fs.statSync(zoneFile).mtimeMs;
    const r = await acts.setZoneSerial({ zone: { domain, file: zoneFile }, serial: 2026112301, backupFile: backup() });
    expect(r).toEqual({ changed: false, serialBefore: 2026112301, serialAfter: 2026112301 });
    expect(fs.statSync(zoneFile).mtimeMs).toBe(mtime);
    expect(fs.readdirSync(dir)).toEqual(['example.test.zone']);
  });

  test('a retry after the backup was made but before the write finishes the change', async () => {
    fs.writeFileSync(backup(), ZONE);
    const r = await acts.setZoneSerial({ zone: { domain, file: zoneFile }, serial: 2026120105, backupFile: backup() });
    expect(r).toEqual({ changed: true, serialBefore: 2026112301, serialAfter: 2026120105 });
    expect(fs.readFileSync(zoneFile, 'utf8')).toBe(withSerial(ZONE, 2026120105));
  });

  test('a zone file edited since its backup was made is refused; nothing written', async () => {
    fs.writeFileSync(backup(), ZONE);
    const edited = ZONE.replace('198.18.2.25', '198.18.2.26');
    fs.writeFileSync(zoneFile, edited);
    await expect(
      acts.setZoneSerial({ zone: { domain, file: zoneFile }, serial: 2026120105, backupFile: backup() }),
    ).rejects.toMatchObject({ type: 'ZoneChangeRefused', message: expect.stringMatching(/changed since its backup/) });
    expect(fs.readFileSync(zoneFile, 'utf8')).toBe(edited);
  });

  test('zones it cannot edit faithfully or BIND refuses, and bad input: refused, nothing written or left', async () => {
    const input = (serial: number, backupFile = backup()) => ({ zone: { domain, file: zoneFile }, serial, backupFile });
    await expect(acts.setZoneSerial(input(0))).rejects.toMatchObject({ type: 'InvalidInput', nonRetryable: true });
    await expect(acts.setZoneSerial(input(2 ** 32))).rejects.toMatchObject({ type: 'InvalidInput' });
    await expect(acts.setZoneSerial(input(5, zoneFile))).rejects.toMatchObject({ type: 'ZoneChangeRefused' });

    fs.writeFileSync(zoneFile, `${ZONE}$INCLUDE other.zone\n`);
    await expect(acts.setZoneSerial(input(5))).rejects.toThrow(/\$INCLUDE/);

    const broken = ZONE.replace('198.18.2.25', '198.18.2.300');
    fs.writeFileSync(zoneFile, broken);
    const err = await acts.setZoneSerial(input(5)).catch((e) => e);
    expect(err).toMatchObject({ type: 'ZoneChangeRefused', nonRetryable: true });
    expect(err.message).toMatch(/bad dotted quad/);
    expect(fs.readFileSync(zoneFile, 'utf8')).toBe(broken);
    expect(fs.readdirSync(dir)).toEqual(['example.test.zone']);
  });
});
