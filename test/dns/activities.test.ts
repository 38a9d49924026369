// The DNS activities outside a Temporal worker: compact plain-JSON results, progress
// heartbeats, presentation-form probes, and a broken zone refused for good.
import { ApplicationFailure } from '@temporalio/common';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { createDnsActivities } from '../../src/activities/dns';
import { query, type QueryFn } from '../../src/dns';
import { startBind, type RunningBind } from '../helpers/bind';
import { bigZone, generatedZone, goodZone } from './zones';

let bind: RunningBind;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-dns-act-'));
  bind = await startBind({
    label: 'act-ns1',
    zones: [
      { origin: 'good.test', text: goodZone('good.test') },
      { origin: 'big.test', text: bigZone('big.test') },
      { origin: 'many.test', text: generatedZone('many.test', 300) },
    ],
  });
});
afterAll(async () => {
  await bind?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const server = () => ({ address: bind.address, port: bind.port });

/** A value survives a JSON round trip unchanged: no Buffers, no undefined-vs-missing games. */
const expectPlainJson = (value: unknown) => expect(JSON.parse(JSON.stringify(value))).toEqual(value);

test('compareZoneOnServer: zone file on disk, differences as plain JSON, heartbeats with progress', async () => {
  const file = path.join(dir, 'good.test.zone');
  fs.writeFileSync(
    file,
    goodZone('good.test', (t) => t.replace('198.18.2.25', '198.18.2.77')),
  );
  const beats: unknown[] = [];
  const { compareZoneOnServer } = createDnsActivities({ heartbeat: (d) => beats.push(d), heartbeatIntervalMs: 0 });
  const result = await compareZoneOnServer({
    server: server(),
    zone: { origin: 'good.test', file },
    transports: ['udp'],
    timeoutMs: 500,
  });
  expectPlainJson(result);
  expect(result.ok).toBe(false);
  expect(result.differences).toEqual([
    {
      kind: 'data',
      expectedOnly: ['198.18.2.77'],
      actualOnly: ['198.18.2.25'],
      server: `127.0.0.1:${bind.port}`,
      transport: 'udp',
      name: 'mail.good.test.',
      type: 'A',
    },
  ]);
  expect(result.nsids).toEqual(['act-ns1']);
  expect(beats).toHaveLength(27);
  expect(beats[26]).toEqual({ done: 27, total: 27 });
});

test('compareZoneOnServer keeps history small: capped differences and clipped values', async () => {
  // Expect every host at another address: 300 data differences with long-ish values.
  const text = generatedZone('many.test', 300).replace(/198\.18\./g, '203.0.');
  const { compareZoneOnServer } = createDnsActivities({ heartbeat: () => undefined });
  const result = await compareZoneOnServer({
    server: server(),
    zone: { origin: 'many.test', text },
    transports: ['tcp'],
    limits: { maxDifferences: 5 },
  });
  expect(result.differences).toHaveLength(5);
  expect(result.differencesOmitted).toBe(296);
  expect(JSON.stringify(result).length).toBeLessThan(3000);

  const big = await compareZoneOnServer({
    server: server(),
    zone: { origin: 'big.test', text: bigZone('big.test').replace('chunk 00', 'chunk 0O') },
    transports: ['auto'],
  });
  const diff = big.differences[0];
  expect(diff.kind).toBe('data');
  if (diff.kind === 'data') {
    expect(diff.expectedOnly[0]).toMatch(/^"chunk 0O x+" "chunk 0.*… \(\d{4} chars\)$/);
    expect(diff.expectedOnly[0].length).toBeLessThan(220);
  }
});

test('compareZoneOnServer with a broken zone: non-retryable failure naming the file', async () => {
  const file = path.join(dir, 'broken.zone');
  fs.writeFileSync(file, '$TTL 60\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 AAAA not-an-address\n');
  const { compareZoneOnServer } = createDnsActivities();
  const err = await compareZoneOnServer({ server: server(), zone: { origin: 'broken.test', file } }).catch(
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).nonRetryable).toBe(true);
  expect((err as ApplicationFailure).type).toBe('ZoneLoadError');
  expect((err as Error).message).toContain(file);
  expect((err as Error).message).toMatch(/bad|unexpected/);
});

test('probeServer: one query, answers in presentation form, flags, NSID, transport', async () => {
  const { probeServer } = createDnsActivities();
  const res = await probeServer({ server: server(), name: 'good.test', type: 'MX' });
  expectPlainJson(res);
  expect(res).toMatchObject({
    rcode: 'NOERROR',
    transport: 'udp',
    udpTruncated: false,
    nsid: 'act-ns1',
    flags: { aa: true, rd: false },
  });
  expect(res.answers.map((a) => a.rdata).sort()).toEqual(['10 mail.good.test.', '20 Mail2.Example.NET.']);

  const referral = await probeServer({ server: server(), name: 'sub.good.test', type: 'NS', transport: 'tcp' });
  expect(referral).toMatchObject({ transport: 'tcp', flags: { aa: false }, answers: [] });
  expect(referral.authorities).toEqual([
    { name: 'sub.good.test.', ttl: 3600, class: 'IN', type: 'NS', rdata: 'ns.sub.good.test.' },
  ]);
  expect(referral.additionals).toEqual([
    { name: 'ns.sub.good.test.', ttl: 3600, class: 'IN', type: 'A', rdata: '198.18.3.53' },
  ]);

  const big = await probeServer({ server: server(), name: 'big.big.test', type: 'TXT' });
  expect(big).toMatchObject({ transport: 'tcp', udpTruncated: true });
});

test('probeServer uses the injected query function', async () => {
  const seen: string[] = [];
  const spy: QueryFn = (s, q, o) => {
    seen.push(`${q.name}/${q.type} ${o?.transport ?? '-'} rd=${String(o?.recursionDesired)}`);
    return query(s, q, o);
  };
  const { probeServer } = createDnsActivities({ query: spy });
  await probeServer({ server: server(), name: 'good.test', type: 'SOA', transport: 'tcp', recursionDesired: true });
  expect(seen).toEqual(['good.test/SOA tcp rd=true']);
});

test('compareZoneOnServer waits for a comparison slot, heartbeating, when the worker has none free', async () => {
  const beats: { id: number; details: unknown }[] = [];
  const slots = pLimit(1);
  const activities = (id: number) =>
    createDnsActivities({
      heartbeat: (details) => beats.push({ id, details }),
      heartbeatIntervalMs: 5,
      comparisonSlots: slots,
    });
  const zone = { origin: 'many.test', text: generatedZone('many.test', 300) };
  const [first, second] = await Promise.all([
    activities(1).compareZoneOnServer({ server: server(), zone, transports: ['udp', 'tcp'] }),
    activities(2).compareZoneOnServer({ server: server(), zone, transports: ['udp', 'tcp'] }),
  ]);
  expect(first.ok && second.ok).toBe(true);
  const ofSecond = beats.filter((b) => b.id === 2).map((b) => b.details);
  expect(ofSecond[0]).toEqual({ waiting: 'for a comparison slot (1 queued)' });
  // It started only once the first had finished.
  const lastOfFirst = beats.map((b) => b.id).lastIndexOf(1);
  const firstProgressOfSecond = beats.findIndex((b) => b.id === 2 && !('waiting' in (b.details as object)));
  expect(firstProgressOfSecond).toBeGreaterThan(lastOfFirst);
});
