// Helper threads for compareZone: checking every answer costs this process more CPU than the
// server spends answering, so a large zone is split between this thread and helpers (one per
// further CPU), each asking its share over its own sockets. The helpers live as long as the
// process and are reused (V8 optimises their code once); idle, they do not keep it alive. A
// helper that dies fails the jobs it held, and the next job starts a new one.
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AskResult, QuerySettings } from './askSets';
import type { ExpectedRRset } from './rrsets';
import type { DnsServer, TransportMode } from './types';

/** One share of a comparison, as a helper gets it (plain data: it is copied to the thread). */
export interface ThreadJob {
  server: DnsServer;
  sets: ExpectedRRset[];
  transports: TransportMode[];
  concurrency: number;
  query?: QuerySettings;
}

export type ToThread = ({ kind: 'ask' } & ThreadJob & { job: number }) | { kind: 'abort'; job: number };
export type FromThread =
  | { job: number; answered: number }
  | { job: number; result: AskResult }
  | { job: number; error: { name: string; message: string } };

interface Pending {
  resolve: (r: AskResult) => void;
  reject: (e: Error) => void;
  onAnswered: (n: number) => void;
}

/** Helpers besides this thread: one per further CPU, at most 3. */
export const MAX_HELPERS = Math.max(0, Math.min(3, os.availableParallelism() - 1));

/** A helper idle this long ends (a deploy's verifications follow each other within seconds). */
export const HELPER_IDLE_MS = 60_000;

class Helper {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  private idleTimer?: NodeJS.Timeout;

  constructor(private readonly onGone: (h: Helper) => void) {
    // Built (dist/*.js) the helper runs as it is; from source (ts-node, jest) it needs ts-node too.
    const ext = path.extname(__filename);
    this.worker = new Worker(path.join(__dirname, `compareThread${ext}`), {
      execArgv: ext === '.ts' ? ['-r', 'ts-node/register/transpile-only'] : [],
    });
    this.worker.unref();
    this.idle();
    this.worker.on('message', (m: FromThread) => this.onMessage(m));
    const gone = (why: string) => {
      clearTimeout(this.idleTimer);
      onGone(this);
      for (const p of this.pending.values()) p.reject(new Error(`a verification thread stopped: ${why}`));
      this.pending.clear();
    };
    this.worker.on('error', (err) => gone(err.message));
    this.worker.on('exit', (code) => gone(`exit code ${code}`));
  }

  ask(job: number, work: ThreadJob, pending: Pending): void {
    // Held jobs keep the process alive; an idle helper does not, and ends after a while.
    clearTimeout(this.idleTimer);
    if (this.pending.size === 0) this.worker.ref();
    this.pending.set(job, pending);
    this.worker.postMessage({ kind: 'ask', job, ...work } satisfies ToThread);
  }

  abort(job: number): void {
    if (this.pending.has(job)) this.worker.postMessage({ kind: 'abort', job } satisfies ToThread);
  }

  private idle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.onGone(this); // out of the list first: no job may reach a helper that is ending
      void this.worker.terminate();
    }, HELPER_IDLE_MS).unref();
  }

  private onMessage(m: FromThread): void {
    const p = this.pending.get(m.job);
    if (!p) return;
    if ('answered' in m) return p.onAnswered(m.answered);
    this.pending.delete(m.job);
    if (this.pending.size === 0) {
      this.worker.unref();
      this.idle();
    }
    if ('result' in m) p.resolve(m.result);
    else p.reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
  }
}

const helpers: Helper[] = [];
let nextJob = 1;

/** Helper threads running now, and jobs given to helpers so far. */
export function helperStats(): { helpers: number; jobs: number } {
  return { helpers: helpers.length, jobs: nextJob - 1 };
}

function helperFor(): Helper {
  const idle = helpers.find((h) => h.pending.size === 0);
  if (idle) return idle;
  if (helpers.length < MAX_HELPERS) {
    const h = new Helper((gone) => {
      const i = helpers.indexOf(gone);
      if (i >= 0) helpers.splice(i, 1);
    });
    helpers.push(h);
    return h;
  }
  return helpers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
}

/** Asks one share of a comparison on a helper thread; `onAnswered` gets counts as they come. */
export function askInThread(
  work: ThreadJob,
  o: { onAnswered: (n: number) => void; signal?: AbortSignal },
): Promise<AskResult> {
  const job = nextJob++;
  const helper = helperFor();
  return new Promise<AskResult>((resolve, reject) => {
    const onAbort = () => helper.abort(job);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => o.signal?.removeEventListener('abort', onAbort);
    helper.ask(job, work, {
      resolve: (r) => (done(), resolve(r)),
      reject: (e) => (done(), reject(e)),
      onAnswered: o.onAnswered,
    });
    if (o.signal?.aborted) onAbort();
  });
}
