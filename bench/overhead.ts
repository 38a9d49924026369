// overhead: what Temporal costs nsdeploy, apart from the work itself.
//   (a) orchestration per activity: a private dev server (the project's `temporal` CLI, free
//       port; in memory, and with a SQLite file as temporal-dev/start runs it) and a worker
//       running bench/workflows/overheadWorkflow.ts: N no-op activities in sequence, called
//       like nsdeploy's 'quick' steps; wall / N, also for N scheduled at once;
//   (b) replay: the stored LB-replacement history (test/histories/) replayed against the
//       current workflow code as the replay test does, median of several; the other stored
//       histories too;
//   (c) worker memory: peak RSS (VmHWM) of a real worker process (bench/overhead/deployWorker.ts,
//       src/worker.ts' shape, fake fleet activities) while it runs NS blue-green deploys on the
//       dev server; its start-up peak (webpack bundling) measured apart.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SEARCH_ATTRIBUTES, type NsDeployInput } from '../src/shared';
import { nsBlueGreen } from '../src/workflows';
import { LAB_FLEET } from '../testkit/fakeFleet';
import { loadStoredHistory, storedHistoryFiles } from '../testkit/histories';
import { bundleWorkflows } from '../testkit/temporalEnv';
import { temporalCliPath } from '../testkit/temporalTools';
import type { Benchmark } from './lib/benchmark';
import type { OverheadActivities } from './workflows/overheadWorkflow';

const ROOT = path.join(__dirname, '..');
const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

export interface OverheadOptions {
  /** Activities per workflow in (a). */
  activities: number;
  /** Timed workflows per mode in (a) (after one untimed warm-up). */
  rounds: number;
  /** Replays per history in (b) (after one untimed warm-up). */
  replays: number;
  /** NS deploys the worker of (c) runs, one after another. */
  deploys: number;
  /** The deploys' soak (real time on the dev server). */
  soakMs: number;
  say: (s: string) => void;
}

/** A private dev server: in memory, or on a SQLite file in a scratch dir. */
async function devServer(dbFile?: string): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: SEARCH_ATTRIBUTES,
      ip: '127.0.0.1',
      ...(dbFile && { dbFilename: dbFile }),
    },
  });
}

// ---- (a) orchestration per activity ----

async function orchestration(o: OverheadOptions, storage: 'memory' | 'sqlite', dir: string) {
  const env = await devServer(storage === 'sqlite' ? path.join(dir, 'temporal.db') : undefined);
  try {
    const taskQueue = `overhead-${storage}`;
    const activities: OverheadActivities = { noop: async (i) => i };
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      activities,
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: path.join(__dirname, 'workflows/overheadWorkflow.ts'),
        logger: new DefaultLogger('WARN'),
      }),
    });
    return await worker.runUntil(async () => {
      const n = o.activities;
      const expected = (n * (n - 1)) / 2;
      let seq = 0;
      const time = async (workflow: 'overheadSequential' | 'overheadParallel', count: number) => {
        const t0 = process.hrtime.bigint();
        const sum = await env.client.workflow.execute(workflow, {
          taskQueue,
          workflowId: `overhead-${storage}-${workflow}-${++seq}`,
          args: [count],
        });
        if (sum !== (count * (count - 1)) / 2)
          throw new Error(`${workflow}(${count}) returned ${sum}, not ${expected}`);
        return ms(t0);
      };
      await time('overheadSequential', 10); // warm-up: worker, workflow cache, JIT
      await time('overheadParallel', 10);
      const empty: number[] = [];
      const sequential: number[] = [];
      const parallel: number[] = [];
      for (let r = 0; r < o.rounds; r++) {
        empty.push(await time('overheadSequential', 0));
        sequential.push(await time('overheadSequential', n));
        parallel.push(await time('overheadParallel', n));
      }
      const emptyMs = median(empty);
      const seqMs = median(sequential);
      const parMs = median(parallel);
      return {
        storage,
        activities: n,
        emptyWorkflowMs: round(emptyMs, 1),
        sequential: {
          wallMsPerRound: sequential.map((x) => round(x, 1)),
          medianWallMs: round(seqMs, 1),
          msPerActivity: round(seqMs / n),
          msPerActivityBeyondEmptyWorkflow: round((seqMs - emptyMs) / n),
          activitiesPerSecond: Math.round(n / (seqMs / 1000)),
        },
        parallel: {
          wallMsPerRound: parallel.map((x) => round(x, 1)),
          medianWallMs: round(parMs, 1),
          msPerActivity: round(parMs / n),
          activitiesPerSecond: Math.round(n / (parMs / 1000)),
        },
      };
    });
  } finally {
    await env.teardown();
  }
}

