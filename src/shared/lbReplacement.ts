// The LB replacement: its input, phases, status, result, and the glue step's signal and update.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ApprovalPolicy, ApprovalView } from './approval';
import type { FleetSpec, NsDeployPolicies, Transports } from './nsDeploy';
import { STATUS_QUERY, type HostView, type StatusBase } from './status';

export type LbPhase =
  | 'preflight'
  | 'create'
  | 'configure'
  | 'verify'
  | 'zone'
  | 'glue'
  | 'swap'
  | 'drain'
  | 'proof'
  | 'approval'
  | 'retire'
  | 'rename'
  | 'done'
  | 'planned'
  | 'not-retired'
  | 'glue-revert'
  | 'rolling-back'
  | 'rolled-back'
  | 'failed';

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
  gate: Transports;
  /** Added to the observed delegation + zone TTLs. */
  drainMarginMs: number;
  /** Longest the drain may be moved to (changeWait bound). */
  drainMaxMs: number;
  glueCheckEveryMs: number;
  /** Longest wait for the parents to serve the new glue (then rolled back). */
  glueTimeoutMs: number;
  proof: { windowMs: number; maxQueries: number; maxWaitMs: number };
  /** ipSwap: the pause after one LB's address moved, before the next one moves (default 10 s). */
  swapQuietMs?: number;
  approval: ApprovalPolicy & { beforeRetire: boolean };
  bootTimeoutMs?: number;
  sshTimeoutMs?: number;
}

/** Every record at an old LB's address moves, in every zone of the fleet. */
export interface LbReplacementInput extends FleetSpec {
  parents: { address: string; port: number }[];
  policies: LbReplacementPolicies;
  /** Extra proxy role variables (fleet config `proxyVars`), so new LBs match the live ones. */
  proxyVars?: Record<string, unknown>;
  /** The NS deploy that serves the changed zones (run as a child workflow). */
  nsDeployPolicies: NsDeployPolicies;
  /** Forces a strategy (`--strategy`); otherwise the plan picks ipSwap when every LB stays in its region. */
  strategy?: LbStrategy;
  dryRun?: boolean;
}

/**
 * How the clients reach the new LBs: `glue`, the new LBs' addresses go into the zone and the
 * registrar's glue (a human step, then the TTLs); `ipSwap`, each new LB takes its old LB's
 * public address (Linode IP assignment, one region only): nothing changes in DNS.
 */
export type LbStrategy = 'glue' | 'ipSwap';

/** The strategy the plan chose, and why (shown in the plan, the status and the events). */
export interface StrategyView {
  chosen: LbStrategy;
  forced: boolean;
  why: string;
}

/** One LB's address swap (ipSwap): old LB's address to the new LB and back the other way. */
export interface SwapView {
  oldLb: string;
  newLb: string;
  /** The address the clients use (the old LB's), which moves to the new LB. */
  address: string;
  /** The new LB's own address, which the old LB holds until it is deleted. */
  otherAddress: string;
  state: 'pending' | 'swapped' | 'verified' | 'swapped-back';
  /** What proved the new LB answers at the address (verification, query counters). */
  proof?: string;
  at?: string;
}

/** The input as histories from before several zones and regions recorded it. */
export interface LegacyLbReplacementInput extends Omit<LbReplacementInput, 'zones' | 'nameservers' | 'loadBalancers'> {
  domain: string;
  zoneFile: string;
  nameservers: string[];
  loadBalancers: string[];
}

/** One zone's records moved from the old LBs' addresses to the new ones'. */
export interface ZoneMoveView {
  domain: string;
  serialBefore?: number;
  serialAfter?: number;
  moved: string[];
}

export interface GlueStatus {
  change: GlueChange[];
  parents: ParentGlue[];
  signals: GlueSignal[];
  allNewSince?: string;
  checkedAt?: string;
}

export interface DrainStatus {
  delegationTtlSeconds: number;
  zoneTtlSeconds: number;
  marginMs: number;
  totalMs: number;
  end?: string;
}

export interface ProofStatus {
  windowMs: number;
  maxQueries: number;
  attempts: number;
  last?: string;
  provenAt?: string;
}

export interface LbReplacementStatus extends StatusBase<LbPhase> {
  oldLbs: HostView[];
  newLbs: HostView[];
  /** Each zone with records at the old LBs, once moved. */
  zones?: ZoneMoveView[];
  glue?: GlueStatus;
  drain?: DrainStatus;
  proof?: ProofStatus;
  approval?: ApprovalView;
  strategy?: StrategyView;
  swaps?: SwapView[];
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

export const lbStatusQuery = defineQuery<LbReplacementStatus>(STATUS_QUERY);
/** The operator says the glue was changed at the registrar; the workflow checks the parents. */
export const glueUpdatedSignal = defineSignal<[GlueUpdatedArgs?]>('glueUpdated');
/** Like the signal, but answers with what the workflow sees at the parents after checking. */
export const glueUpdatedCheck = defineUpdate<GlueStatus, [GlueUpdatedArgs]>('glueUpdatedCheck');
