// A compareZone helper thread (see compareThreads.ts): asks the RRsets of each job it gets and
// sends back what it found, with counts of answers as it goes.
import { parentPort } from 'node:worker_threads';
import { askSets } from './askSets';
import type { FromThread, ToThread } from './compareThreads';

/** Answers between two progress messages. */
const REPORT_EVERY = 256;
const port = parentPort!;
const running = new Map<number, AbortController>();
const post = (m: FromThread) => port.postMessage(m);

async function ask(m: Extract<ToThread, { kind: 'ask' }>): Promise<void> {
  const abort = new AbortController();
  running.set(m.job, abort);
  let unreported = 0;
  try {
    const result = await askSets(m.server, m.sets, {
      transports: m.transports,
      concurrency: m.concurrency,
      query: m.query,
      signal: abort.signal,
      onAnswered: () => {
        if (++unreported < REPORT_EVERY) return;
        post({ job: m.job, answered: unreported });
        unreported = 0;
      },
    });
    if (unreported > 0) post({ job: m.job, answered: unreported });
    post({ job: m.job, result });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    post({ job: m.job, error: { name: e.name, message: e.message } });
  } finally {
    running.delete(m.job);
  }
}

port.on('message', (m: ToThread) => {
  if (m.kind === 'abort') running.get(m.job)?.abort();
  else void ask(m);
});
