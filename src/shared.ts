// Definitions shared by workflows, activities, the worker and the CLI: names on the wire.
// Changing any string here changes what running workflows answer to — treat as an API.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
// Definitions only (no workflow runtime is touched), so the client may import this file too.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export const TASK_QUEUE = 'nsdeploy';

/** Phase of a deploy, for filtering in the Web UI (`DeployPhase = "drain"`). */
export const DEPLOY_PHASE = defineSearchAttributeKey('DeployPhase', SearchAttributeType.KEYWORD);
/** Fleet a workflow acts on. */
export const FLEET = defineSearchAttributeKey('Fleet', SearchAttributeType.KEYWORD);
/** What the last monitoring run of a fleet saw, `ok` or `failing` (`FleetHealth = "failing"`). */
export const FLEET_HEALTH = defineSearchAttributeKey('FleetHealth', SearchAttributeType.KEYWORD);
/** Every custom search attribute the workflows set; the dev server pre-registers these. */
export const SEARCH_ATTRIBUTES = [DEPLOY_PHASE, FLEET, FLEET_HEALTH];

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
  | 'drain' | 'retire' | 'rename' | 'done' | 'planned' | 'rolling-back' | 'rolled-back' | 'failed'
  // in-place LB update (lbUpdate): per LB, plan (--check --diff), apply, verify through it
  | 'plan' | 'apply' | 'verify';

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
  /** In-place LB update: each LB's progress, in the order they are updated. */
  lbUpdates?: LbUpdateView[];
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

// ---- LB replacement --------------------------------------------------------------------

export type LbPhase =
  | 'preflight' | 'create' | 'configure' | 'verify' | 'zone' | 'glue' | 'drain' | 'proof' | 'approval'
  | 'retire' | 'rename' | 'done' | 'planned' | 'not-retired' | 'glue-revert' | 'rolling-back' | 'rolled-back' | 'failed';

/** One NS name's glue at the registrar: what it is, what it must become. */
export interface GlueChange {
  name: string;
  from: string[];
  to: string[];
}

/** What one parent server serves for the delegation, as last polled. */
export interface ParentGlue {
  parent: string;
  serves: 'old' | 'new' | 'other' | 'unreachable';
  /** e.g. "ns1.example.test A 198.18.1.2 (udp+tcp, TTL 172800)" or the error. */
  detail: string;
}

export interface GlueSignal {
  at: string;
  by?: string;
  note?: string;
  /** How many parents served the new glue when it arrived. */
  parentsServingNew: number;
  parents: number;
}

export interface LbReplacementPolicies {
  gate: { transports: ('udp' | 'tcp')[]; concurrency: number };
  /** Added to the observed delegation + zone TTLs. */
  drainMarginMs: number;
  /** Longest the drain may be moved to (changeWait bound). */
  drainMaxMs: number;
  glueCheckEveryMs: number;
  /** Longest wait for the parents to serve the new glue (then rolled back). */
  glueTimeoutMs: number;
  proof: { windowMs: number; maxQueries: number; maxWaitMs: number };
  approval: { beforeRetire: boolean; timeoutMs: number; onTimeout: 'abort' | 'continue' };
  bootTimeoutMs?: number;
  sshTimeoutMs?: number;
}

export interface LbReplacementInput {
  fleet: string;
  domain: string;
  zoneFile: string;
  linode: NsDeployInput['linode'];
  ssh: NsDeployInput['ssh'];
  nameservers: string[];
  loadBalancers: string[];
  nextSuffix: string;
  parents: { address: string; port: number }[];
  policies: LbReplacementPolicies;
  /** Extra proxy role variables (fleet config `proxyVars`), so new LBs match the live ones. */
  proxyVars?: Record<string, unknown>;
  /** The NS deploy that serves the changed zone (run as a child workflow). */
  nsDeployPolicies: NsDeployInput['policies'];
  dryRun?: boolean;
}

export interface LbReplacementStatus {
  phase: LbPhase;
  fleet: string;
  oldLbs: HostView[];
  newLbs: HostView[];
  zone?: { serialBefore?: number; serialAfter?: number; moved: string[] };
  glue?: { change: GlueChange[]; parents: ParentGlue[]; signals: GlueSignal[]; allNewSince?: string; checkedAt?: string };
  drain?: { delegationTtlSeconds: number; zoneTtlSeconds: number; marginMs: number; totalMs: number; end?: string };
  proof?: { windowMs: number; maxQueries: number; attempts: number; last?: string; provenAt?: string };
  approval?: DeployStatus['approval'];
  events: string[];
  error?: string;
}

export interface LbReplacementResult {
  outcome: 'replaced' | 'planned';
  status: LbReplacementStatus;
  plan: string[];
}

export interface GlueUpdatedArgs {
  by?: string;
  note?: string;
}

/** Same name as the NS deploy's, so `nsdeploy status` reads either. */
export const lbStatusQuery = defineQuery<LbReplacementStatus>('status');
/** The operator says the glue was changed at the registrar; the workflow checks the parents. */
export const glueUpdatedSignal = defineSignal<[GlueUpdatedArgs?]>('glueUpdated');
/** Like the signal, but answers with what the workflow sees at the parents after checking. */
export const glueUpdatedCheck = defineUpdate<NonNullable<LbReplacementStatus['glue']>, [GlueUpdatedArgs]>('glueUpdatedCheck');

