// batchedServedZoneReader: reads of one host's zones that start together share one read of
// several zones (one SSH session); other hosts, other credentials and later reads do not; a
// failure reaches every read of the batch; a cancelled read fails alone, and the session is
// killed only when every read of it was cancelled.
import type { ServedZonesReader } from '../../src/hosts/servedZone';
import { batchedServedZoneReader } from '../../src/hosts/servedZoneBatch';
import type { SshTarget } from '../../src/ssh/exec';

const host = (address: string, over: Partial<SshTarget> = {}): SshTarget => ({
  address,
  privateKeyFile: '/keys/fleet-a',
  knownHostsFile: '/keys/known_hosts-a',
  ...over,
});

interface Call {
  address: string;
  domains: string[];
  signal?: AbortSignal;
  finish(): void;
  fail(err: Error): void;
}

/** A fake ServedZonesReader that records its calls and answers when the test says so. */
function fakeReader() {
  const calls: Call[] = [];
  const readMany: ServedZonesReader = (t, domains, opts = {}) =>
    new Promise((resolve, reject) => {
      const zones = domains.map((d) => (d.startsWith('missing') ? { file: `db.${d}` } : { file: `db.${d}`, text: d }));
      calls.push({ address: t.address, domains, signal: opts.signal, finish: () => resolve(zones), fail: reject });
      opts.signal?.addEventListener('abort', () => reject(new Error('ssh killed')));
    });
  return { calls, readMany };
}

const WINDOW = 20;
const afterWindow = () => new Promise((r) => setTimeout(r, WINDOW + 10));

test('one host, three zones started together: one read of the three, each read gets its own zone', async () => {
  const { calls, readMany } = fakeReader();
  const read = batchedServedZoneReader(readMany, WINDOW);
  const reads = ['a.test', 'b.test', 'missing.test', 'a.test'].map((d) => read(host('10.0.0.1'), d));
  await afterWindow();
  expect(calls.map((c) => [c.address, c.domains])).toEqual([['10.0.0.1', ['a.test', 'b.test', 'missing.test']]]);
  calls[0].finish();
  expect(await Promise.all(reads)).toEqual([
    { file: 'db.a.test', text: 'a.test' },
    { file: 'db.b.test', text: 'b.test' },
    { file: 'db.missing.test' },
    { file: 'db.a.test', text: 'a.test' },
  ]);
});

test('other hosts, other credentials and reads after the window each get their own session', async () => {
  const { calls, readMany } = fakeReader();
  const read = batchedServedZoneReader(readMany, WINDOW);
  const first = [
    read(host('10.0.0.1'), 'a.test'),
    read(host('10.0.0.2'), 'a.test'),
    read(host('10.0.0.1', { privateKeyFile: '/keys/fleet-b' }), 'b.test'),
    read(host('10.0.0.1', { name: 'ns1' }), 'c.test'),
  ];
  await afterWindow();
  const later = read(host('10.0.0.1'), 'd.test');
  await afterWindow();
  expect(calls.map((c) => [c.address, c.domains])).toEqual([
    ['10.0.0.1', ['a.test', 'c.test']],
    ['10.0.0.2', ['a.test']],
    ['10.0.0.1', ['b.test']],
    ['10.0.0.1', ['d.test']],
  ]);
  for (const c of calls) c.finish();
  expect((await Promise.all([...first, later])).map((z) => z.text)).toEqual([
    'a.test',
    'a.test',
    'b.test',
    'c.test',
    'd.test',
  ]);
});

test('a failed session fails every read of its batch with its error', async () => {
  const { calls, readMany } = fakeReader();
  const read = batchedServedZoneReader(readMany, WINDOW);
  const reads = ['a.test', 'b.test'].map((d) => read(host('10.0.0.1'), d));
  await afterWindow();
  calls[0].fail(new Error('Host key verification failed'));
  for (const r of reads) await expect(r).rejects.toThrow('Host key verification failed');
});

test('a cancelled read fails alone; the session ends only when every read of it is cancelled', async () => {
  const { calls, readMany } = fakeReader();
  const read = batchedServedZoneReader(readMany, WINDOW);
  const [one, two, three] = [new AbortController(), new AbortController(), new AbortController()];
  const early = read(host('10.0.0.1'), 'a.test', { signal: one.signal });
  const kept = read(host('10.0.0.1'), 'b.test', { signal: two.signal });
  one.abort(new Error('activity cancelled'));
  await expect(early).rejects.toThrow('activity cancelled');
  await afterWindow();
  expect(calls.map((c) => c.domains)).toEqual([['b.test']]);
  expect(calls[0].signal?.aborted).toBe(false);
  calls[0].finish();
  expect(await kept).toEqual({ file: 'db.b.test', text: 'b.test' });

  const a = read(host('10.0.0.2'), 'a.test', { signal: two.signal });
  const b = read(host('10.0.0.2'), 'b.test', { signal: three.signal });
  await afterWindow();
  two.abort(new Error('first cancelled'));
  expect(calls[1].signal?.aborted).toBe(false);
  three.abort(new Error('second cancelled'));
  expect(calls[1].signal?.aborted).toBe(true);
  await expect(a).rejects.toThrow('first cancelled');
  await expect(b).rejects.toThrow('second cancelled');
});
