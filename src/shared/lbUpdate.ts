// The in-place LB update: its input, per-LB states, status and result.
import { defineQuery } from '@temporalio/workflow';
import type { SshSettings, Transports } from './nsDeploy';
import type { ZoneRef } from './shape';
import { STATUS_QUERY, type HostView, type StatusBase } from './status';

/** Everything the in-place LB update needs, none of it secret (paths and env var names only). */
export interface LbUpdateInput {
  fleet: string;
  /** Every zone of the fleet, as the worker sees the files: what every LB must keep serving. */
  zones: ZoneRef[];
  linode: { apiUrl?: string; tokenEnv: string };
  ssh: SshSettings;
  /** Updated in this order, one at a time. */
  loadBalancers: string[];
  /** Variables of the proxy role for every LB (config `proxyVars`). */
  proxyVars: Record<string, unknown>;
  verify: Transports;
  /** Plan every LB (--check --diff) and change nothing. */
  dryRun?: boolean;
}

/** The input as runs from before several zones recorded it. */
export interface LegacyLbUpdateInput extends Omit<LbUpdateInput, 'zones'> {
  domain: string;
  zoneFile: string;
}

/** Per LB: plan (--check --diff), apply, verify through it. */
export type LbUpdatePhase = 'preflight' | 'plan' | 'apply' | 'verify' | 'done' | 'planned' | 'failed';

export type LbUpdateState =
  'pending' | 'planned' | 'applying' | 'verifying' | 'updated' | 'unchanged' | 'failed' | 'untouched';

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

export interface LbUpdateStatus extends StatusBase<LbUpdatePhase> {
  loadBalancers: HostView[];
  /** Each LB's progress, in the order they are updated. */
  lbUpdates: LbUpdateView[];
}

export interface LbUpdateResult {
  outcome: 'updated' | 'planned';
  status: LbUpdateStatus;
}

export const lbUpdateStatusQuery = defineQuery<LbUpdateStatus>(STATUS_QUERY);
