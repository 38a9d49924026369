// Overhead part (b): how long a stored history takes to replay against the current workflow code.
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { loadStoredHistory } from '../../testkit/histories';
import { median, msSince, round } from './common';

export async function replayTimes(bundle: WorkflowBundleWithSourceMap, file: string, replays: number) {
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
    if (i > 0) alone.push(msSince(t0));
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
    if (i++ > 0) inOne.push(msSince(t));
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

export const REPLAY_MEASURED =
  'Worker.runReplayHistory (a replay worker per replay) and Worker.runReplayHistories (one replay worker, ' +
  'as test/replay does) of each stored history against the current src/workflows bundle; median after a warm-up';
