// How the workflows call activities: a few timeout/retry groups, one-line summaries that the
// Web UI shows on each event, and "whole" steps that an abort must not cut in half.
import { CancellationScope, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../../activities';

const retry = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' } as const;
export const quick: ActivityOptions = { startToCloseTimeout: '2m', retry: { ...retry, maximumAttempts: 8 } };
export const long: ActivityOptions = {
  startToCloseTimeout: '30m',
  heartbeatTimeout: '2m',
  retry: { ...retry, maximumAttempts: 3 },
};
export const boot: ActivityOptions = {
  startToCloseTimeout: '20m',
  heartbeatTimeout: '1m',
  retry: { ...retry, maximumAttempts: 3 },
};

/**
 * A short change that an abort must not cut in half: it runs to its end, then the abort is
 * seen. Otherwise a create still in flight could leave an instance after its undo ran.
 */
export const whole = <T>(fn: () => Promise<T>): Promise<T> => CancellationScope.nonCancellable(fn);

// One proxy; every call passes its own options (group or custom) with a summary for the Web UI.
const acts = proxyActivities<Activities>(quick);
const groups = { quick, long, boot };
/** Call an activity with a one-line summary that the Web UI shows on the event. */
export function step<K extends keyof Activities>(
  group: keyof typeof groups | ActivityOptions,
  summary: string,
  name: K,
  ...args: Parameters<Activities[K]>
): Promise<Awaited<ReturnType<Activities[K]>>> {
  const options = typeof group === 'object' ? group : groups[group];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return (acts[name] as any).executeWithOptions({ ...options, summary }, args);
}
/** Options for an activity that waits up to `ms` itself: Temporal's own timeout comes after. */
export const waitingUpTo = (ms: number): ActivityOptions => ({ ...boot, startToCloseTimeout: ms + 2 * 60_000 });
