// The Saga (src/workflows/lib/saga.ts) on its own, in a small test workflow (sagaWorkflows.ts)
// on the time-skipping server: newest first, commit() forgets, a failing compensation does not
// stop the others unless registered with stopOnFailure (then the older ones stay pending), and
// a cancellation that arrives while a compensation runs does not cut any of them short.
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import path from 'node:path';
import { timeSkippingPerTest } from '../helpers/temporalEnv';
import { sagaCompensate, sagaReportQuery, type SagaActivities, type SagaPlan, type SagaReport } from './sagaWorkflows';

const HOUR = 3_600_000;
let seq = 0;

const t = timeSkippingPerTest(path.join(__dirname, 'sagaWorkflows.ts'));

type Handle = WorkflowHandle<typeof sagaCompensate>;

/** Runs one plan; `during` runs while the workflow does (before time skipping starts). */
async function compensate(
  plan: SagaPlan,
  opts: { activities?: SagaActivities; during?: (h: Handle) => Promise<void> } = {},
): Promise<SagaReport> {
  const taskQueue = `saga-${++seq}`;
  const activities = opts.activities ?? { undoActivity: async () => undefined };
  const worker = await Worker.create({
    connection: t.env().nativeConnection,
    taskQueue,
    workflowBundle: t.bundle(),
    activities,
  });
  return worker.runUntil(async () => {
    const handle = await t.env().client.workflow.start(sagaCompensate, {
      taskQueue,
      workflowId: `saga-${seq}`,
      args: [plan],
    });
    await opts.during?.(handle);
    return handle.result();
  });
}

const steps = (...names: string[]) => names.map((name) => ({ name }));

test('compensations run newest first', async () => {
  const r = await compensate({ steps: steps('create a', 'create b', 'create c') });
  expect(r.pendingBefore).toEqual(['create a', 'create b', 'create c']);
  expect(r.ran).toEqual(['create c', 'create b', 'create a']);
  expect(r.reported).toEqual(['create c', 'create b', 'create a']);
  expect(r.pendingAfter).toEqual([]);
});

test('commit() forgets every compensation registered before it', async () => {
  const r = await compensate({ steps: steps('a', 'b', 'c'), commitAfter: 2 });
  expect(r.pendingBefore).toEqual(['c']);
  expect(r.ran).toEqual(['c']);

  const all = await compensate({ steps: steps('a', 'b'), commitAfter: 2 });
  expect(all).toMatchObject({ pendingBefore: [], ran: [], reported: [], compensated: true });
});

test('a failing compensation does not stop the older ones', async () => {
  const r = await compensate({ steps: [{ name: 'a' }, { name: 'b', fails: true }, { name: 'c' }] });
  expect(r.reported).toEqual(['c', 'b: b broke', 'a']);
  expect(r.ran).toEqual(['c', 'a']);
  expect(r.pendingAfter).toEqual([]);
});

test('a failing stopOnFailure compensation stops the older ones, which stay pending', async () => {
  const r = await compensate({
    steps: [{ name: 'a' }, { name: 'b' }, { name: 'c', fails: true, stopOnFailure: true }, { name: 'd' }],
  });
  expect(r.reported).toEqual(['d', 'c: c broke']);
  expect(r.ran).toEqual(['d']);
  expect(r.pendingAfter).toEqual(['a', 'b']);
});

test('a stopOnFailure compensation that succeeds stops nothing', async () => {
  const r = await compensate({ steps: [{ name: 'a' }, { name: 'b', stopOnFailure: true }, { name: 'c' }] });
  expect(r.ran).toEqual(['c', 'b', 'a']);
  expect(r.pendingAfter).toEqual([]);
});

test('compensation is non-cancellable: cancelled while one runs, every compensation still finishes', async () => {
  let started!: () => void;
  const activityStarted = new Promise<void>((resolve) => (started = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const calls: string[] = [];
  const r = await compensate(
    { steps: [{ name: 'a' }, { name: 'b', activityThenSleepMs: HOUR }, { name: 'c' }] },
    {
      activities: {
        undoActivity: async (name) => {
          calls.push(name);
          started();
          await released; // in flight until the cancellation has reached the workflow
        },
      },
      during: async (h) => {
        try {
          await activityStarted;
          await h.cancel();
          // The workflow has seen the cancellation while b's activity is still running.
          const deadline = Date.now() + 30_000;
          let seen = await h.query(sagaReportQuery);
          while (!seen.cancelRequested && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            seen = await h.query(sagaReportQuery);
          }
          expect(seen).toMatchObject({ cancelRequested: true, ran: ['c'], compensated: false });
        } finally {
          release(); // (also when an expectation failed: the worker must be able to shut down)
        }
        // Then b sleeps an hour (time skipping, once the result is awaited): not cancelled either.
      },
    },
  );
  expect(calls).toEqual(['b']);
  expect(r.cancelRequested).toBe(true);
  expect(r.ran).toEqual(['c', 'b: activity done', 'b', 'a']);
  expect(r.reported).toEqual(['c', 'b', 'a']);
  expect(r.pendingAfter).toEqual([]);
});