export const lbReplacementWorkflowId = (fleet: string) => `${fleet}/lb-replacement`;

// ---- In-place LB update ---------------------------------------------------------------

/** Everything the in-place LB update needs, none of it secret (paths and env var names only). */
export interface LbUpdateInput {
  fleet: string;
  domain: string;
  /** Zone file path as the worker sees it: what every LB must keep serving. */
  zoneFile: string;
  linode: { apiUrl?: string; tokenEnv: string };
  ssh: { user: string; privateKeyFile: string; knownHostsFile: string };
  /** Updated in this order, one at a time. */
  loadBalancers: string[];
  /** Variables of the proxy role for every LB (config `proxyVars`). */
  proxyVars: Record<string, unknown>;
  verify: { transports: ('udp' | 'tcp')[]; concurrency: number };
  /** Plan every LB (--check --diff) and change nothing. */
  dryRun?: boolean;
}

export type LbUpdateState = 'pending' | 'planned' | 'applying' | 'verifying' | 'updated' | 'unchanged' | 'failed' | 'untouched';

export interface LbUpdateView {
  label: string;
  publicIPv4?: string;
  state: LbUpdateState;
  /** Upstreams as read from the LB (kept by the update). */
  upstreams?: string[];
  /** Changed tasks the plan (--check) reported, and its diff (bounded). */
  plannedChanges?: number;
  plan?: string;
  error?: string;
}

export interface LbUpdateResult {
  outcome: 'updated' | 'planned';
  status: DeployStatus;
}

/** One LB change per fleet at a time (see lbUpdate's start in the CLI). */
export const lbUpdateWorkflowId = (fleet: string) => `${fleet}/lb-update`;

// ---- Continuous monitoring -------------------------------------------------------------

/** Everything one monitoring run needs, none of it secret (names, paths, addresses, URLs). */
export interface MonitorInput {
  fleet: string;
  domain: string;
  /** The operator's zone file as the worker sees it: what every server must answer. */
  zoneFile: string;
  /** As listInstances takes it (the key paths are not used to list). */
  linode: { apiUrl?: string; tokenEnv: string; knownHostsFile: string; privateKeyFile: string };
  nameservers: string[];
  loadBalancers: string[];
  /** LBs labelled `<lb><nextSuffix>` (an LB replacement) are accepted as glue targets. */
  nextSuffix: string;
  /** Parent (TLD) servers whose delegation is checked; none: no delegation check. */
  parents: { address: string; port: number }[];
  probe: { transports: ('udp' | 'tcp')[]; concurrency: number };
  alert: {
    /** POSTed a JSON alert on failure (config `monitor.webhookUrl`). */
    webhookUrl?: string;
    /** Or: the environment variable on the worker that holds the URL (for URLs with a secret in them). */
    webhookUrlEnv?: string;
  };
  /** The schedule's interval (shown, and in the alert). */
  everyMs: number;
  /** For links to the run in alerts: the Web UI and the namespace. */
  webUi?: { url: string; namespace: string };
}

/** One thing found wrong, in one line: where, what, and the record (when it is about one). */
export interface MonitorFailure {
  /** "lb1 198.18.1.2", "ns1 198.19.0.5 (direct)", "parent 198.18.0.53:53", "fleet" */
  where: string;
  /** "mail.example.test A" */
  record?: string;
  what: string;
}

export interface MonitorServerView {
  label: string;
  kind: 'lb' | 'ns';
  address: string;
  recordsChecked: number;
  queriesSent: number;
  differences: number;
  nsids: string[];
}

export interface MonitorStatus {
  phase: 'probing' | 'ok' | 'failing';
  fleet: string;
  domain: string;
  zoneSerial?: number;
  servers: MonitorServerView[];
  parents: { parent: string; ok: boolean; detail: string }[];
  failures: MonitorFailure[];
  /** Failures beyond the ones listed (bounded, for history and the alert). */
  failuresOmitted: number;
  events: string[];
}

export interface MonitorResult {
  healthy: boolean;
  checkedAt: string;
  /** RRsets × servers asked, queries sent. */
  recordsChecked: number;
  queriesSent: number;
  failures: MonitorFailure[];
  failuresOmitted: number;
  /** Since when the fleet has been failing (carried from run to run by the schedule). */
  failingSince?: string;
  alert?: { state: 'failing' | 'recovered'; delivered: boolean; detail: string };
  status: MonitorStatus;
}

/** The JSON an alert webhook receives. */
export interface FleetAlert {
  source: 'nsdeploy';
  state: 'failing' | 'recovered';
  fleet: string;
  domain: string;
  checkedAt: string;
  failingSince?: string;
  summary: string;
  failures: MonitorFailure[];
  failuresOmitted: number;
  workflowId: string;
  runId: string;
  /** The run in the Web UI, when known. */
  url?: string;
}

export interface SendAlertInput {
  alert: FleetAlert;
  webhookUrl?: string;
  webhookUrlEnv?: string;
}

export interface SendAlertResult {
  delivered: boolean;
  /** "HTTP 200 from http://127.0.0.1:8790" or why nothing was sent. */
  detail: string;
}

export const monitorStatusQuery = defineQuery<MonitorStatus>('status');

/** One monitoring schedule per fleet; its runs are `<fleet>/monitor-<time>`. */
export const monitorScheduleId = (fleet: string) => `${fleet}/monitor`;
