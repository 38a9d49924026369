// The nsdeploy worker: runs the workflows and the activities that touch the outside world.
// Secrets (Linode token, SSH keys) are read here from the environment and files; they never
// travel through Temporal.
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from './activities';
import { temporalConnectionOptions, temporalTarget } from './temporal/connection';
import { dataConverter } from './codec';
import { logger } from './logger';

async function main(): Promise<void> {
  const target = temporalTarget();
  const converter = dataConverter(); // payload encryption, if keys are configured (docs/encryption.md)
  // TLS / API key from TEMPORAL_TLS_*, TEMPORAL_API_KEY
  const connection = await NativeConnection.connect(temporalConnectionOptions(target));
  const worker = await Worker.create({
    connection,
    namespace: target.namespace,
    taskQueue: target.taskQueue,
    workflowsPath: require.resolve('./workflows'),
    activities: createActivities({ logger }),
    dataConverter: converter,
  });
  logger.info(
    {
      address: target.address,
      namespace: target.namespace,
      taskQueue: target.taskQueue,
      payloadEncryption: converter ? 'on' : 'off',
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
