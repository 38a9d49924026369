// The RRset-level diff of a zone change, on records as named-compilezone prints them.
import { loadZoneText, type ZoneRecord } from '../../src/dns';
import { compareNames, diffZones } from '../../src/dns/zoneDiff';
import { describeChange } from '../../src/shared';
import { goodZone, replaceLine } from './zones';

const rec = (name: string, type: string, rdata: string, ttl = 300): ZoneRecord => ({
  name,
  ttl,
  class: 'IN',
  type,
  rdata,
});
const soa = (serial: number, minimum = 300) =>
  rec('example.test.', 'SOA', `ns1.example.test. hostmaster.example.test. ${serial} 7200 900 1209600 ${minimum}`);

test('same records in another order, and an SOA that differs only in its serial: no change', () => {
  const live = [soa(1), rec('example.test.', 'NS', 'ns1.example.test.'), rec('a.example.test.', 'A', '192.0.2.1')];
  const file = [rec('a.example.test.', 'A', '192.0.2.1'), rec('example.test.', 'NS', 'ns1.example.test.'), soa(2)];
  expect(diffZones(live, file)).toEqual([]);
  expect(diffZones([], [])).toEqual([]);
});

test('another SOA field (the negative-cache TTL) is a change; before and after show the whole SOA', () => {
  expect(diffZones([soa(1)], [soa(2, 600)])).toEqual([
    {
      kind: 'changed',
      name: 'example.test.',
      type: 'SOA',
      before: { ttl: 300, data: ['ns1.example.test. hostmaster.example.test. 1 7200 900 1209600 300'] },
      after: { ttl: 300, data: ['ns1.example.test. hostmaster.example.test. 2 7200 900 1209600 600'] },
    },
  ]);
});

test('added, removed, changed data, changed TTL; data sorted; sorted by name then type', () => {
  const live = [
    soa(1),
    rec('www.example.test.', 'A', '192.0.2.10'),
    rec('mail.example.test.', 'A', '192.0.2.25'),
    rec('example.test.', 'MX', '20 b.example.test.'),
    rec('example.test.', 'MX', '10 a.example.test.'),
    rec('old.example.test.', 'TXT', '"bye"'),
  ];
  const file = [
    soa(2),
    rec('www.example.test.', 'A', '192.0.2.11'),
    rec('www.example.test.', 'A', '192.0.2.10'),
    rec('mail.example.test.', 'A', '192.0.2.25', 60),
    rec('example.test.', 'MX', '10 a.example.test.'),
    rec('example.test.', 'MX', '20 b.example.test.'),
    rec('new.example.test.', 'AAAA', '2001:db8::1'),
    rec('example.test.', 'CAA', '0 issue "letsencrypt.org"'),
  ];
  expect(diffZones(live, file)).toEqual([
    { kind: 'added', name: 'example.test.', type: 'CAA', after: { ttl: 300, data: ['0 issue "letsencrypt.org"'] } },
    {
      kind: 'changed',
      name: 'mail.example.test.',
      type: 'A',
      before: { ttl: 300, data: ['192.0.2.25'] },
      after: { ttl: 60, data: ['192.0.2.25'] },
    },
    { kind: 'added', name: 'new.example.test.', type: 'AAAA', after: { ttl: 300, data: ['2001:db8::1'] } },
    { kind: 'removed', name: 'old.example.test.', type: 'TXT', before: { ttl: 300, data: ['"bye"'] } },
    {
      kind: 'changed',
      name: 'www.example.test.',
      type: 'A',
      before: { ttl: 300, data: ['192.0.2.10'] },
      after: { ttl: 300, data: ['192.0.2.10', '192.0.2.11'] },
    },
  ]);
});

test('nothing served yet: every RRset is added', () => {
  const file = [soa(5), rec('example.test.', 'NS', 'ns1.example.test.'), rec('ns1.example.test.', 'A', '192.0.2.53')];
  expect(diffZones([], file).map((c) => `${c.kind} ${c.name} ${c.type}`)).toEqual([
    'added example.test. NS',
    'added example.test. SOA',
    'added ns1.example.test. A',
  ]);
});

test('names in DNS canonical order: the apex, then each name followed by the names below it', () => {
  const names = ['z.example.test.', 'a.b.example.test.', 'example.test.', 'b.example.test.', 'A.example.test.'];
  expect(names.sort(compareNames)).toEqual([
    'example.test.',
    'A.example.test.',
    'b.example.test.',
    'a.b.example.test.',
    'z.example.test.',
  ]);
  expect(compareNames('a\\.b.example.test.', 'a.example.test.')).toBeGreaterThan(0);
});

test('on zones loaded by named-compilezone: layout, comments and the serial are not changes', async () => {
  const live = await loadZoneText(goodZone('good.test'), 'good.test');
  const relaidOut = goodZone('good.test', (t) =>
    replaceLine(t, /2026112301 ; serial/, '2026120100 ; a new serial\n; a comment'),
  )
    .replace('@               IN A    198.18.2.80', '@   3600   IN   A   198.18.2.80')
    .replace('2001:DB8:0:0::11', '2001:db8::11');
  const same = await loadZoneText(relaidOut, 'good.test');
  expect(diffZones(live.records, same.records)).toEqual([]);

  const edited = await loadZoneText(
    goodZone('good.test', (t) =>
      replaceLine(t, /^mail +IN A +198\.18\.2\.25$/m, 'mail IN A 198.18.2.26\nmail IN AAAA 2001:db8::25').replace(
        /^box .*\n/m,
        '',
      ),
    ),
    'good.test',
  );
  expect(diffZones(live.records, edited.records).map(describeChange)).toEqual([
    '- box.good.test. HINFO 3600 ["PC" "Linux 6"]',
    '~ mail.good.test. A 3600 [198.18.2.25] → 3600 [198.18.2.26]',
    '+ mail.good.test. AAAA 3600 [2001:db8::25]',
  ]);
});
