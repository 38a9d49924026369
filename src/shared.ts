// Definitions shared by workflows, activities, the worker and the CLI: names on the wire.
// Changing any string here changes what running workflows answer to — treat as an API.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
// Definitions only (no workflow runtime is touched), so the client may import this file too.
import { defineQuery, defineUpdate } from '@temporalio/workflow';

export const TASK_QUEUE = 'nsdeploy';

/** Phase of a deploy, for filtering in the Web UI (`DeployPhase = "drain"`). */
export const DEPLOY_PHASE = defineSearchAttributeKey('DeployPhase', SearchAttributeType.KEYWORD);
/** Fleet a workflow acts on. */
export const FLEET = defineSearchAttributeKey('Fleet', SearchAttributeType.KEYWORD);
/** Every custom search attribute the workflows set; the dev server pre-registers these. */
export const SEARCH_ATTRIBUTES = [DEPLOY_PHASE, FLEET];

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
