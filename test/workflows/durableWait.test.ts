// The extendable wait across three days of workflow time, on the time-skipping test server.
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { changeWaitUpdate, DEPLOY_PHASE, waitStatusQuery } from '../../src/shared';
import { durableWait } from '../../src/workflows';
import { bundleWorkflows, createTimeSkippingEnv } from '../../testkit/temporalEnv';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const TASK_QUEUE = 'durable-wait-test';

let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  workflowBundle = await bundleWorkflows();
});

afterAll(async () => {
  await env?.teardown();
});

async function withWorker<T>(fn: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: TASK_QUEUE, workflowBundle });
  return worker.runUntil(fn);
}

function start(id: string, durationMs = 3 * DAY) {
  return env.client.workflow.start(durableWait, {
    taskQueue: TASK_QUEUE,
    workflowId: id,
    args: [{ fleet: 'lab', label: 'drain of lb1, lb2', durationMs }],
  });
}

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    return String((err as WorkflowUpdateFailedError).cause?.message);
  }
  throw new Error('expected the update to be rejected');
}

test('waits three days of workflow time, in well under a minute of wall time', async () => {
  const wallStart = Date.now();
  const result = await withWorker(async () => {
    const handle = await start('wait-plain');
    const startedAt = await env.currentTimeMs();
    const status = await handle.query(waitStatusQuery);
    expect(status?.done).toBe(false);
    expect(Date.parse(status!.end) - Date.parse(status!.startedAt)).toBe(3 * DAY);
    const r = await handle.result();
    expect((await env.currentTimeMs()) - startedAt).toBeGreaterThanOrEqual(3 * DAY);
    const desc = await handle.describe();
    expect(desc.typedSearchAttributes.get(DEPLOY_PHASE)).toBe('done');
    return r;
  });
  expect(result.done).toBe(true);
  expect(result.changes).toEqual([]);
  expect(Date.now() - wallStart).toBeLessThan(30_000);
});

test('extends, rejects bad or unforced shortening, force-shortens, and ends at the final deadline', async () => {
  await withWorker(async () => {
    const handle = await start('wait-moves');
    const first = await handle.query(waitStatusQuery);
    const plannedEnd = Date.parse(first!.plannedEnd);

    await env.sleep(DAY);
    const afterOneDay = await handle.query(waitStatusQuery);
    // Workflow time advances when the workflow wakes (at least hourly), so the figure is
    // at most an hour stale: between 2 days and 2 days + 1 hour.
    expect(afterOneDay!.remainingMs).toBeGreaterThanOrEqual(2 * DAY);
    expect(afterOneDay!.remainingMs).toBeLessThanOrEqual(2 * DAY + HOUR);
    expect(Date.parse(afterOneDay!.asOf)).toBeGreaterThan(Date.parse(first!.asOf) + DAY - HOUR);

    // Extend by a day: accepted, the new end is reported back.
    const extended = await handle.executeUpdate(changeWaitUpdate, {
      args: [{ extendBy: '1d', reason: 'registrar slow' }],
    });
    expect(Date.parse(extended.end)).toBe(plannedEnd + DAY);
    expect(extended.changes).toHaveLength(1);

    // Rejected updates name the problem and change nothing.
    expect(await rejection(handle.executeUpdate(changeWaitUpdate, { args: [{ extendBy: '-12h' }] }))).toMatch(
      /shorten .*needs force: true/,
    );
    expect(await rejection(handle.executeUpdate(changeWaitUpdate, { args: [{ extendBy: 'three days' }] }))).toMatch(
      /extendBy: "three days" is not a duration/,
    );
    expect(await rejection(handle.executeUpdate(changeWaitUpdate, { args: [{ until: 'tomorrow' }] }))).toMatch(
      /until: "tomorrow" is not an ISO 8601 time/,
    );
    expect(
      await rejection(
        handle.executeUpdate(changeWaitUpdate, { args: [{ extendBy: '1d', until: '2030-01-01T00:00:00Z' }] }),
      ),
    ).toMatch(/exactly one of extendBy/);
    expect(await rejection(handle.executeUpdate(changeWaitUpdate, { args: [{ extendBy: '400d' }] }))).toMatch(
      /beyond the longest allowed wait of 30d/,
    );
    const unchanged = await handle.query(waitStatusQuery);
    expect(unchanged!.end).toBe(extended.end);
    expect(unchanged!.changes).toHaveLength(1);

    // Shortening with force is accepted and recorded as forced.
    const forcedEnd = plannedEnd + 12 * HOUR;
    const shortened = await handle.executeUpdate(changeWaitUpdate, {
      args: [{ until: new Date(forcedEnd).toISOString(), force: true, reason: 'all parents verified' }],
    });
    expect(shortened.changes[1]).toMatchObject({ forced: true, reason: 'all parents verified' });

    const result = await handle.result();
    expect(result.done).toBe(true);
    expect(result.end).toBe(new Date(forcedEnd).toISOString());
    expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(forcedEnd);
    expect(await env.currentTimeMs()).toBeLessThan(forcedEnd + HOUR);

    // Once ended, nothing can move it any more.
    await expect(handle.executeUpdate(changeWaitUpdate, { args: [{ extendBy: '1h' }] })).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
  });
});
