// Temporal environments pointed at the locally built servers, and the workflow bundle the worker
// would build (for tests and benchmarks).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import path from 'node:path';
import { SEARCH_ATTRIBUTES } from '../src/shared';
import { devServerArgs, PROJECT_DIR, temporalCliPath, testServerPath } from './temporalTools';

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

/** Starts of the dev server tried: the SDK gives one 5 s to answer, which a busy machine can miss. */
const LOCAL_ENV_ATTEMPTS = 3;

/**
 * The real dev server (the CLI's start-dev), headless, in memory, with the project's dev-server
 * flags. Started again (on a new port) when it did not answer within the SDK's fixed 5 s, as
 * after a lab:up that leaves the machine's 2 cores busy; any other failure is thrown at once.
 */
export async function createLocalEnv(): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createLocal({
        server: {
          executable: { type: 'existing-path', path: temporalCliPath() },
          searchAttributes: SEARCH_ATTRIBUTES,
          ip: '127.0.0.1',
          extraArgs: devServerArgs(),
        },
      });
    } catch (err) {
      const slow = err instanceof Error && /did not start within/.test(err.message);
      if (!slow || attempt >= LOCAL_ENV_ATTEMPTS) throw err;
      process.stderr.write(`dev server did not answer within 5 s (attempt ${attempt}); starting it again\n`);
    }
  }
}

/** The workflow bundle the worker would build (or of `workflowsPath`), webpack chatter kept to warnings. */
export function bundleWorkflows(
  workflowsPath = path.join(PROJECT_DIR, 'src/workflows'),
): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    logger: new DefaultLogger('WARN'),
  });
}
