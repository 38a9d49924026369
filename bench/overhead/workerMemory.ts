// Overhead part (c): a worker process's memory while it runs NS deploys at once. The worker is
// bench/overhead/deployWorker.ts (src/worker.ts' shape, fake fleet activities), run as production
// runs src/worker.ts (compiled JavaScript, the workflow bundle built ahead), as `npm run
// worker:dev` does (ts-node, the workflows bundled by webpack at start-up), and in between.
import execa from 'execa';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { nsBlueGreen } from '../../src/workflows';
import type { NsDeployInput } from '../../src/shared';
import { writeWorkflowBundle } from '../../src/temporal/workflowCode';
import { LAB_FLEET } from '../../testkit/fakeFleet';
import { devServerFlags, PROJECT_DIR } from '../../testkit/temporalTools';
import { devServer, round } from './common';

/**
 * `compiled`: as production runs src/worker.ts (tsc output, the workflow bundle built ahead);
 * `compiled-bundling`: the same but webpack bundles the workflows at start-up (webpack's part);
 * `ts-node`: as `npm run worker:dev` runs it (ts-node, webpack at start-up).
 */
export type WorkerShape = 'compiled' | 'compiled-bundling' | 'ts-node';

export interface WorkerMemoryOptions {
  /** NS deploys started at once. */
  deploys: number;
  /** The deploys' soak (real time on the dev server). */
  soakMs: number;
  say: (s: string) => void;
}

function procStatus(pid: number): Record<string, number> {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (k: string) => Number(text.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
  return {
    VmHWM: kib('VmHWM'),
    VmRSS: kib('VmRSS'),
    RssAnon: kib('RssAnon'),
    RssFile: kib('RssFile'),
    Threads: Number(text.match(/^Threads:\s+(\d+)/m)?.[1] ?? NaN),
  };
}
const mib = (kib: number) => round(kib / 1024, 1);

/**
 * The production shape, built as `npm run build` builds it, into a directory of its own under
 * dist/ (so node finds node_modules): the deploy worker and what it imports compiled by tsc with
 * the project's compiler options, and the workflow bundle written by the build's own function
 * beside the compiled src/ (where src/temporal/workflowCode.ts looks for it). Returns the worker's
 * command line.
 */
async function buildCompiledWorker(outDir: string): Promise<string[]> {
  fs.rmSync(outDir, { recursive: true, force: true });
  const tsc = require.resolve('typescript/bin/tsc');
  await execa(process.execPath, [tsc, '-p', path.join(__dirname, 'tsconfig.json'), '--outDir', outDir]);
  await writeWorkflowBundle(path.join(outDir, 'workflow-bundle.js'));
  return [path.join(outDir, 'bench', 'overhead', 'deployWorker.js')];
}

export async function workerMemory(shape: WorkerShape, o: WorkerMemoryOptions) {
  const outDir = path.join(PROJECT_DIR, 'dist', 'overhead-bench');
  const args =
    shape === 'ts-node'
      ? ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'deployWorker.ts')]
      : await buildCompiledWorker(outDir);
  const env = await devServer(devServerFlags());
  const taskQueue = `overhead-deploy-${shape}`;
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_DIR,
    env: {
      ...process.env,
      OVERHEAD_ADDRESS: env.address,
      OVERHEAD_TASK_QUEUE: taskQueue,
      ...(shape === 'compiled-bundling' && { OVERHEAD_BUNDLE_AT_START: '1' }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const pid = child.pid!;
    const started = Date.now();
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the deploy worker did not start within 120 s')), 120_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (/^ready/m.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then((code) => reject(new Error(`the deploy worker exited (${code}) before it was ready`)));
    });
    const startUpSeconds = round((Date.now() - started) / 1000, 1);
    const atReady = procStatus(pid);
    // Reset the high-water mark to the current RSS (Linux ≥ 4.0), so what follows is the deploys' peak.
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const samples: number[] = [];
    const sampler = setInterval(() => {
      if (samples.length < 20_000) samples.push(procStatus(pid).VmRSS);
    }, 100);
    const input: NsDeployInput = {
      ...LAB_FLEET,
      policies: {
        approval: { beforeCutover: false, timeoutMs: 30 * 60_000, onTimeout: 'abort' },
        soakMs: o.soakMs,
        gate: { transports: ['udp', 'tcp'], concurrency: 16 },
        oldServersMaxMs: 60_000,
      },
    };
    const t0 = Date.now();
    let deploys: { seconds: number; outcome: string; events: number }[];
    try {
      deploys = await Promise.all(
        Array.from({ length: o.deploys }, async (_, i) => {
          const workflowId = `lab/deploy-overhead-${shape}-${i + 1}`;
          const r = await env.client.workflow.execute(nsBlueGreen, {
            taskQueue,
            workflowId,
            args: [input],
            workflowExecutionTimeout: '10m',
          });
          const events = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events?.length ?? 0;
          return { seconds: round((Date.now() - t0) / 1000, 1), outcome: r.outcome, events };
        }),
      );
    } finally {
      clearInterval(sampler);
    }
    const afterDeploys = procStatus(pid);
    o.say(
      `  ${shape}: ${deploys.map((d) => `${d.outcome} in ${d.seconds} s (${d.events} events)`).join(', ')}; ` +
        `RSS now ${mib(afterDeploys.VmRSS)} MiB`,
    );
    return {
      shape,
      command: ['node', ...args.map((a) => path.relative(PROJECT_DIR, a) || a)].join(' '),
      workflowCode: /prebuilt bundle/.test(out) ? 'prebuilt bundle' : 'bundled at start',
      deploys,
      startUp: {
        seconds: startUpSeconds,
        peakMiB: mib(atReady.VmHWM),
        rssAtReadyMiB: mib(atReady.VmRSS),
        threads: atReady.Threads,
      },
      duringDeploys: {
        peakMiB: mib(afterDeploys.VmHWM),
        sampledMaxRssMiB: mib(Math.max(...samples)),
        samples: samples.length,
        rssAfterMiB: mib(afterDeploys.VmRSS),
        rssAnonAfterMiB: mib(afterDeploys.RssAnon),
        rssFileAfterMiB: mib(afterDeploys.RssFile),
        threads: afterDeploys.Threads,
      },
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    await env.teardown();
    if (shape !== 'ts-node') fs.rmSync(outDir, { recursive: true, force: true });
  }
}

export const WORKER_MEMORY_MEASURED =
  'a worker process shaped like src/worker.ts (NativeConnection, the workflow code from ' +
  'src/temporal/workflowCode.ts) whose activities are the fake fleet of the workflow tests ' +
  '(testkit/fakeFleet.ts: in memory, instant; a fleet per workflow), running NS blue-green deploys ' +
  '(src/workflows/nsBlueGreen.ts) at once on a private dev server; `compiled` = as production runs ' +
  'it (tsc output, the workflow bundle built ahead as `npm run build` does), `compiled-bundling` = ' +
  'the same but webpack bundles the workflows at start-up, `ts-node` = as `npm run worker:dev` runs ' +
  'it (ts-node, webpack at start-up). Peak = /proc/<pid>/status ' +
  'VmHWM, reset to the current RSS (clear_refs 5) once the worker was ready, so startUp.peakMiB and ' +
  'duringDeploys.peakMiB are apart. Real activities (SSH, Ansible, DNS) would add their own memory.';
