// For the lab end-to-end tests, the setup they share: refuse to run over someone's lab,
// `lab:up`, a real dev server and a worker with the real activities (the lab token in the
// environment); afterwards all of it goes, `lab:down` last. (`npm run …`: testkit/lab.ts.)
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { createActivities } from '../../src/activities';
import { labToken } from '../../lab/emulatorProcess';
import { npmRun, refuseIfLabUp } from '../../testkit/lab';
import { bundleWorkflows, createLocalEnv } from '../../testkit/temporalEnv';

/** Registers the hooks; read the environment through the getter once the tests run. */
export function labWithWorker(opts: {
  taskQueue: string;
  logLevel?: string;
  tokenEnv?: string;
  /** Arguments of `lab:up`, e.g. ['--', '--no-fleet'] for an empty account. */
  labUpArgs?: string[];
}): {
  env: () => TestWorkflowEnvironment;
} {
  let env: TestWorkflowEnvironment | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    refuseIfLabUp();
    const up = await npmRun('lab:up', ...(opts.labUpArgs ?? []));
    if (up.exitCode !== 0) throw new Error(`lab:up failed:\n${up.all}`);
    process.env[opts.tokenEnv ?? 'LINODE_TOKEN'] = labToken();
    env = await createLocalEnv();
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: opts.taskQueue,
      workflowBundle: await bundleWorkflows(),
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

/**
 * The lab's glue as it starts (ns1/ns2 at lb1/lb2), with a 30 s delegation TTL instead of 60 s,
 * as a registrar could set it: an LB replacement's drain is then 30 + 30 + 10 s.
 */
export async function shortenDelegationTtl(): Promise<void> {
  const glue = ['ns1.example.test=198.18.1.2', 'ns2.example.test=198.18.1.3'];
  const r = await npmRun('lab:registrar', '--', 'set-glue', ...glue, '--ttl', '30s', '--delay', '0');
  if (r.exitCode !== 0) throw new Error(`set-glue failed:\n${r.all}`);
}
