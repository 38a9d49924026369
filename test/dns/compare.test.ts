// compareZone against real BIND: a good zone, broken variants of it served side by side, a
// forwarding resolver (answers without AA), a large RRset, unsupported types, a dead server.
import dgram from 'node:dgram';
import {
  compareZone,
  describeDifference,
  loadZoneText,
  type Difference,
  type DnsServer,
  type Zone,
} from '../../src/dns';
import { freeUdpTcpPort, startBind, type RunningBind } from '../helpers/bind';
import { bigZone, goodZone, replaceLine, smallZone } from './zones';

/** Served text per origin; the expected text is always goodZone(origin). */
const served: Record<string, string> = {
  'good.test': goodZone('good.test'),
  'missing.test': goodZone('missing.test', (t) =>
    replaceLine(replaceLine(t, /^ns2 +IN AAAA .*$/m, ''), /^sip .*$/m, ''),
  ),
  'ttl.test': goodZone('ttl.test', (t) => replaceLine(t, /^sip +300 /m, 'sip 600 ')),
  'data.test': goodZone('data.test', (t) =>
    replaceLine(replaceLine(t, /198\.18\.2\.25/, '198.18.2.26'), /"second string"/, '"Second string"'),
  ),
  'serial.test': goodZone('serial.test', (t) => replaceLine(t, /2026112301/, '2026112302')),
  'case.test': goodZone('case.test', (t) =>
    replaceLine(
      replaceLine(t, /Mail2\.Example\.NET\./, 'mail2.example.net.'),
      /2001:DB8:0:0::11/,
      '2001:0db8:0000::0011',
    ),
  ),
  'deleg.test': goodZone('deleg.test', (t) =>
    replaceLine(
      t,
      /^ns\.sub +IN A +198\.18\.3\.53$/m,
      'ns.sub IN A 198.18.3.54\nsub IN NS ns-extra.example.net.\nother.sub IN A 198.18.3.99',
    ),
  ),
  'big.test': bigZone('big.test'),
  'fwd.test': smallZone('fwd.test'),
  'loc.test': smallZone('loc.test') + 'where 60 IN LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m\n',
};

let ns: RunningBind;
let resolver: RunningBind;
let server: DnsServer;
const expected = (origin: string, text = goodZone(origin)): Promise<Zone> => loadZoneText(text, origin);
const kinds = (diffs: Difference[]) => diffs.map((d) => `${d.kind} ${d.name} ${d.type} ${d.transport}`);

beforeAll(async () => {
  ns = await startBind({
    label: 'compare-ns1',
    zones: Object.entries(served).map(([origin, text]) => ({ origin, text })),
  });
  server = { address: ns.address, port: ns.port };
  resolver = await startBind({ label: 'compare-resolver', forwardTo: { address: ns.address, port: ns.port } });
});

afterAll(async () => {
  await resolver?.stop();
  await ns?.stop();
});

test('the good zone matches over UDP and TCP; NSID is the server-id; counts match the zone', async () => {
  const zone = await expected('good.test');
  const result = await compareZone(server, zone);
  expect(result.differences.map(describeDifference)).toEqual([]);
  expect(result.ok).toBe(true);
  expect(result.nsids).toEqual(['compare-ns1']);
  expect(result.recordsChecked).toBe(zone.records.length);
  expect(result.recordsChecked).toBe(30);
  expect(result.rrsetsChecked).toBe(27);
  expect(result.queriesSent).toBe(27 * 2);
  expect(result.transports).toEqual(['udp', 'tcp']);
  expect(result.skipped).toEqual([]); // the glue for sub.good.test came back in the referral
  expect(JSON.parse(JSON.stringify(result))).toEqual(result); // plain JSON for history
});

test('names compare case-insensitively and AAAA by value', async () => {
  const result = await compareZone(server, await expected('case.test'));
  expect(result.differences).toEqual([]);
});

test('missing records: NODATA for a type the name lacks, NXDOMAIN for a name that is gone', async () => {
  const result = await compareZone(server, await expected('missing.test'));
  expect(result.differences).toEqual([
    {
      kind: 'missing',
      reason: 'NODATA',
      server: `127.0.0.1:${ns.port}`,
      transport: 'tcp',
      name: 'ns2.missing.test.',
      type: 'AAAA',
    },
    {
      kind: 'missing',
      reason: 'NODATA',
      server: `127.0.0.1:${ns.port}`,
      transport: 'udp',
      name: 'ns2.missing.test.',
      type: 'AAAA',
    },
    {
      kind: 'missing',
      reason: 'NXDOMAIN',
      server: `127.0.0.1:${ns.port}`,
      transport: 'tcp',
      name: 'sip.missing.test.',
      type: 'A',
    },
    {
      kind: 'missing',
      reason: 'NXDOMAIN',
      server: `127.0.0.1:${ns.port}`,
      transport: 'udp',
      name: 'sip.missing.test.',
      type: 'A',
    },
  ]);
});

