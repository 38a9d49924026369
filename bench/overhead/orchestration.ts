// Overhead part (a): what Temporal's orchestration costs per activity. A ladder of set-ups, each
// on its own private dev server with a worker in this process, from Temporal's defaults to
// nsdeploy's shape, one change per rung, so each change's cost or saving stands apart.
import { Client, type WorkflowHandle } from '@temporalio/client';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import crypto from 'node:crypto';
import { dataConverter } from '../../src/codec';
import { devServerFlags, type DevServerFlag } from '../../testkit/temporalTools';
import type { OverheadActivities, OverheadCalls } from '../workflows/overheadWorkflow';
import { cpuMs, devServer, devServerPid, median, msSince, round } from './common';

/**
 * Which of temporal-dev/dev-server.flags a rung's dev server gets: none (the CLI's start-dev as it
 * comes), all, or those whose value starts with one of `only` / none of `except`.
 */
type FlagChoice = 'none' | 'all' | { only: string[] } | { except: string[] };

export interface Rung {
  name: string;
  what: string;
  storage: 'memory' | 'sqlite';
  flags: FlagChoice;
  calls: OverheadCalls;
  /** Payload encryption (src/codec's data converter, as src/worker.ts uses it when keys are configured). */
  encryption: boolean;
  /** Fewer timed rounds for the slow rungs (Temporal's defaults), to keep the benchmark short. */
  rounds?: number;
}

const nsdeployWorker = { calls: 'steps', encryption: true } as const;

export const RUNGS: Rung[] = [
  {
    name: 'temporal-defaults',
    what:
      "the CLI's dev server as it comes; a worker with the SDK's defaults; " +
      'activities with a start-to-close timeout only',
    storage: 'memory',
    flags: 'none',
    calls: 'minimal',
    encryption: false,
    rounds: 3,
  },
  {
    name: 'transfer-reads',
    what: '+ history.transferProcessorMaxPollRPS=1000 (dev-server.flags)',
    storage: 'memory',
    flags: { only: ['history.transferProcessorMaxPollRPS'] },
    calls: 'minimal',
    encryption: false,
  },
  {
    name: 'dev-server-flags',
    what:
      '+ system.enableActivityEagerExecution=true: all of dev-server.flags ' +
      '(its SQLite pragma does nothing in memory)',
    storage: 'memory',
    flags: 'all',
    calls: 'minimal',
    encryption: false,
  },
  {
    name: 'steps',
    what:
      "+ nsdeploy's activity options (src/workflows/lib/steps.ts quick: timeout, retry policy) " +
      'and a summary per call',
    storage: 'memory',
    flags: 'all',
    calls: 'steps',
    encryption: false,
  },
  {
    name: 'nsdeploy',
    what: "+ payload encryption (AES-GCM payload codec, client and worker): nsdeploy's worker and calls",
    storage: 'memory',
    flags: 'all',
    ...nsdeployWorker,
  },
  {
    name: 'sqlite-temporal-defaults',
    what: "nsdeploy's worker and calls on the CLI's dev server as it comes, on a SQLite file",
    storage: 'sqlite',
    flags: 'none',
    ...nsdeployWorker,
    rounds: 3,
  },
  {
    name: 'sqlite-without-wal',
    what: "+ dev-server.flags' dynamic config, not its SQLite pragma",
    storage: 'sqlite',
    flags: { except: ['journal_mode'] },
    ...nsdeployWorker,
  },
  {
    name: 'sqlite-nsdeploy',
    what: '+ the SQLite pragma (write-ahead log): the dev server as temporal-dev/start runs it',
    storage: 'sqlite',
    flags: 'all',
    ...nsdeployWorker,
  },
];

