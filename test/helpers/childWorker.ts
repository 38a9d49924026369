// The real worker (src/worker.ts, under ts-node as `npm run worker:dev` runs it) in a child process
// of the test, so that a test can SIGKILL it by its PID mid-workflow, as a crash would, and start
// another in its place. It reads its address, task queue and secrets from the environment, like
// the production worker; it bundles the workflows at start-up, then logs "worker started".
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_DIR } from '../../testkit/temporalTools';

export interface ChildWorker {
  pid: number;
  /** How the worker names itself in the history's events (the SDK's default: pid@hostname). */
  identity: string;
  /** SIGKILL (no shutdown, in-flight tasks lost); resolves once it has died of it. */
  kill(): Promise<NodeJS.Signals | null>;
  /** SIGTERM (the worker's graceful shutdown), then waits for the exit (SIGKILL after 30 s); nothing if it is gone. */
  stop(): Promise<void>;
  /** The end of what it wrote (stdout and stderr), for a failure message. */
  output(): string;
}

const OUTPUT_KEPT = 20_000;

/** Starts the worker and resolves once it says "worker started" (bounded by `readyWithinMs`). */
export async function startChildWorker(opts: {
  address: string;
  taskQueue: string;
  /** The secrets the activities need, e.g. the Linode token under the fleet's token variable. */
  env: Record<string, string>;
  readyWithinMs?: number;
}): Promise<ChildWorker> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', path.join(PROJECT_DIR, 'src/worker.ts')],
    {
      cwd: PROJECT_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...opts.env,
        TEMPORAL_ADDRESS: opts.address,
        NSDEPLOY_TASK_QUEUE: opts.taskQueue,
        LOG_LEVEL: 'info', // "worker started" is an info line
      },
    },
  );
  let out = '';
  let ready = false;
  const keep = (chunk: Buffer) => {
    const text = out.slice(-200) + chunk.toString('utf8'); // the line may straddle two chunks
    ready ||= /"msg":"worker started"/.test(text);
    out = (out + chunk.toString('utf8')).slice(-OUTPUT_KEPT);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const pid = child.pid;
  if (pid === undefined) throw new Error('the worker process did not start');

  const worker: ChildWorker = {
    pid,
    identity: `${pid}@${os.hostname()}`,
    kill: async () => {
      if (!gone()) process.kill(pid, 'SIGKILL');
      return exited;
    },
    stop: async () => {
      if (gone()) return;
      process.kill(pid, 'SIGTERM');
      const late = setTimeout(() => !gone() && process.kill(pid, 'SIGKILL'), 30_000);
      await exited;
      clearTimeout(late);
    },
    output: () => out,
  };

  const readyWithinMs = opts.readyWithinMs ?? 120_000;
  const deadline = Date.now() + readyWithinMs;
  while (!ready) {
    if (gone()) throw new Error(`the worker exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      await worker.stop();
      throw new Error(`the worker was not ready within ${readyWithinMs / 1000} s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return worker;
}
