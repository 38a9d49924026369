// overhead: what Temporal costs nsdeploy, apart from the work itself.
//   (a) orchestration per activity (overhead/orchestration.ts): N no-op activities in sequence and
//       at once, on a ladder of set-ups from Temporal's defaults to nsdeploy's (dev server flags,
//       activity options, payload encryption), in memory and on SQLite, each on a private dev server;
//   (b) replay (overhead/replay.ts): every stored history (test/histories/) replayed against the
//       current workflow code as the replay test does, median of several;
//   (c) worker memory (overhead/workerMemory.ts): peak RSS (VmHWM) of a real worker process
//       (overhead/deployWorker.ts, src/worker.ts' shape, fake fleet activities) while it runs NS
//       deploys at once, as production runs it (compiled, prebuilt bundle), as worker:dev does
//       (ts-node, webpack at start-up), and compiled with webpack at start-up.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflows } from '../testkit/temporalEnv';
import { storedHistoryFiles } from '../testkit/histories';
import type { Benchmark } from './lib/benchmark';
import { round } from './overhead/common';
import { measureRung, ORCHESTRATION_MEASURED, RUNGS } from './overhead/orchestration';
import { replayTimes, REPLAY_MEASURED } from './overhead/replay';
import { workerMemory, WORKER_MEMORY_MEASURED } from './overhead/workerMemory';

export interface OverheadOptions {
  /** Activities per workflow in (a). */
  activities: number;
  /** Timed workflows per rung in (a) (after one untimed warm-up). */
  rounds: number;
  /** Replays per history in (b) (after one untimed warm-up). */
  replays: number;
  /** NS deploys the worker of (c) runs at once. */
  deploys: number;
  /** The deploys' soak (real time on the dev server). */
  soakMs: number;
  say: (s: string) => void;
}

export async function overheadBenchmark(o: OverheadOptions) {
  const loadAtStart = os.loadavg().map((x) => round(x));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-bench-overhead-'));
  try {
    o.say(`(a) ${o.activities} no-op activities in sequence and at once, ${o.rounds} rounds per rung`);
    const bundle = await bundleWorkflows(path.join(__dirname, 'workflows/overheadWorkflow.ts'));
    const rungs = [];
    for (const rung of RUNGS) {
      const r = await measureRung(rung, {
        activities: o.activities,
        rounds: o.rounds,
        bundle,
        dbFile: (name) => path.join(dir, `${name}.db`),
      });
      o.say(
        `  ${rung.name} (${rung.storage}): ${r.sequential.msPerActivity} ms per activity in sequence ` +
          `(${r.sequential.msPerActivityBeyondEmptyWorkflow} beyond an empty workflow's ${r.emptyWorkflowMs} ms), ` +
          `${r.parallel.msPerActivity} ms at once`,
      );
      rungs.push(r);
    }

    o.say(`(b) replaying the stored histories, ${o.replays} times each`);
    const workflows = await bundleWorkflows();
    const replay = [];
    for (const f of storedHistoryFiles()) {
      const r = await replayTimes(workflows, f, o.replays);
      o.say(
        `  ${f}: ${r.events} events, ${r.ownReplayWorker.medianMs} ms on its own replay worker, ` +
          `${r.sharedReplayWorker.medianMs} ms on a shared one`,
      );
      replay.push(r);
    }

    o.say(`(c) worker peak RSS: ${o.deploys} NS deploys at once against fake fleets, soak ${o.soakMs / 1000} s`);
    const memory = [];
    for (const shape of ['compiled', 'compiled-bundling', 'ts-node'] as const) {
      const m = await workerMemory(shape, o);
      o.say(
        `  ${shape}: start-up peak ${m.startUp.peakMiB} MiB, peak during the deploys ${m.duringDeploys.peakMiB} MiB`,
      );
      memory.push(m);
    }

    return {
      orchestration: { measured: ORCHESTRATION_MEASURED, rungs },
      replay: { measured: REPLAY_MEASURED, histories: replay },
      workerMemory: { measured: WORKER_MEMORY_MEASURED, shapes: memory },
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
    "Temporal's cost to nsdeploy: orchestration per activity on a local dev server (Temporal's defaults to " +
    "nsdeploy's set-up), replay time of the stored histories, the worker's peak RSS during NS deploys at once",
  async run(say) {
    const f = await overheadBenchmark({ ...PARAMETERS, say });
    const rung = (name: string) => f.orchestration.rungs.find((r) => r.name === name)!;
    const [mem, sql, before] = [rung('nsdeploy'), rung('sqlite-nsdeploy'), rung('temporal-defaults')];
    const lb = f.replay.histories.find((h) => h.workflowType === 'lbReplacement') ?? f.replay.histories[0];
    const shape = (name: string) => f.workerMemory.shapes.find((s) => s.shape === name)!;
    const [compiled, tsNode] = [shape('compiled'), shape('ts-node')];
    return {
      parameters: PARAMETERS,
      figures: f,
      summary:
        `${mem.sequential.msPerActivity} ms per activity in sequence (SQLite ${sql.sequential.msPerActivity}; ` +
        `${before.sequential.msPerActivity} with Temporal's defaults), ` +
        `${mem.parallel.msPerActivity} ms with ${PARAMETERS.activities} at once; ` +
        `LB-replacement history (${lb.events} events) replays in ${lb.sharedReplayWorker.medianMs} ms ` +
        `(${lb.ownReplayWorker.medianMs} ms with its own replay worker); ` +
        `worker peak RSS ${compiled.duringDeploys.peakMiB} MiB during ${PARAMETERS.deploys} NS deploys at once ` +
        `(compiled, prebuilt bundle; fake activities), ${compiled.startUp.peakMiB} MiB at start-up; ` +
        `under ts-node with webpack at start ${tsNode.duringDeploys.peakMiB} and ${tsNode.startUp.peakMiB} MiB`,
    };
  },
};
