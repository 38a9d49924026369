// Where the CLI and the worker find Temporal: flags, then the fleet config, then the
// environment, then the local dev server's defaults.
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { dataConverter } from '../codec';
import { TASK_QUEUE } from '../shared';

export interface TemporalTarget {
  address: string;
  namespace: string;
  taskQueue: string;
  /** Base URL of the Web UI, for links printed to the operator. */
  uiUrl: string;
}

export function temporalTarget(overrides: Partial<TemporalTarget> = {}): TemporalTarget {
  const env = process.env;
  return {
    address: overrides.address ?? env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: overrides.namespace ?? env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: overrides.taskQueue ?? env.NSDEPLOY_TASK_QUEUE ?? TASK_QUEUE,
    uiUrl: (overrides.uiUrl ?? env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233').replace(/\/$/, ''),
  };
}

export function workflowUrl(target: TemporalTarget, workflowId: string): string {
  return `${target.uiUrl}/namespaces/${encodeURIComponent(target.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

export async function connectClient(target: TemporalTarget): Promise<{ client: Client; close: () => Promise<void> }> {
  const converter = dataConverter(); // before connecting: bad key material is reported as such
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: target.address, connectTimeout: '5s' });
  } catch (err) {
    throw new Error(
      `cannot reach Temporal at ${target.address} (${(err as Error).message}). ` +
        'Start the local dev server with `bash temporal-dev/start`, or set TEMPORAL_ADDRESS.',
    );
  }
  return { client: new Client({ connection, namespace: target.namespace, dataConverter: converter }), close: () => connection.close() };
}

/** Runs a workflow update; a refusal by its validator becomes an Error saying just why. */
export async function refusedAsError<T>(update: () => Promise<T>): Promise<T> {
  try {
    return await update();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause) throw new Error(`refused: ${err.cause.message}`);
    throw err;
  }
}
