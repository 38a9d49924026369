// Zone loading goes through named-compilezone: BIND's own parser resolves the zone-file
// syntax, we only split its canonical one-record-per-line output.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { groupRRsets, loadZoneFile, loadZoneText, parseCanonicalZone, ZoneLoadError } from '../../src/dns';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-zone-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const syntaxZone = `; comments, relative names, $TTL, $ORIGIN, a multi-line SOA, TTL and class in odd places
$TTL 1h
@   IN  SOA ns1 hostmaster (
            2026112301 ; serial
            2h         ; refresh
            15m        ; retry
            2w         ; expire
            5m )       ; negative TTL
        NS  ns1
ns1     A   192.0.2.1
www 300 IN CNAME @
$ORIGIN sub.example.test.
host    IN 600 A 192.0.2.2
$INCLUDE extra.inc
`;

test('named-compilezone output becomes absolute, typed records', async () => {
  const file = path.join(dir, 'example.test.zone');
  fs.writeFileSync(file, syntaxZone);
  fs.writeFileSync(path.join(dir, 'extra.inc'), 'Included TXT "from an include" "and a second string"\n');
  const zone = await loadZoneFile(file, 'example.test');
  expect(zone.origin).toBe('example.test.');
  expect(zone.source).toBe(file);
  expect(zone.records).toEqual([
    {
      name: 'example.test.',
      ttl: 3600,
      class: 'IN',
      type: 'SOA',
      rdata: 'ns1.example.test. hostmaster.example.test. 2026112301 7200 900 1209600 300',
    },
    { name: 'example.test.', ttl: 3600, class: 'IN', type: 'NS', rdata: 'ns1.example.test.' },
    { name: 'ns1.example.test.', ttl: 3600, class: 'IN', type: 'A', rdata: '192.0.2.1' },
    { name: 'host.sub.example.test.', ttl: 600, class: 'IN', type: 'A', rdata: '192.0.2.2' },
    {
      name: 'included.sub.example.test.',
      ttl: 3600,
      class: 'IN',
      type: 'TXT',
      rdata: '"from an include" "and a second string"',
    },
    { name: 'www.example.test.', ttl: 300, class: 'IN', type: 'CNAME', rdata: 'example.test.' },
  ]);
});

test('records group into RRsets with roles: delegation NS, glue, occluded data, DS at the cut', async () => {
  const zone = await loadZoneText(
    `$TTL 60
@ SOA ns1 h 1 2 3 4 5
@ NS ns1
ns1 A 192.0.2.1
@ MX 10 a
@ MX 20 b
child NS ns.child
child DS 1 13 2 ${'ab'.repeat(32)}
ns.child A 192.0.2.53
ns.child AAAA 2001:db8::53
deep.child TXT "hidden by the cut"
`,
    'example.test',
  );
  const roles = Object.fromEntries(groupRRsets(zone).map((s) => [`${s.name} ${s.type}`, [s.role, s.rdata.length]]));
  expect(roles).toEqual({
    'example.test. SOA': ['authoritative', 1],
    'example.test. NS': ['authoritative', 1],
    'example.test. MX': ['authoritative', 2],
    'ns1.example.test. A': ['authoritative', 1],
    'child.example.test. NS': ['delegation', 1],
    'child.example.test. DS': ['authoritative', 1],
    'ns.child.example.test. A': ['glue', 1],
    'ns.child.example.test. AAAA': ['glue', 1],
    'deep.child.example.test. TXT': ['occluded', 1],
  });
});

test("a syntactically broken zone file: ZoneLoadError naming the file, with named-compilezone's message", async () => {
  const file = path.join(dir, 'broken.zone');
  fs.writeFileSync(file, '$TTL 60\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.300\n');
  const err = await loadZoneFile(file, 'broken.test').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ZoneLoadError);
  const message = (err as Error).message;
  expect(message).toContain(`zone file ${file} (origin broken.test)`);
  expect(message).toContain('bad dotted quad'); // named-compilezone's own words
  expect(message).toContain(`${file}:4`); // …with the line it stopped at
});

test('a missing zone file and zone text with errors are reported the same way', async () => {
  const missing = path.join(dir, 'nope.zone');
  await expect(loadZoneFile(missing, 'nope.test')).rejects.toThrow(
    new RegExp(`zone file ${missing} .*file not found`, 's'),
  );
  await expect(loadZoneText('@ SOA ns1 h 1 2 3 4 5\n', 'x.test', { source: 'generated x.test' })).rejects.toThrow(
    /zone file generated x.test .*no TTL specified/s,
  );
});

test('parseCanonicalZone refuses lines it does not understand rather than guessing', () => {
  expect(() => parseCanonicalZone('example.test. IN A 1.2.3.4\n')).toThrow(/unexpected line/);
  expect(parseCanonicalZone('x.example.test.\t\t60 IN TXT\t"a  b"\n')).toEqual([
    { name: 'x.example.test.', ttl: 60, class: 'IN', type: 'TXT', rdata: '"a  b"' },
  ]);
});
