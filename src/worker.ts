// The nsdeploy worker: runs the workflows and the activities that touch the outside world.
// Secrets (Linode token, SSH keys) are read here from the environment and files; they never
// travel through Temporal.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from './activities';
import { defaultAnsibleStrategy } from './activities/ansible';
import { temporalConnectionOptions, temporalTarget } from './temporal/connection';
import { workerWorkflowCode } from './temporal/workflowCode';
import { dataConverter } from './codec';
import { logger } from './logger';

async function main(): Promise<void> {
  const target = temporalTarget();
  const code = workerWorkflowCode(); // before connecting: a missing bundle is the first thing to hear of
  const converter = dataConverter(); // payload encryption, if keys are configured (docs/encryption.md)
  // TLS / API key from TEMPORAL_TLS_*, TEMPORAL_API_KEY
  const connection = await NativeConnection.connect(temporalConnectionOptions(target));
  const worker = await Worker.create({
    connection,
    namespace: target.namespace,
    taskQueue: target.taskQueue,
    ...code, // compiled: the bundle `npm run build` wrote; under ts-node: src/workflows, bundled now
    activities: createActivities({ logger }),
    dataConverter: converter,
  });
  logger.info(
    {
      address: target.address,
      namespace: target.namespace,
      taskQueue: target.taskQueue,
      payloadEncryption: converter ? 'on' : 'off',
      workflowCode: code.workflowBundle ? 'prebuilt bundle' : 'bundled at start',
      ansibleStrategy: defaultAnsibleStrategy().name,
    },
    'worker started',
  );
  try {
    await worker.run(); // Returns after SIGINT/SIGTERM once in-flight tasks are done.
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  logger.error({ err }, 'worker failed');
  process.exit(1);
});
