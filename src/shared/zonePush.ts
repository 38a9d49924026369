// The zone push: record changes served in seconds by the live nameservers, one at a time
// (canary first), each verified before the next; its input, thresholds, status and result.
import { defineQuery } from '@temporalio/workflow';
import type { ApprovalPolicy, ApprovalView } from './approval';
import type { FleetSpec, Transports, ZoneCheckPolicy } from './nsDeploy';
import { STATUS_QUERY, type HostView, type StatusBase } from './status';

/**
 * How much of a zone a push may change without --force (octoDNS's safety thresholds): updates
 * and deletes as a share of the RRsets served now, checked only from `minRecords` RRsets on.
 */
export interface ZonePushThresholds {
  maxUpdatePercent: number;
  maxDeletePercent: number;
  minRecords: number;
}

export interface ZonePushPolicies {
  thresholds: ZonePushThresholds;
  /** Wait for `nsdeploy approve` once the canary (the first nameserver) serves the change. */
  approval: ApprovalPolicy & { afterCanary: boolean };
  zoneChecks?: ZoneCheckPolicy;
  /** How each nameserver, then each LB, is verified. */
  verify: Transports;
}

/** Everything a zone push needs, none of it secret (paths and env var names only). */
export interface ZonePushInput extends Omit<FleetSpec, 'nextSuffix'> {
  policies: ZonePushPolicies;
  /** Plan only: show the changes, change nothing. */
  dryRun?: boolean;
  /** Push a plan over the thresholds. */
  force?: boolean;
}

export type ZonePushPhase =
  | 'preflight'
  | 'plan'
  | 'canary'
  | 'approval'
  | 'push'
  | 'verify'
  | 'done'
  | 'planned'
  | 'unchanged'
  | 'rolling-back'
  | 'rolled-back'
  | 'failed';

/** One nameserver's part: waiting, being changed, verified, or put back. */
export type ServerPushState = 'pending' | 'pushing' | 'verified' | 'failed' | 'restored' | 'untouched';

export interface ServerPushView extends HostView {
  state: ServerPushState;
  /** The serial it was last seen serving (per zone), "example.test 2026120102". */
  serving?: string[];
}

export interface ZonePushStatus extends StatusBase<ZonePushPhase> {
  /** Per zone: the serial old → new and how many RRsets change (absent: no change). */
  zones?: { domain: string; serialBefore?: number; serialAfter: number; changes: number }[];
  servers: ServerPushView[];
  loadBalancers: HostView[];
  approval?: ApprovalView;
}

export interface ZonePushResult {
  /** `unchanged`: every server already serves every zone file ("nothing to push"). */
  outcome: 'pushed' | 'planned' | 'unchanged';
  status: ZonePushStatus;
  plan: string[];
}

export const zonePushStatusQuery = defineQuery<ZonePushStatus>(STATUS_QUERY);
