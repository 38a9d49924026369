// Bounded concurrency, observed through a wrapped query function, and a 1000+ record zone
// verified against BIND over UDP and TCP.
import { compareZone, loadZoneText, query, type QueryFn, type Zone } from '../../src/dns';
import { startBind, type RunningBind } from '../helpers/bind';
import { generatedZone } from './zones';

const HOSTS = 1000;
let bind: RunningBind;
let zone: Zone;

beforeAll(async () => {
  const text = generatedZone('many.test', HOSTS);
  bind = await startBind({ label: 'scale-ns', zones: [{ origin: 'many.test', text }] });
  zone = await loadZoneText(text, 'many.test');
});
afterAll(async () => bind?.stop());

/** The real query, counting how many calls are in flight at once. */
function countingQuery(): { fn: QueryFn; max: () => number; calls: () => number } {
  let inFlight = 0;
  let max = 0;
  let calls = 0;
  const fn: QueryFn = async (...args) => {
    inFlight += 1;
    calls += 1;
    max = Math.max(max, inFlight);
    try {
      return await query(...args);
    } finally {
      inFlight -= 1;
    }
  };
  return { fn, max: () => max, calls: () => calls };
}

test.each([1, 4, 16])('never more than %i queries in flight (and the limit is used)', async (concurrency) => {
  const small = { ...zone, records: zone.records.slice(0, 120) };
  const counter = countingQuery();
  const result = await compareZone({ address: bind.address, port: bind.port }, small, {
    concurrency,
    queryFn: counter.fn,
  });
  expect(counter.max()).toBe(concurrency);
  expect(counter.calls()).toBe(result.queriesSent);
  expect(result.ok).toBe(true);
});

test(`a generated zone of ${HOSTS}+ records verifies over UDP and TCP`, async () => {
  expect(zone.records.length).toBe(2 + HOSTS + HOSTS / 10 + 1);
  const progress: number[] = [];
  const result = await compareZone({ address: bind.address, port: bind.port }, zone, {
    onProgress: (done) => progress.push(done),
  });
  expect(result.differences).toEqual([]);
  expect(result.recordsChecked).toBe(zone.records.length);
  expect(result.rrsetsChecked).toBe(3 + HOSTS + HOSTS / 10);
  expect(result.queriesSent).toBe(2 * result.rrsetsChecked);
  expect(progress).toHaveLength(result.queriesSent);
  expect(result.durationMs).toBeLessThan(20_000);
});

test('the same zone with one record changed on the server side is caught among 1100 queries', async () => {
  const edited = {
    ...zone,
    records: zone.records.map((r) =>
      r.name === 'h500.many.test.' && r.type === 'A' ? { ...r, rdata: '203.0.113.1' } : r,
    ),
  };
  const result = await compareZone({ address: bind.address, port: bind.port }, edited, { transports: ['udp'] });
  expect(result.differences).toEqual([
    {
      kind: 'data',
      expectedOnly: ['203.0.113.1'],
      actualOnly: ['198.18.2.1'],
      server: `127.0.0.1:${bind.port}`,
      transport: 'udp',
      name: 'h500.many.test.',
      type: 'A',
    },
  ]);
});
