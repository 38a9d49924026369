// TestWorkflowEnvironment.createLocal runs the CLI we built (no download), with the search
// attributes registered, so end-to-end tests can use a real dev server in one line.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { DEPLOY_PHASE, FLEET } from '../../src/shared';
import { durableWait } from '../../src/workflows';
import { bundleWorkflows, createLocalEnv } from '../../testkit/temporalEnv';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createLocalEnv();
});
afterAll(async () => {
  await env?.teardown();
});

test('a short durable wait runs to the end on the local dev server and sets its search attributes', async () => {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'local-env',
    workflowBundle: await bundleWorkflows(),
  });
  const started = Date.now();
  const result = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(durableWait, {
      taskQueue: 'local-env',
      workflowId: 'local-env-wait',
      args: [{ fleet: 'lab', label: 'one second', durationMs: 1000 }],
    });
    const r = await handle.result();
    const attrs = (await handle.describe()).typedSearchAttributes;
    expect(attrs.get(FLEET)).toBe('lab');
    expect(attrs.get(DEPLOY_PHASE)).toBe('done');
    return r;
  });
  expect(result.done).toBe(true);
  // Real time, not skipped: the timer really took about a second.
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
});
