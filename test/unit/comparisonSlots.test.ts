// Comparisons beyond the worker's slots wait their turn (heartbeating), in order, and a
// cancellation while waiting ends the wait at once without ever running the comparison.
import pLimit from 'p-limit';
import { COMPARISONS_AT_ONCE, inSlot } from '../../src/activities/comparisonSlots';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A comparison that runs until released, counting how many run at once. */
function gatedWork() {
  let running = 0;
  const seen = { most: 0, started: [] as number[] };
  const releases: (() => void)[] = [];
  const work = (id: number) => async () => {
    seen.started.push(id);
    seen.most = Math.max(seen.most, ++running);
    await new Promise<void>((r) => releases.push(r));
    running--;
    return id;
  };
  return { seen, work, releaseAll: () => releases.splice(0).forEach((r) => r()) };
}

test('at most the slots run at once; the others heartbeat how many wait, then run in order', async () => {
  const slots = pLimit(2);
  const g = gatedWork();
  const beats: number[][] = [[], [], [], [], []];
  const runs = [0, 1, 2, 3, 4].map((id) =>
    inSlot(slots, { everyMs: 20, waiting: (n) => beats[id].push(n) }, g.work(id)),
  );
  await sleep(120);
  expect(g.seen.started).toEqual([0, 1]);
  expect(beats[0]).toEqual([]);
  expect(beats[4].length).toBeGreaterThan(2);
  expect(beats[4][0]).toBe(3);
  while (g.seen.started.length < 5) {
    g.releaseAll();
    await sleep(10);
  }
  g.releaseAll();
  expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
  expect(g.seen.started).toEqual([0, 1, 2, 3, 4]);
  expect(g.seen.most).toBe(2);
});

test('cancelled while waiting: rejects at once with the reason, and never runs', async () => {
  const slots = pLimit(1);
  const g = gatedWork();
  const first = inSlot(slots, { everyMs: 1000, waiting: () => undefined }, g.work(1));
  const abort = new AbortController();
  const second = inSlot(slots, { signal: abort.signal, everyMs: 1000, waiting: () => undefined }, g.work(2));
  await sleep(20);
  abort.abort(new Error('activity cancelled'));
  await expect(second).rejects.toThrow('activity cancelled');
  g.releaseAll();
  expect(await first).toBe(1);
  await sleep(20);
  expect(g.seen.started).toEqual([1]);
  // The slot is free again.
  const third = inSlot(slots, { everyMs: 1000, waiting: () => undefined }, async () => 3);
  expect(await third).toBe(3);
});

test('cancelled once running: the comparison itself answers the signal', async () => {
  const slots = pLimit(1);
  const abort = new AbortController();
  const run = inSlot(slots, { signal: abort.signal, everyMs: 1000, waiting: () => undefined }, async () => {
    await sleep(50);
    return abort.signal.aborted ? 'stopped by its own signal handling' : 'finished';
  });
  await sleep(10);
  abort.abort(new Error('cancelled'));
  expect(await run).toBe('stopped by its own signal handling');
});

test('the process allows at least 2, and 2 per CPU', () => {
  expect(COMPARISONS_AT_ONCE).toBeGreaterThanOrEqual(2);
  expect(COMPARISONS_AT_ONCE % 2).toBe(0);
});