test('a delegation is checked from the referral: NS in authority (AA clear is fine), glue in additional', async () => {
  const zone = await expected('deleg.test', goodZone('deleg.test') + 'other.sub IN A 198.18.3.99\n');
  const result = await compareZone(server, zone, { transports: ['udp'] });
  const at = { server: `127.0.0.1:${ns.port}`, transport: 'udp' };
  expect(result.differences).toEqual([
    {
      kind: 'data',
      expectedOnly: ['198.18.3.53'],
      actualOnly: ['198.18.3.54'],
      ...at,
      name: 'ns.sub.deleg.test.',
      type: 'A',
    },
    {
      kind: 'data',
      expectedOnly: [],
      actualOnly: ['ns-extra.example.net.'],
      ...at,
      name: 'sub.deleg.test.',
      type: 'NS',
    },
  ]);
  // Glue no NS record points at is not in the referral: noted, not passed off as checked.
  expect(result.skipped).toEqual([
    {
      name: 'other.sub.deleg.test.',
      type: 'A',
      transport: 'udp',
      reason: "glue below the cut at sub.deleg.test. not in the referral's additional section",
    },
  ]);
});

test('a wrong TTL is reported with both values', async () => {
  const result = await compareZone(server, await expected('ttl.test'), { transports: ['udp'] });
  expect(result.differences).toEqual([
    {
      kind: 'ttl',
      expected: 300,
      actual: 600,
      server: `127.0.0.1:${ns.port}`,
      transport: 'udp',
      name: 'sip.ttl.test.',
      type: 'A',
    },
  ]);
});

test('wrong data lists the expected-only and served-only values', async () => {
  const result = await compareZone(server, await expected('data.test'), { transports: ['tcp'] });
  expect(result.differences).toEqual([
    {
      kind: 'data',
      expectedOnly: ['198.18.2.25'],
      actualOnly: ['198.18.2.26'],
      server: `127.0.0.1:${ns.port}`,
      transport: 'tcp',
      name: 'mail.data.test.',
      type: 'A',
    },
    {
      kind: 'data',
      expectedOnly: ['"say \\"hello\\"; then (leave) \\\\ now" "second string" "caf\\195\\169"'],
      actualOnly: ['"say \\"hello\\"; then (leave) \\\\ now" "Second string" "caf\\195\\169"'],
      server: `127.0.0.1:${ns.port}`,
      transport: 'tcp',
      name: 'quoted.data.test.',
      type: 'TXT',
    },
  ]);
});

test('an SOA serial that differs is a serial difference (not a data one)', async () => {
  const result = await compareZone(server, await expected('serial.test'), { transports: ['auto'] });
  expect(result.differences).toEqual([
    {
      kind: 'serial',
      expected: 2026112301,
      actual: 2026112302,
      server: `127.0.0.1:${ns.port}`,
      transport: 'auto',
      name: 'serial.test.',
      type: 'SOA',
    },
  ]);
});

test('answers from a forwarding resolver (cache, AA clear) are not authoritative', async () => {
  const zone = await expected('fwd.test', smallZone('fwd.test'));
  const viaResolver = { address: resolver.address, port: resolver.port };
  // RD set: the resolver forwards to the authoritative server and answers from its cache.
  const result = await compareZone(viaResolver, zone, { query: { recursionDesired: true } });
  const rrsets = [
    'fwd.test. SOA',
    'fwd.test. NS',
    'fwd.test. A',
    'fwd.test. MX',
    'fwd.test. TXT',
    'ns1.fwd.test. A',
    'mail.fwd.test. A',
  ];
  const notAuth = result.differences
    .filter((d) => d.kind === 'not-authoritative')
    .map((d) => `${d.name} ${d.type} ${d.transport}`);
  expect(notAuth.sort()).toEqual(rrsets.flatMap((s) => [`${s} tcp`, `${s} udp`]).sort());
  // Nothing else is wrong with the data (TTLs may have ticked down in the cache).
  expect(result.differences.filter((d) => !['not-authoritative', 'ttl'].includes(d.kind))).toEqual([]);
  expect(result.nsids).toEqual(['compare-resolver']);
  // The same zone straight from the authoritative server is fine.
  expect((await compareZone(server, zone)).ok).toBe(true);
});