function flagsOf(choice: FlagChoice): DevServerFlag[] {
  if (choice === 'none') return [];
  const all = devServerFlags();
  if (choice === 'all') return all;
  const matches = (value: string, prefixes: string[]) => prefixes.some((p) => value.startsWith(p));
  return 'only' in choice
    ? all.filter(([, value]) => matches(value, choice.only))
    : all.filter(([, value]) => !matches(value, choice.except));
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/**
 * Where the time of a sequential run went, from the server's event times (median ms per activity):
 * a task waiting to be handed to the worker (scheduled → started), and the worker's turn with it
 * (started → completed, which includes the worker's answer reaching the server).
 */
function phases(events: HistoryEvent[]) {
  const at = (e: HistoryEvent) => Number(e.eventTime!.seconds) * 1000 + (e.eventTime!.nanos ?? 0) / 1e6;
  const gaps = { activityDispatch: [], activityRun: [], workflowTaskDispatch: [], workflowTaskRun: [] } as Record<
    'activityDispatch' | 'activityRun' | 'workflowTaskDispatch' | 'workflowTaskRun',
    number[]
  >;
  const since = { activity: 0, workflowTask: 0 }; // when the current task was scheduled, then started
  for (const e of events) {
    const t = at(e);
    if (e.activityTaskScheduledEventAttributes) since.activity = t;
    else if (e.workflowTaskScheduledEventAttributes) since.workflowTask = t;
    else if (e.activityTaskStartedEventAttributes) {
      gaps.activityDispatch.push(t - since.activity);
      since.activity = t;
    } else if (e.activityTaskCompletedEventAttributes) gaps.activityRun.push(t - since.activity);
    else if (e.workflowTaskStartedEventAttributes) {
      gaps.workflowTaskDispatch.push(t - since.workflowTask);
      since.workflowTask = t;
    } else if (e.workflowTaskCompletedEventAttributes) gaps.workflowTaskRun.push(t - since.workflowTask);
  }
  return Object.fromEntries(Object.entries(gaps).map(([k, xs]) => [`${k}Ms`, round(median(xs))]));
}

export interface OrchestrationOptions {
  activities: number;
  rounds: number;
  /** bench/workflows/overheadWorkflow.ts, bundled. */
  bundle: WorkflowBundleWithSourceMap;
  /** A fresh SQLite file per rung. */
  dbFile: (rung: string) => string;
}

export async function measureRung(rung: Rung, o: OrchestrationOptions) {
  const flags = flagsOf(rung.flags);
  const env = await devServer(flags, rung.storage === 'sqlite' ? o.dbFile(rung.name) : undefined);
  try {
    const converter = rung.encryption
      ? dataConverter({ NSDEPLOY_CODEC_KEY: crypto.randomBytes(32).toString('base64'), NSDEPLOY_CODEC_KEY_ID: 'bench' })
      : undefined;
    const client = new Client({ connection: env.connection, dataConverter: converter });
    const taskQueue = `overhead-${rung.name}`;
    const activities: OverheadActivities = { noop: async (i) => i };
    // The SDK's defaults but the dataConverter, as src/worker.ts sets none either.
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      activities,
      workflowBundle: o.bundle,
      dataConverter: converter,
    });
    return await worker.runUntil(async () => {
      const n = o.activities;
      let seq = 0;
      const time = async (workflow: 'overheadSequential' | 'overheadParallel', count: number) => {
        const t0 = process.hrtime.bigint();
        const sum = await client.workflow.execute(workflow, {
          taskQueue,
          workflowId: `overhead-${rung.name}-${workflow}-${++seq}`,
          args: [count, rung.calls],
        });
        const expected = (count * (count - 1)) / 2;
        if (sum !== expected) throw new Error(`${workflow}(${count}) returned ${sum}, not ${expected}`);
        return msSince(t0);
      };
      await time('overheadSequential', 10); // warm-up: worker, workflow cache, JIT
      await time('overheadParallel', 10);
      const empty: number[] = [];
      const sequential: number[] = [];
      const parallel: number[] = [];
      // CPU time during the sequential runs: the dev server's, and this process's (worker and client).
      const serverPid = devServerPid(env.address);
      const cpu = { devServer: 0, benchProcess: 0 };
      for (let r = 0; r < (rung.rounds ?? o.rounds); r++) {
        empty.push(await time('overheadSequential', 0));
        const [server0, self0] = [cpuMs(serverPid), cpuMs(process.pid)];
        sequential.push(await time('overheadSequential', n));
        cpu.devServer += cpuMs(serverPid) - server0;
        cpu.benchProcess += cpuMs(process.pid) - self0;
        parallel.push(await time('overheadParallel', n));
      }
      const lastSequential = client.workflow.getHandle(`overhead-${rung.name}-overheadSequential-${seq - 1}`);
      const history = await lastSequential.fetchHistory();
      const emptyMs = median(empty);
      const seqMs = median(sequential);
      const parMs = median(parallel);
      return {
        ...rung,
        devServerFlags: flags.map(([flag, value]) => `${flag} ${value}`),
        activities: n,
        emptyWorkflowMs: round(emptyMs, 1),
        sequential: {
          wallMsPerRound: sequential.map((x) => round(x, 1)),
          medianWallMs: round(seqMs, 1),
          msPerActivity: round(seqMs / n),
          msPerActivityBeyondEmptyWorkflow: round((seqMs - emptyMs) / n),
          activitiesPerSecond: Math.round(n / (seqMs / 1000)),
          phasesOfLastRound: phases(history.events ?? []),
          cpuMsPerActivity: {
            devServer: round(cpu.devServer / (sequential.length * n)),
            workerAndClient: round(cpu.benchProcess / (sequential.length * n)),
          },
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

export const ORCHESTRATION_MEASURED =
  "wall time from the client's start to its result of a workflow running N no-op activities " +
  '(bench/workflows/overheadWorkflow.ts), in sequence and all at once, on a private dev server (the ' +
  "project's temporal CLI, start-dev, a free port) with one worker in this process; median of the rounds " +
  'after a warm-up. Each rung has its own dev server and changes one thing from the rung before (its `what`).';
