// Which Linode failures Temporal should retry. Busy instances, rate limits, server errors and
// lost connections are transient; a refused request (bad label, unknown region…) is not, and
// retrying it would only hide the message from the operator.
import { ApplicationFailure } from '@temporalio/common';
import { LinodeApiError, toLinodeError } from '../linode';

export function linodeFailure(err: unknown, action: string): ApplicationFailure {
  const e = err instanceof LinodeApiError ? err : toLinodeError(err, action);
  const transient =
    e.status === undefined
      ? e.code !== undefined // a connection failure (lost answer); client-side validation has no code
      : e.status === 429 || e.status >= 500 || e.hasReason('Linode busy.');
  return ApplicationFailure.create({
    message: e.message,
    type: transient ? 'LinodeTransient' : 'LinodeRefused',
    nonRetryable: !transient,
    details: [{ status: e.status ?? null, errors: e.errors }],
    ...(e.retryAfterSeconds !== undefined && { nextRetryDelay: `${e.retryAfterSeconds}s` }),
  });
}