test('a large RRset: "auto" follows TC to TCP and passes; UDP-only reports truncated', async () => {
  const zone = await expected('big.test', bigZone('big.test'));
  const auto = await compareZone(server, zone, { transports: ['auto', 'tcp'] });
  expect(auto.differences).toEqual([]);
  const udpOnly = await compareZone(server, zone, { transports: ['udp'] });
  expect(udpOnly.differences).toEqual([
    { kind: 'truncated', server: `127.0.0.1:${ns.port}`, transport: 'udp', name: 'big.big.test.', type: 'TXT' },
  ]);
});

test('a type we cannot print is an unsupported-type difference, and its TTL is still checked', async () => {
  const text = smallZone('loc.test') + 'where 60 IN LOC 52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m\n';
  const result = await compareZone(server, await expected('loc.test', text), { transports: ['udp'] });
  expect(result.differences).toEqual([
    {
      kind: 'unsupported-type',
      detail: 'LOC RDATA not compared (1 expected, 1 served)',
      server: `127.0.0.1:${ns.port}`,
      transport: 'udp',
      name: 'where.loc.test.',
      type: 'LOC',
    },
  ]);
  const wrongTtl = await compareZone(server, await expected('loc.test', text.replace('where 60', 'where 61')), {
    transports: ['udp'],
  });
  expect(kinds(wrongTtl.differences)).toEqual([
    'ttl where.loc.test. LOC udp',
    'unsupported-type where.loc.test. LOC udp',
  ]);
});

test('an expected zone the server does not serve: REFUSED as rcode differences', async () => {
  const result = await compareZone(server, await expected('absent.test', smallZone('absent.test')), {
    transports: ['udp'],
  });
  expect(result.differences).toHaveLength(7);
  expect(new Set(result.differences.map((d) => d.kind === 'rcode' && d.rcode))).toEqual(new Set(['REFUSED']));
});

test('a server that is down: error differences for every query, quickly, no throw', async () => {
  const zone = await expected('good.test');
  const port = await freeUdpTcpPort();
  const started = Date.now();
  const result = await compareZone({ address: '127.0.0.1', port }, zone, { query: { timeoutMs: 200, attempts: 2 } });
  expect(Date.now() - started).toBeLessThan(3000);
  expect(result.ok).toBe(false);
  expect(result.differences).toHaveLength(27 * 2);
  const errors = result.differences.map((d) =>
    d.kind === 'error' ? `${d.transport} ${d.error}` : `${d.transport} ${d.kind}`,
  );
  // TCP is refused by the kernel at once. UDP is refused by an ICMP port unreachable, which
  // the kernel rate-limits machine-wide (net.ipv4.icmp_msgs_burst, 50 by default): with other
  // tests sending at the same moment a few may be dropped and those queries time out instead.
  expect(errors.filter((e) => e.startsWith('tcp'))).toEqual(Array(27).fill('tcp DnsConnectionRefusedError'));
  const udp = errors.filter((e) => e.startsWith('udp'));
  expect(udp).toHaveLength(27);
  expect(udp.filter((e) => !['udp DnsConnectionRefusedError', 'udp DnsTimeoutError'].includes(e))).toEqual([]);
  expect(udp.filter((e) => e === 'udp DnsConnectionRefusedError').length).toBeGreaterThan(0);
  const refusedUdp = result.differences.find(
    (d) => d.transport === 'udp' && d.kind === 'error' && d.error === 'DnsConnectionRefusedError',
  )!;
  expect(refusedUdp.kind === 'error' && refusedUdp.message).toBe(
    `port unreachable (ICMP, UDP refused) by 127.0.0.1:${port} over UDP for ${refusedUdp.name.replace(/\.$/, '')}/${refusedUdp.type}`,
  );
});

test('a server that swallows queries: timeout error differences, bounded by the query limits', async () => {
  const blackhole = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => blackhole.bind(0, '127.0.0.1', resolve));
  try {
    const port = blackhole.address().port;
    const zone = await expected('fwd.test', smallZone('fwd.test'));
    const started = Date.now();
    const result = await compareZone({ address: '127.0.0.1', port }, zone, {
      transports: ['udp'],
      query: { timeoutMs: 100, attempts: 2 },
    });
    expect(Date.now() - started).toBeLessThan(1500); // 7 queries in parallel, 2 × 100 ms each
    expect(result.differences).toHaveLength(7);
    expect(result.differences[0]).toEqual({
      kind: 'error',
      error: 'DnsTimeoutError',
      server: `127.0.0.1:${port}`,
      transport: 'udp',
      name: 'fwd.test.',
      type: 'A',
      message: `no answer from 127.0.0.1:${port} over UDP for fwd.test/A after 2 attempts of 100 ms`,
    });
  } finally {
    blackhole.close();
  }
});