// ---- (b) replay ----

async function replayTimes(bundle: WorkflowBundleWithSourceMap, file: string, replays: number) {
  const h = loadStoredHistory(file);
  const events = h.history.events ?? [];
  const at = (e: (typeof events)[number]) =>
    Number(e.eventTime!.seconds) * 1000 + Math.round((e.eventTime!.nanos ?? 0) / 1e6);
  const spanMs = at(events[events.length - 1]) - at(events[0]);
  const timers = events
    .filter((e) => e.timerStartedEventAttributes)
    .map((e) => Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds ?? 0));
  // Each replay on its own replay worker (Worker.runReplayHistory), as one-off checks do …
  const alone: number[] = [];
  for (let i = 0; i <= replays; i++) {
    const t0 = process.hrtime.bigint();
    await Worker.runReplayHistory({ workflowBundle: bundle, replayName: `bench-${i}` }, h.history, h.workflowId);
    if (i > 0) alone.push(ms(t0));
  }
  // … and many through one replay worker (Worker.runReplayHistories), as the replay test does.
  const inOne: number[] = [];
  let t = process.hrtime.bigint();
  let i = 0;
  for await (const r of Worker.runReplayHistories(
    { workflowBundle: bundle },
    Array.from({ length: replays + 1 }, () => h),
  )) {
    if (r.error) throw new Error(`replay of ${file} failed: ${r.error.message}`);
    if (i++ > 0) inOne.push(ms(t));
    t = process.hrtime.bigint();
  }
  const type = events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '?';
  return {
    file: `test/histories/${file}`,
    workflowType: type,
    events: events.length,
    workflowTimeSpanSeconds: round(spanMs / 1000, 1),
    longestTimerSeconds: timers.length ? Math.max(...timers) : 0,
    ownReplayWorker: {
      medianMs: round(median(alone), 1),
      minMs: round(Math.min(...alone), 1),
      maxMs: round(Math.max(...alone), 1),
      msPerEvent: round(median(alone) / events.length, 3),
    },
    sharedReplayWorker: {
      medianMs: round(median(inOne), 1),
      minMs: round(Math.min(...inOne), 1),
      maxMs: round(Math.max(...inOne), 1),
      msPerEvent: round(median(inOne) / events.length, 3),
    },
  };
}

// ---- (c) worker peak RSS during deploys ----

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

async function workerMemory(o: OverheadOptions) {
  const env = await devServer();
  const taskQueue = 'overhead-deploy';
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'overhead/deployWorker.ts')],
    {
      cwd: ROOT,
      env: { ...process.env, OVERHEAD_ADDRESS: env.address, OVERHEAD_TASK_QUEUE: taskQueue },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const pid = child.pid!;
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the deploy worker did not start within 120 s')), 120_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready\n')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then((code) => reject(new Error(`the deploy worker exited (${code}) before it was ready`)));
    });
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
    const deploys: { seconds: number; outcome: string; events: number }[] = [];
    try {
      for (let i = 1; i <= o.deploys; i++) {
        const t0 = Date.now();
        const workflowId = `lab/deploy-overhead-${i}`;
        const r = await env.client.workflow.execute(nsBlueGreen, {
          taskQueue,
          workflowId,
          args: [input],
          workflowExecutionTimeout: '10m',
        });
        const events = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events?.length ?? 0;
        deploys.push({ seconds: round((Date.now() - t0) / 1000, 1), outcome: r.outcome, events });
        o.say(
          `  deploy ${i}/${o.deploys}: ${r.outcome} in ${deploys[deploys.length - 1].seconds} s, ${events} events, RSS now ${mib(procStatus(pid).VmRSS)} MiB`,
        );
      }
    } finally {
      clearInterval(sampler);
    }
    const afterDeploys = procStatus(pid);
    return {
      measured:
        'a worker process shaped like src/worker.ts (NativeConnection, workflowsPath = src/workflows bundled ' +
        'at start, started with ts-node --transpile-only as `npm run worker` is) whose activities are the ' +
        'fake fleet of the workflow tests (testkit/fakeFleet.ts: in memory, instant), running NS blue-green ' +
        'deploys (src/workflows/nsBlueGreen.ts) one after another on a private dev server. Peak = ' +
        '/proc/<pid>/status VmHWM; reset to the current RSS (clear_refs 5) once the worker was ready, so ' +
        'startUpPeak (which includes webpack bundling the workflows) and duringDeploysPeak are apart. Real ' +
        'activities (SSH, Ansible, DNS) would add their own memory.',
      deploys,
      startUp: { peakMiB: mib(atReady.VmHWM), rssAtReadyMiB: mib(atReady.VmRSS), threads: atReady.Threads },
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
  }
}

