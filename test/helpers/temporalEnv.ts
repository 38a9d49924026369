// Temporal test environments for jest test files (the environments themselves: testkit/temporalEnv.ts).
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows, createTimeSkippingEnv } from '../../testkit/temporalEnv';

/**
 * For workflow test files: the workflow bundle once per file, and a fresh time-skipping test
 * server per test (a workflow left running by one case, e.g. a cancelled one whose activities
 * still finish, must not hold time skipping for the next). Read both through the getters.
 * `workflowsPath`: bundle these workflows instead of the worker's.
 */
export function timeSkippingPerTest(workflowsPath?: string): {
  env: () => TestWorkflowEnvironment;
  bundle: () => WorkflowBundleWithSourceMap;
} {
  let env: TestWorkflowEnvironment | undefined;
  let bundle: WorkflowBundleWithSourceMap | undefined;
  beforeAll(async () => {
    bundle = await bundleWorkflows(workflowsPath);
  });
  beforeEach(async () => {
    env = await createTimeSkippingEnv();
  });
  afterEach(async () => {
    await env?.teardown();
    env = undefined;
  });
  return { env: () => env!, bundle: () => bundle! };
}
