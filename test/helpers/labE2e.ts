// For the lab end-to-end tests: `npm run …` as a user runs it, and the setup they share —
// refuse to run over someone's lab, `lab:up`, a real dev server and a worker with the real
// activities (the lab token in the environment); afterwards all of it goes, `lab:down` last.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import execa from 'execa';
import fs from 'node:fs';
import pino from 'pino';
import { createActivities } from '../../src/activities';
import { emulatorPid, labToken } from '../../lab/emulatorProcess';
import { labPaths } from '../../lab/labPaths';
import { bundleWorkflows, createLocalEnv } from './temporalEnv';
import { PROJECT_DIR } from './temporalTools';

/** `npm run -s <script> [args]` in the project, output in `all`, never throwing. */
export const npmRun = (...args: string[]) => execa('npm', ['run', '-s', ...args], { cwd: PROJECT_DIR, all: true, reject: false, env: { ...process.env, npm_config_loglevel: 'error' } });

/** Refuses to run over a lab that is up (yours, or another test's). */
export function refuseIfLabUp(): void {
  if (emulatorPid() || fs.existsSync(labPaths.hostsState)) {
    throw new Error('a lab is already running here (.lab/ exists): run `npm run lab:down` before this test');
  }
}

/** Registers the hooks; read the environment through the getter once the tests run. */
export function labWithWorker(opts: { taskQueue: string; logLevel?: string; tokenEnv?: string }): { env: () => TestWorkflowEnvironment } {
  let env: TestWorkflowEnvironment | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    refuseIfLabUp();
    const up = await npmRun('lab:up');
    if (up.exitCode !== 0) throw new Error(`lab:up failed:\n${up.all}`);
    process.env[opts.tokenEnv ?? 'LINODE_TOKEN'] = labToken();
    env = await createLocalEnv();
    worker = await Worker.create({
      connection: env.nativeConnection, taskQueue: opts.taskQueue, workflowBundle: await bundleWorkflows(),
      activities: createActivities({ logger: pino({ level: opts.logLevel ?? 'warn' }) }),
    });
    running = worker.run();
  }, 180_000);
  afterAll(async () => {
    worker?.shutdown();
    await running?.catch(() => undefined);
    await env?.teardown();
    await npmRun('lab:down');
  }, 120_000);
  return { env: () => env! };
}
