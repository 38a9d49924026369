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

// ---- NS blue-green deploy -------------------------------------------------------------

/** Phases of a deploy, in order; also the value of the DeployPhase search attribute. */
export type DeployPhase =
  | 'preflight' | 'create' | 'configure' | 'gate' | 'approval' | 'cutover' | 'soak'
  | 'drain' | 'retire' | 'rename' | 'done' | 'planned' | 'rolling-back' | 'rolled-back' | 'failed';

export interface ApprovalPolicy {
  beforeCutover: boolean;
  timeoutMs: number;
  onTimeout: 'abort' | 'continue';
}

/** Everything the NS deploy needs, none of it secret (paths and env var names only). */
export interface NsDeployInput {
  fleet: string;
  domain: string;
  /** Zone file path as the worker sees it. */
  zoneFile: string;
  linode: { apiUrl?: string; tokenEnv: string; region: string; type: string; image: string; tags: string[] };
  ssh: { user: string; privateKeyFile: string; knownHostsFile: string };
  nameservers: string[];
  loadBalancers: string[];
  nextSuffix: string;
  policies: {
    approval: ApprovalPolicy;
    soakMs: number;
    /** How often the soak probes through the LBs. */
    soakProbeEveryMs?: number;
    gate: { transports: ('udp' | 'tcp')[]; concurrency: number };
    /** Longest wait for the old servers' query counters to stop rising. */
    oldServersMaxMs: number;
    /** Create → running, per new instance (default 15 min). */
    bootTimeoutMs?: number;
    /** Running → SSH answers with the pinned key, per new instance (default 5 min). */
    sshTimeoutMs?: number;
  };
  /** Run the read-only preflight and return the plan; change nothing. */
  dryRun?: boolean;
}

export interface HostView {
  label: string;
  id?: number;
  publicIPv4?: string;
  privateIPv4?: string | null;
}

export interface DeployStatus {
  phase: DeployPhase;
  fleet: string;
  zoneSerial?: number;
  oldServers: HostView[];
  newServers: HostView[];
  loadBalancers: HostView[];
  /** LBs whose upstreams point at the new servers. */
  switched: string[];
  approval?: { pending: boolean; deadline?: string; decision?: 'approved' | 'rejected' | 'timed-out'; by?: string; reason?: string };
  /** The newest events, oldest first (bounded). */
  events: string[];
  error?: string;
}

export interface NsDeployResult {
  outcome: 'deployed' | 'planned' | 'rolled-back';
  status: DeployStatus;
  plan: string[];
}

export interface ApprovalDecision {
  by?: string;
  reason?: string;
}

export const deployStatusQuery = defineQuery<DeployStatus>('status');
export const approveUpdate = defineUpdate<DeployStatus, [ApprovalDecision]>('approve');
export const rejectUpdate = defineUpdate<DeployStatus, [ApprovalDecision]>('reject');

/** Linode tag on every instance of a fleet: how the live fleet is found in the account. */
export const fleetTag = (fleet: string) => `nsdeploy-fleet-${fleet}`;

/** One deploy per fleet: every top-level deploy of a fleet uses this workflow ID. */
export const deployWorkflowId = (fleet: string) => `${fleet}/deploy`;
