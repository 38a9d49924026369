// Expected zones are loaded once per content and shared; an edited file, a file with $INCLUDE
// and a zone that fails to load are never served from the cache.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ZoneLoadError } from '../../src/dns';
import { loadZoneFileOnce, loadZoneTextOnce } from '../../src/dns/zoneCache';

const ORIGIN = 'cache.test';
const zoneText = (address: string, extra = '') => `$TTL 300
@ IN SOA ns1 hostmaster 2026120201 3600 600 86400 300
@ IN NS ns1
ns1 IN A 192.0.2.53
www IN A ${address}
${extra}`;

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-zonecache-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
const www = (z: { records: { name: string; rdata: string }[] }) =>
  z.records.find((r) => r.name === `www.${ORIGIN}.`)?.rdata;

test('the same file content is loaded once and shared; an edit is loaded anew', async () => {
  const file = path.join(dir, 'db.cache.test');
  fs.writeFileSync(file, zoneText('192.0.2.1'));
  const first = await loadZoneFileOnce(file, ORIGIN);
  expect(await loadZoneFileOnce(file, ORIGIN)).toBe(first);
  fs.writeFileSync(file, zoneText('192.0.2.2'));
  const edited = await loadZoneFileOnce(file, ORIGIN);
  expect(edited).not.toBe(first);
  expect([www(first), www(edited)]).toEqual(['192.0.2.1', '192.0.2.2']);
  expect(await loadZoneTextOnce(zoneText('192.0.2.3'), ORIGIN)).toBe(
    await loadZoneTextOnce(zoneText('192.0.2.3'), ORIGIN),
  );
});

test('a file with $INCLUDE is loaded every time: the included file may have changed', async () => {
  const file = path.join(dir, 'db.cache.test');
  const included = path.join(dir, 'extra.inc');
  fs.writeFileSync(included, 'mail IN A 192.0.2.25\n');
  fs.writeFileSync(file, zoneText('192.0.2.1', `$INCLUDE ${included}\n`));
  const first = await loadZoneFileOnce(file, ORIGIN);
  fs.writeFileSync(included, 'mail IN A 192.0.2.26\n');
  const second = await loadZoneFileOnce(file, ORIGIN);
  const mail = (z: typeof first) => z.records.find((r) => r.name === `mail.${ORIGIN}.`)?.rdata;
  expect([mail(first), mail(second)]).toEqual(['192.0.2.25', '192.0.2.26']);
});

test('a zone that fails to load fails every time, and loads once fixed', async () => {
  const file = path.join(dir, 'db.cache.test');
  fs.writeFileSync(file, zoneText('192.0.2.999'));
  await expect(loadZoneFileOnce(file, ORIGIN)).rejects.toBeInstanceOf(ZoneLoadError);
  await expect(loadZoneFileOnce(file, ORIGIN)).rejects.toBeInstanceOf(ZoneLoadError);
  fs.writeFileSync(file, zoneText('192.0.2.9'));
  expect(www(await loadZoneFileOnce(file, ORIGIN))).toBe('192.0.2.9');
  await expect(loadZoneFileOnce(path.join(dir, 'missing'), ORIGIN)).rejects.toBeInstanceOf(ZoneLoadError);
});
