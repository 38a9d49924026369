// How a change that did not complete ends: every registered undo runs (newest first, not
// cancellable), the status says what was undone and what was not, and the failure names why.
import { ApplicationFailure, isCancellation, log } from '@temporalio/workflow';
import type { StatusBase } from '../../shared';
import { reasonOf } from './failures';
import type { Saga } from './saga';

interface RollingBack {
  status: StatusBase;
  phase(phase: 'rolling-back' | 'rolled-back' | 'failed', note?: string): void;
  event(text: string): void;
}

/** Undoes what `saga` holds and throws: the abort itself, or a failure of `type` carrying the status. */
export async function rollBack(t: RollingBack, saga: Saga, err: unknown, what: string, type: string): Promise<never> {
  const message = reasonOf(err);
  t.status.error = isCancellation(err) ? 'aborted' : message;
  const undo = saga.pending;
  t.phase('rolling-back', undo.length ? undo.slice().reverse().join(', ') : 'nothing to undo');
  await saga.compensate((name, e) => t.event(e ? `undo failed: ${name}: ${reasonOf(e)}` : `undone: ${name}`));
  const left = saga.pending;
  const note = left.length ? `${t.status.error}; NOT undone (needs you): ${left.join(', ')}` : t.status.error;
  t.phase(undo.length ? 'rolled-back' : 'failed', note);
  log.warn(`${what} did not complete`, { error: t.status.error });
  if (isCancellation(err)) throw err;
  throw ApplicationFailure.nonRetryable(
    `${what} ${undo.length ? 'rolled back' : 'failed'}: ${message}`,
    type,
    t.status,
  );
}
