// Temporal environments pointed at the locally built servers, and the workflow bundle the worker
// would build (for tests and benchmarks).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import path from 'node:path';
import { SEARCH_ATTRIBUTES } from '../src/shared';
import { devServerArgs, PROJECT_DIR, temporalCliPath, testServerPath, type DevServerFlag } from './temporalTools';

/** Java time-skipping test server; custom search attributes registered like the dev server's. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await startWithRetries('time-skipping test server', () =>
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: testServerPath() } },
    }),
  );
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((k) => [k.name, 2 /* INDEXED_VALUE_TYPE_KEYWORD */])),
  });
  return env;
}

/** Starts of a server tried: the SDK gives one 5 s to answer, which a busy machine can miss. */
export const SERVER_START_ATTEMPTS = 5;

/**
 * Starts a server again (on a new port) when it did not answer within the SDK's fixed 5 s, as
 * after a lab:up or a Java start that leaves the machine's 2 cores busy; any other failure is
 * thrown at once.
 */
export async function startWithRetries<T>(what: string, start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      // By its message: the SDK's native error is not an instance of a jest test's Error class.
      const message = err !== null && typeof err === 'object' && 'message' in err ? String(err.message) : '';
      const slow = /did not start within/.test(message);
      if (!slow || attempt >= SERVER_START_ATTEMPTS) throw err;
      process.stderr.write(`${what} did not answer within 5 s (attempt ${attempt}); starting it again\n`);
    }
  }
}

/**
 * The real dev server (the CLI's start-dev) with the project's dev-server flags (or `flags`),
 * then `extraArgs`; in memory (or on the SQLite file `dbFilename`); headless, or with the Web UI
 * on `uiPort`.
 */
export function createLocalEnv(
  opts: { flags?: readonly DevServerFlag[]; extraArgs?: string[]; dbFilename?: string; uiPort?: number } = {},
): Promise<TestWorkflowEnvironment> {
  return startWithRetries(opts.uiPort ? 'dev server with the Web UI' : 'dev server', () =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: temporalCliPath() },
        searchAttributes: SEARCH_ATTRIBUTES,
        ip: '127.0.0.1',
        extraArgs: [...devServerArgs(opts.flags), ...(opts.extraArgs ?? [])],
        ...(opts.dbFilename && { dbFilename: opts.dbFilename }),
        ...(opts.uiPort && { ui: true, uiPort: opts.uiPort }),
      },
    }),
  );
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
