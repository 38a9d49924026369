// The LB replacement's zone edit on real files, proven by named-compilezone: only the moved
// addresses and the serial change; comments and layout stay; bad edits write nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createZoneChangeActivities } from '../../src/activities/zoneChange';
import { nextSerial, rewriteZoneAddresses } from '../../src/dns/zoneRewrite';

const ZONE = fs.readFileSync(path.resolve(__dirname, '../../zones/example.test.zone'), 'utf8');
const moves = { '198.18.1.2': '198.18.1.20', '198.18.1.3': '198.18.1.21' };
const acts = createZoneChangeActivities({ now: () => new Date('2026-11-23T12:00:00Z') });
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-zonechange-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

test('text edit: only the addresses and the serial, comments and layout kept', () => {
  const r = rewriteZoneAddresses(ZONE, 'example.test', moves, (s) => s + 1);
  expect(r.edits).toEqual([
    { name: 'ns1.example.test.', type: 'A', from: '198.18.1.2', to: '198.18.1.20' },
    { name: 'ns2.example.test.', type: 'A', from: '198.18.1.3', to: '198.18.1.21' },
  ]);
  expect(r.serialAfter).toBe(r.serialBefore + 1);
  const changed = r.text.split('\n').filter((l, i) => l !== ZONE.split('\n')[i]);
  expect(changed).toEqual([
    expect.stringMatching(/^\s+2026112302 ; serial$/),
    'ns1              30 IN A    198.18.1.20',
    'ns2              30 IN A    198.18.1.21',
  ]);
});

test('owners inherited from the previous line, $ORIGIN changes and TTL/class in any order', () => {
  const zone = `$ORIGIN example.test.\n$TTL 60\n@ 300 IN SOA ns1 host ( 7 1 1 1 1 )\n  IN NS ns1\nns1 IN 30 A 10.0.0.1\n    A 10.0.0.1 ; second owner-less\n$ORIGIN sub.example.test.\nx 60 IN A 10.0.0.1\n`;
  const r = rewriteZoneAddresses(zone, 'example.test.', { '10.0.0.1': '10.0.0.9' }, (s) => s + 1);
  expect(r.edits.map((e) => e.name)).toEqual(['ns1.example.test.', 'ns1.example.test.', 'x.sub.example.test.']);
  expect(r.text).toContain('( 8 1 1 1 1 )');
  expect(() => rewriteZoneAddresses('$INCLUDE other.zone\n', 'example.test', {}, (s) => s)).toThrow(/\$INCLUDE/);
});

test('serials: date style moves to today, others go up by one', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  expect(nextSerial(2026112301, now)).toBe(2026112302);
  expect(nextSerial(2025010101, now)).toBe(2026112300);
  expect(nextSerial(7, now)).toBe(8);
});

test('moveZoneAddresses → file changed and proven, backup kept; restore puts it back; idempotent', async () => {
  const zoneFile = path.join(dir, 'example.test.zone');
  const backupFile = `${zoneFile}.orig`;
  fs.writeFileSync(zoneFile, ZONE);
  const first = await acts.moveZoneAddresses({ zoneFile, domain: 'example.test', moves, backupFile });
  const second = await acts.moveZoneAddresses({ zoneFile, domain: 'example.test', moves, backupFile });
  expect(second).toEqual(first);
  expect(first.serialAfter).toBe(2026112302);
  expect(
    await acts.zoneRecordsAt({ zoneFile, domain: 'example.test', addresses: ['198.18.1.20', '198.18.1.21'] }),
  ).toEqual([
    { name: 'ns1.example.test.', type: 'A', ttl: expect.any(Number), address: '198.18.1.20' },
    { name: 'ns2.example.test.', type: 'A', ttl: expect.any(Number), address: '198.18.1.21' },
  ]);
  expect(fs.readFileSync(backupFile, 'utf8')).toBe(ZONE);
  expect(await acts.restoreZoneFile({ zoneFile, backupFile })).toEqual({ restored: true });
  expect(fs.readFileSync(zoneFile, 'utf8')).toBe(ZONE);
  expect(fs.existsSync(backupFile)).toBe(false);
  expect(await acts.restoreZoneFile({ zoneFile, backupFile })).toEqual({ restored: false });
});

test('an address that is not in the zone, or a zone BIND refuses: refused, nothing written or left', async () => {
  const zoneFile = path.join(dir, 'example.test.zone');
  const backupFile = `${zoneFile}.orig`;
  fs.writeFileSync(zoneFile, ZONE);
  await expect(
    acts.moveZoneAddresses({ zoneFile, domain: 'example.test', moves: { '192.0.2.1': '192.0.2.2' }, backupFile }),
  ).rejects.toThrow(/no A\/AAAA record has the address 192\.0\.2\.1/);
  // Moving an address onto a CNAME owner's name is fine; an invalid address is not.
  await expect(
    acts.moveZoneAddresses({ zoneFile, domain: 'example.test', moves: { '198.18.1.2': '300.1.1.1' }, backupFile }),
  ).rejects.toThrow(/bad dotted quad|300\.1\.1\.1/);
  expect(fs.readFileSync(zoneFile, 'utf8')).toBe(ZONE);
  expect(fs.readdirSync(dir)).toEqual(['example.test.zone']);
});
