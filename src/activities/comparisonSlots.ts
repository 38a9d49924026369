// Zone comparisons at once in this worker process: the others wait their turn. A comparison is
// bound by CPU (this process checking answers, the servers answering, the kernel between them),
// and many at once only add switching: the gate of 20 nameservers on 2 CPUs (338 160 queries)
// took 22 s all at once and 16.5-19.6 s four at a time, with a quarter less CPU
// (bench/README.md, scale). A waiting comparison heartbeats and can be cancelled.
import os from 'node:os';
import pLimit from 'p-limit';

/** Twice the CPUs, at least 2: enough to keep them busy while answers are on their way. */
export const COMPARISONS_AT_ONCE = Math.max(2, 2 * os.availableParallelism());

export type Slots = ReturnType<typeof pLimit>;

export const comparisonSlots: Slots = pLimit(COMPARISONS_AT_ONCE);

/**
 * Runs `fn` when `slots` has room. Until then `waiting(ahead)` is called every `everyMs` (ahead:
 * comparisons queued in this process, this one included); a cancellation while waiting rejects
 * at once with the signal's reason, and `fn` is then never run.
 */
export async function inSlot<T>(
  slots: Slots,
  o: { signal?: AbortSignal; everyMs: number; waiting: (ahead: number) => void },
  fn: () => Promise<T>,
): Promise<T> {
  const { signal } = o;
  let started = false;
  let stopWaiting = () => undefined as void;
  // Rejects when cancelled before `fn` starts; once it runs, `fn` answers the signal itself.
  const cancelledWhileWaiting = new Promise<never>((_, reject) => {
    const onAbort = () => started || reject(signal?.reason ?? new Error('cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
    stopWaiting = () => signal?.removeEventListener('abort', onAbort);
  });
  const timer = setInterval(() => started || o.waiting(slots.pendingCount), o.everyMs);
  const run = slots(async () => {
    started = true;
    clearInterval(timer);
    stopWaiting();
    signal?.throwIfAborted();
    return fn();
  });
  run.catch(() => undefined); // when cancelled while waiting, nobody awaits it
  try {
    if (signal?.aborted) throw signal.reason ?? new Error('cancelled');
    return await Promise.race([run, cancelledWhileWaiting]);
  } finally {
    clearInterval(timer);
    stopWaiting();
  }
}
