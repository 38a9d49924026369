// The overhead benchmark's deploy worker (a child process, so its memory is its own): built
// like src/worker.ts — a NativeConnection, nsdeploy's workflows from src/temporal/workflowCode.ts
// (run compiled: the prebuilt bundle; under ts-node: src/workflows bundled at start) — but with
// the fake fleet's activities of the workflow tests (testkit/fakeFleet.ts): no Linode, SSH,
// Ansible or DNS, so what it measures is the worker and the workflow side. Each workflow gets a
// fake fleet of its own (by workflow ID), so deploys can run at once, as deploys of different
// fleets would. Prints "ready" once the worker polls; stops on SIGTERM after in-flight tasks finish.
import { Context } from '@temporalio/activity';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import { workerWorkflowCode } from '../../src/temporal/workflowCode';
import { FakeFleet } from '../../testkit/fakeFleet';

/** The fake fleet's activities, each call served by the fleet of the calling workflow. */
function fleetPerWorkflow() {
  const fleets = new Map<string, Partial<Activities>>();
  const fleetOfCaller = () => {
    const workflowId = Context.current().info.workflowExecution!.workflowId;
    if (!fleets.has(workflowId)) fleets.set(workflowId, new FakeFleet().activities());
    return fleets.get(workflowId)!;
  };
  const names = Object.keys(new FakeFleet().activities()) as (keyof Activities)[];
  const activities = Object.fromEntries(
    names.map((name) => [
      name,
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      (...args: unknown[]) => (fleetOfCaller()[name] as (...a: unknown[]) => any)(...args),
    ]),
  );
  return { activities, fleets };
}

async function main(): Promise<void> {
  const { OVERHEAD_ADDRESS, OVERHEAD_TASK_QUEUE } = process.env;
  if (!OVERHEAD_ADDRESS || !OVERHEAD_TASK_QUEUE)
    throw new Error('OVERHEAD_ADDRESS and OVERHEAD_TASK_QUEUE are required');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // OVERHEAD_BUNDLE_AT_START: the compiled worker bundles the workflows at start-up instead (to
  // tell webpack's cost from ts-node's); never set for the production shape.
  const code = process.env.OVERHEAD_BUNDLE_AT_START
    ? { workflowsPath: require.resolve('../../src/workflows') }
    : workerWorkflowCode();
  const connection = await NativeConnection.connect({ address: OVERHEAD_ADDRESS });
  const { activities, fleets } = fleetPerWorkflow();
  const worker = await Worker.create({ connection, taskQueue: OVERHEAD_TASK_QUEUE, ...code, activities });
  try {
    await worker.runUntil(async () => {
      process.stdout.write(`ready (${code.workflowBundle ? 'prebuilt bundle' : 'bundled at start'})\n`);
      await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
    });
  } finally {
    await connection.close();
  }
  process.stdout.write(`done: ${fleets.size} fleets\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`overhead deploy worker: ${(err as Error).stack}\n`);
  process.exit(1);
});
