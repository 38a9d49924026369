// Temporal test environments pointed at the locally built servers.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import path from 'node:path';
import { SEARCH_ATTRIBUTES } from '../../src/shared';
import { PROJECT_DIR, temporalCliPath, testServerPath } from './temporalTools';

/** Java time-skipping test server; custom search attributes registered like the dev server's. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerPath() } },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((k) => [k.name, 2 /* INDEXED_VALUE_TYPE_KEYWORD */])),
  });
  return env;
}

/** The real dev server (the CLI's start-dev), headless, in memory, for end-to-end tests. */
export async function createLocalEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: SEARCH_ATTRIBUTES,
      ip: '127.0.0.1',
    },
  });
}

/**
 * The workflow bundle the worker would build (or of `workflowsPath`, e.g. a test's own
 * workflows), with webpack's chatter kept to warnings.
 */
export function bundleWorkflows(
  workflowsPath = path.join(PROJECT_DIR, 'src/workflows'),
): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    logger: new DefaultLogger('WARN'),
  });
}

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
