// The running activity's heartbeat and cancellation signal, or nothing when the code runs
// outside an activity (lab bootstrap, unit tests, CLI tools).
import { Context } from '@temporalio/activity';

export function activityHeartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Not inside an activity: nobody to report to.
  }
}

export function activitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}
