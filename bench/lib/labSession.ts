// The lab a benchmark runs on: refuses to run over a lab that is up, `lab:up`, a real dev
// server (in memory, free port) and a worker with the real activities; afterwards all of it
// goes, `lab:down` last. Same setup as the lab e2e tests (test/helpers/labE2e.ts, testkit/lab.ts).
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { labToken } from '../../lab/emulatorProcess';
import { LAB_CONFIG } from '../../lab/up';
import { createActivities } from '../../src/activities';
import { loadFleetConfig } from '../../src/config';
import { npmRun, refuseIfLabUp } from '../../testkit/lab';
import { bundleWorkflows, createLocalEnv } from '../../testkit/temporalEnv';

export interface LabOptions {
  provisioningMs?: number;
  bootingMs?: number;
  /** Arguments of `lab:up`, e.g. ['--', '--no-fleet'] for an empty account. */
  labUpArgs?: string[];
  say: (s: string) => void;
}
export type LabConfig = ReturnType<typeof loadFleetConfig>;

export interface LabSession {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  cfg: LabConfig;
}

/** Only the lab (`lab:up` … `lab:down`), the lab token in the environment; no Temporal. */
export async function withLabHosts<T>(opts: LabOptions, fn: (cfg: LabConfig) => Promise<T>): Promise<T> {
  refuseIfLabUp();
  opts.say('lab:up');
  const env0 = { ...process.env };
  if (opts.provisioningMs !== undefined) process.env.LAB_PROVISIONING_MS = String(opts.provisioningMs);
  if (opts.bootingMs !== undefined) process.env.LAB_BOOTING_MS = String(opts.bootingMs);
  try {
    const up = await npmRun('lab:up', ...(opts.labUpArgs ?? []));
    if (up.exitCode !== 0) throw new Error(`lab:up failed:\n${up.all}`);
    const cfg = loadFleetConfig(LAB_CONFIG);
    process.env[cfg.linode.tokenEnv] = labToken();
    return await fn(cfg);
  } finally {
    opts.say('lab:down');
    await npmRun('lab:down');
    for (const k of ['LAB_PROVISIONING_MS', 'LAB_BOOTING_MS']) {
      if (env0[k] === undefined) delete process.env[k];
      else process.env[k] = env0[k];
    }
  }
}

/** The lab plus an in-memory dev server and a worker (task queue "bench") with the real activities. */
export async function withLab<T>(opts: LabOptions, fn: (s: LabSession) => Promise<T>): Promise<T> {
  return withLabHosts(opts, (cfg) => withBenchWorker(opts.say, (w) => fn({ ...w, cfg })));
}

/** An in-memory dev server and a worker (task queue "bench") with the real activities, in this process. */
export async function withBenchWorker<T>(
  say: (s: string) => void,
  fn: (w: { env: TestWorkflowEnvironment; taskQueue: string }) => Promise<T>,
): Promise<T> {
  say('dev server + worker');
  let env: TestWorkflowEnvironment | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  try {
    env = await createLocalEnv();
    const taskQueue = 'bench';
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await bundleWorkflows(),
      activities: createActivities({ logger: pino({ level: 'warn' }) }),
    });
    running = worker.run();
    return await fn({ env, taskQueue });
  } finally {
    worker?.shutdown();
    await running?.catch(() => undefined);
    await env?.teardown();
  }
}
