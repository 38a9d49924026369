// Workflow updates sent by the CLI: a refusal by the update's validator is an answer for the
// operator, not a stack trace.
import { WorkflowUpdateFailedError } from '@temporalio/client';

/** Runs a workflow update; a refusal by its validator becomes an Error saying just why. */
export async function refusedAsError<T>(update: () => Promise<T>): Promise<T> {
  try {
    return await update();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && err.cause) throw new Error(`refused: ${err.cause.message}`);
    throw err;
  }
}
