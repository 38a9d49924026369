// Where the errors of the layers below the activities (src/ssh, src/hosts: TypedError and its
// subclasses) become Temporal failures: same message, the error's type name, and non-retryable
// when the error says a retry cannot help. Any other error passes through unchanged (e.g. the
// CancelledFailure an activity's cancellation aborts a command with).
import { ApplicationFailure } from '@temporalio/common';
import { TypedError } from '../ssh/errors';

function asApplicationFailure(err: unknown): unknown {
  if (!(err instanceof TypedError)) return err;
  return ApplicationFailure.create({ message: err.message, type: err.type, nonRetryable: err.nonRetryable });
}

type AnyActivity = (...args: never[]) => Promise<unknown>;

/** The same activities, each turning a TypedError it throws into an ApplicationFailure. */
export function reportingTypedErrors<T extends Record<string, AnyActivity>>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, activity] of Object.entries(activities)) {
    const run = activity as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await run(...args);
      } catch (err) {
        throw asApplicationFailure(err);
      }
    };
  }
  return wrapped as T;
}
