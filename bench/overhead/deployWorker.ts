// The overhead benchmark's deploy worker (a child process, so its memory is its own): built
// like src/worker.ts — a NativeConnection, nsdeploy's workflows from src/workflows (bundled at
// start, as the real worker does), run with ts-node --transpile-only as `npm run worker` is —
// but with the fake fleet's activities of the workflow tests (testkit/fakeFleet.ts):
// no Linode, SSH, Ansible or DNS, so what it measures is the worker and the workflow side.
// Prints "ready" once the worker polls; stops on SIGTERM after in-flight tasks finish.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { FakeFleet } from '../../testkit/fakeFleet';

async function main(): Promise<void> {
  const { OVERHEAD_ADDRESS, OVERHEAD_TASK_QUEUE } = process.env;
  if (!OVERHEAD_ADDRESS || !OVERHEAD_TASK_QUEUE)
    throw new Error('OVERHEAD_ADDRESS and OVERHEAD_TASK_QUEUE are required');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: OVERHEAD_ADDRESS });
  const fleet = new FakeFleet();
  const worker = await Worker.create({
    connection,
    taskQueue: OVERHEAD_TASK_QUEUE,
    workflowsPath: require.resolve('../../src/workflows'),
    activities: fleet.activities(),
  });
  try {
    await worker.runUntil(async () => {
      process.stdout.write('ready\n');
      await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
    });
  } finally {
    await connection.close();
  }
  process.stdout.write(`done: ${fleet.calls.length} activity calls\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`overhead deploy worker: ${(err as Error).stack}\n`);
  process.exit(1);
});
