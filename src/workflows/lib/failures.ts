// What went wrong, in the operator's words: an activity failure's own message is "Activity task
// failed"; the reason is in its cause (the activity's ApplicationFailure, or a timeout).
import { ActivityFailure, TimeoutFailure } from '@temporalio/workflow';

export function reasonOf(err: unknown): string {
  if (err instanceof ActivityFailure) {
    const what = err.activityType ? `${err.activityType}: ` : '';
    if (err.cause instanceof TimeoutFailure)
      return `${what}timed out (${String(err.cause.timeoutType)
        .replace(/^TIMEOUT_TYPE_/, '')
        .toLowerCase()})`;
    if (err.cause) return `${what}${reasonOf(err.cause)}`;
  }
  return err instanceof Error ? err.message : String(err);
}
