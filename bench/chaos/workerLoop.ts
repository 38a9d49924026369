// The chaos benchmarks' worker side: nsdeploy's workflows bundled with the kill interceptor,
// and a loop that keeps one chaos worker process (bench/chaos/worker.ts) running — one that
// dies is replaced at once after a SIGKILL, after a pause otherwise (the server may be down).
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** Writes the bundle to `dir` and returns its path. */
export async function bundleWithKillInterceptor(dir: string): Promise<string> {
  const bundle = await bundleWorkflowCode({
    workflowsPath: path.join(ROOT, 'src/workflows'),
    workflowInterceptorModules: [path.join(__dirname, 'killInterceptor.ts')],
    logger: new DefaultLogger('WARN'),
  });
  const codePath = path.join(dir, 'bundle.js');
  fs.writeFileSync(codePath, bundle.code);
  return codePath;
}

export interface Kill {
  key: string;
  workflowId: string;
  activityType: string;
  seq: number;
  at: string;
}

export function readKills(killsFile: string): Kill[] {
  return fs.existsSync(killsFile)
    ? fs
        .readFileSync(killsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Kill)
    : [];
}

export interface WorkerLoopOptions {
  address: string;
  taskQueue: string;
  bundlePath: string;
  killsFile: string;
  /** Variables the worker's activities need (the Linode token's variable). */
  env: Record<string, string>;
  say: (s: string) => void;
  /** Pause before replacing a worker that died of something else than our SIGKILL. */
  pauseMs?: number;
  /** Bound on such restarts, so a worker that cannot start does not loop for ever. */
  maxOtherRestarts?: number;
}

export function workerLoop(o: WorkerLoopOptions) {
  let child: ChildProcess | undefined;
  let stopping = false;
  let kills = 0;
  let others = 0;
  let pending: NodeJS.Timeout | undefined;
  const start = () => {
    pending = undefined;
    const env = {
      ...process.env,
      ...o.env,
      CHAOS_ADDRESS: o.address,
      CHAOS_TASK_QUEUE: o.taskQueue,
      CHAOS_BUNDLE: o.bundlePath,
      CHAOS_KILLS_FILE: o.killsFile,
    };
    child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'worker.ts')], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('exit', (code, signal) => {
      if (stopping) return;
      if (signal === 'SIGKILL') {
        kills++;
        start();
        return;
      }
      others++;
      if (others > (o.maxOtherRestarts ?? 200)) {
        o.say(`worker exited (${signal ?? code}) ${others} times: not restarting it again`);
        return;
      }
      o.say(`worker exited (${signal ?? code}); restarting it in ${(o.pauseMs ?? 1000) / 1000} s`);
      pending = setTimeout(start, o.pauseMs ?? 1000);
    });
  };
  start();
  return {
    /** Deaths by SIGKILL (the kill points) and by anything else. */
    restarts: () => ({ kills, others }),
    stop: async () => {
      stopping = true;
      if (pending) clearTimeout(pending);
      const c = child;
      if (c && c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM');
        await new Promise((r) => c.once('exit', r));
      }
    },
  };
}
