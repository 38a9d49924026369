// compareZone on helper threads against a real BIND: the same comparison, differences included,
// as on one thread; progress counts every query; an abort stops every thread; the helpers are
// reused from one comparison to the next.
import { compareZone, loadZoneText, type ZoneComparison } from '../../src/dns';
import { helperStats, MAX_HELPERS } from '../../src/dns/compareThreads';
import { startBind, type RunningBind } from '../helpers/bind';
import { generatedZone, goodZone, replaceLine } from './zones';

let ns: RunningBind;
const served = {
  'threads.test': goodZone('threads.test'),
  'broken.test': replaceLine(
    replaceLine(goodZone('broken.test'), /198\.18\.2\.25/, '198.18.2.26'),
    /^sip +300 /m,
    'sip 600 ',
  ),
  'many.test': generatedZone('many.test', 3000),
};
beforeAll(async () => {
  ns = await startBind({
    label: 'threads-ns1',
    zones: Object.entries(served).map(([origin, text]) => ({ origin, text })),
  });
});
afterAll(() => ns.stop());

const server = () => ({ address: ns.address, port: ns.port });
const comparable = (c: ZoneComparison) => ({ ...c, durationMs: 0 });

test('this machine has a CPU for a helper thread (CI runs on 2)', () => {
  expect(MAX_HELPERS).toBeGreaterThanOrEqual(1);
});

test.each(['threads.test', 'broken.test', 'many.test'])(
  '%s: on 2 threads the same comparison as on 1',
  async (origin) => {
    const zone = await loadZoneText(
      origin === 'broken.test' ? goodZone(origin) : served[origin as keyof typeof served],
      origin,
    );
    const jobsBefore = helperStats().jobs;
    const one = await compareZone(server(), zone, { concurrency: 8, threads: 1 });
    expect(helperStats().jobs).toBe(jobsBefore);
    const two = await compareZone(server(), zone, { concurrency: 8, threads: 2 });
    expect(helperStats().jobs).toBe(jobsBefore + 1);
    expect(comparable(two)).toEqual(comparable(one));
    if (origin === 'broken.test') {
      expect(two.differences.map((d) => `${d.kind} ${d.name} ${d.transport}`)).toEqual([
        'data mail.broken.test. tcp',
        'data mail.broken.test. udp',
        'ttl sip.broken.test. tcp',
        'ttl sip.broken.test. udp',
      ]);
    } else expect(two.differences).toEqual([]);
    expect(two.nsids).toEqual(['threads-ns1']);
  },
);

test('a large zone uses a helper by default; progress counts every query once, up to the total', async () => {
  const zone = await loadZoneText(served['many.test'], 'many.test');
  const jobsBefore = helperStats().jobs;
  const seen: number[] = [];
  let total = 0;
  const result = await compareZone(server(), zone, {
    concurrency: 16,
    onProgress: (done, all) => {
      seen.push(done);
      total = all;
    },
  });
  expect(helperStats().jobs).toBe(jobsBefore + 1);
  expect(result.ok).toBe(true);
  expect(total).toBe(result.queriesSent);
  expect(seen[seen.length - 1]).toBe(total);
  expect(seen.every((d, i) => i === 0 || d > seen[i - 1])).toBe(true);
  // Reused, not one new thread per comparison.
  expect(helperStats().helpers).toBeLessThanOrEqual(MAX_HELPERS);
});

test('an abort stops both threads; the comparison rejects with the reason and the helper stays usable', async () => {
  const zone = await loadZoneText(served['many.test'], 'many.test');
  const abort = new AbortController();
  let last = 0;
  const started = compareZone(server(), zone, {
    concurrency: 2,
    threads: 2,
    signal: abort.signal,
    onProgress: (done) => {
      last = done;
      if (done >= 300) abort.abort(new Error('cancelled by the test'));
    },
  });
  await expect(started).rejects.toThrow('cancelled by the test');
  expect(last).toBeLessThan(1000);
  const after = await compareZone(server(), zone, { concurrency: 8, threads: 2 });
  expect(after.ok).toBe(true);
});
