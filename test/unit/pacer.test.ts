// The create pacer's arithmetic on a manual clock: turns in order, at most `limit` per sliding
// window, everyone held back by a 429's Retry-After, a lower server limit adopted.
import { RequestPacer } from '../../src/linode/pacer';

function manualClock() {
  const clock = {
    t: 0,
    now: () => clock.t,
    // Only the head of the FIFO ever sleeps, so advancing the clock at once is exact.
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

it('grants turns in order, at most `limit` per window (plus the margin)', async () => {
  const clock = manualClock();
  const pacer = new RequestPacer({ limit: 2, windowMs: 1000 }, clock, 100);
  const turns = await Promise.all(Array.from({ length: 5 }, () => pacer.take()));
  expect(turns.map((t) => t.sentAt)).toEqual([0, 0, 1100, 1100, 2200]);
});

it("holds every turn back for a 429's Retry-After and adopts the server's lower limit", async () => {
  const clock = manualClock();
  const pacer = new RequestPacer({ limit: 20, windowMs: 1000 }, clock, 0);
  const first = await Promise.all([pacer.take(), pacer.take(), pacer.take()]);
  clock.t = 50;
  pacer.refused(first[2], 3, 2);
  expect(pacer.limit).toEqual({ limit: 2, windowMs: 1000 });
  const waits: number[] = [];
  const next = await Promise.all([pacer.take((ms) => waits.push(ms)), pacer.take(), pacer.take()]);
  expect(next.map((t) => t.sentAt)).toEqual([3050, 3050, 4050]);
  expect(waits).toEqual([3000]);
});
