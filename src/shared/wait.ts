// The extendable wait (drain timer, delayed teardown): its status and how an operator moves it.
import { defineQuery, defineUpdate } from '@temporalio/workflow';

/**
 * Change the end of an extendable wait. Give exactly one of `extendBy` (a duration such as
 * "12h" or "2d"; negative shortens) or `until` (an ISO 8601 time with a zone). Moving the end
 * earlier than it is now requires `force: true`.
 */
export interface ChangeWaitRequest {
  extendBy?: string;
  until?: string;
  force?: boolean;
  reason?: string;
}

/** One accepted change, kept in the wait's status so the operator sees who moved the end. */
export interface WaitChange {
  at: string;
  from: string;
  to: string;
  forced: boolean;
  reason?: string;
}

export interface WaitStatus {
  label: string;
  startedAt: string;
  /** The end as first planned (e.g. TTL-derived); moving below it was a forced change. */
  plannedEnd: string;
  end: string;
  /** Time left as of `asOf` (workflow time, refreshed at least hourly while waiting). */
  remainingMs: number;
  asOf: string;
  done: boolean;
  changes: WaitChange[];
}

export const changeWaitUpdate = defineUpdate<WaitStatus, [ChangeWaitRequest]>('changeWait');
export const waitStatusQuery = defineQuery<WaitStatus | undefined>('waitStatus');