export async function overheadBenchmark(o: OverheadOptions) {
  const loadAtStart = os.loadavg().map((x) => round(x));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-bench-overhead-'));
  try {
    const perActivity = [];
    for (const storage of ['memory', 'sqlite'] as const) {
      o.say(
        `(a) ${o.activities} no-op activities in sequence and at once, dev server ${storage === 'memory' ? 'in memory' : 'on a SQLite file'}, ${o.rounds} rounds`,
      );
      const r = await orchestration(o, storage, dir);
      o.say(
        `  ${r.sequential.msPerActivity} ms per activity in sequence (${r.sequential.msPerActivityBeyondEmptyWorkflow} beyond an empty workflow's ${r.emptyWorkflowMs} ms), ${r.parallel.msPerActivity} ms at once`,
      );
      perActivity.push(r);
    }

    o.say(`(b) replaying the stored histories, ${o.replays} times each`);
    const bundle = await bundleWorkflows();
    const files = storedHistoryFiles();
    const replay = [];
    for (const f of files) {
      const r = await replayTimes(bundle, f, o.replays);
      o.say(
        `  ${f}: ${r.events} events, ${r.ownReplayWorker.medianMs} ms on its own replay worker, ${r.sharedReplayWorker.medianMs} ms on a shared one`,
      );
      replay.push(r);
    }

    o.say(`(c) worker peak RSS: ${o.deploys} NS deploys against the fake fleet, soak ${o.soakMs / 1000} s`);
    const memory = await workerMemory(o);
    o.say(`  start-up peak ${memory.startUp.peakMiB} MiB, peak during the deploys ${memory.duringDeploys.peakMiB} MiB`);

    return {
      orchestration: {
        measured:
          "wall time from the client's start to its result of a workflow running N no-op activities (bench/workflows/overheadWorkflow.ts; options = src/workflows/lib/steps.ts quick + a summary per call), on a private dev server (the project's temporal CLI, start-dev) with one worker in this process (default worker settings); median of the rounds after a warm-up",
        perActivity,
      },
      replay: {
        measured:
          'Worker.runReplayHistory (a replay worker per replay) and Worker.runReplayHistories (one replay worker, as test/replay does) of each stored history against the current src/workflows bundle; median after a warm-up',
        histories: replay,
      },
      workerMemory: memory,
      loadAverageAtStart: loadAtStart,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const PARAMETERS = { activities: 200, rounds: 5, replays: 10, deploys: 3, soakMs: 10_000 };

export const benchmark: Benchmark = {
  name: 'overhead',
  description:
    "Temporal's cost to nsdeploy: orchestration per activity on a local dev server, replay time of the stored LB-replacement history, the worker's peak RSS during NS deploys",
  async run(say) {
    const f = await overheadBenchmark({ ...PARAMETERS, say });
    const mem = f.orchestration.perActivity.find((r) => r.storage === 'memory')!;
    const sql = f.orchestration.perActivity.find((r) => r.storage === 'sqlite')!;
    const lb = f.replay.histories.find((h) => h.workflowType === 'lbReplacement') ?? f.replay.histories[0];
    return {
      parameters: PARAMETERS,
      figures: f,
      summary:
        `${mem.sequential.msPerActivity} ms per activity in sequence (SQLite ${sql.sequential.msPerActivity}), ${mem.parallel.msPerActivity} ms with ${PARAMETERS.activities} at once; ` +
        `LB-replacement history (${lb.events} events) replays in ${lb.sharedReplayWorker.medianMs} ms (${lb.ownReplayWorker.medianMs} ms with its own replay worker); ` +
        `worker peak RSS ${f.workerMemory.duringDeploys.peakMiB} MiB during ${PARAMETERS.deploys} NS deploys (fake activities), ${f.workerMemory.startUp.peakMiB} MiB at start-up`,
    };
  },
};
