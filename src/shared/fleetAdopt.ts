// Adopting a fleet that runs without nsdeploy: its instances found by label, each host key
// collected and pinned only once the operator confirms its fingerprint (read out of band, e.g.
// on Linode's Lish console), the fleet tag added, and on approval the roles applied.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ApprovalPolicy, ApprovalView } from './approval';
import type { FleetSpec, Transports } from './nsDeploy';
import { STATUS_QUERY, type HostView, type StatusBase } from './status';

export interface FleetAdoptInput extends FleetSpec {
  /** Variables of the proxy role for every LB (config `proxyVars`). */
  proxyVars: Record<string, unknown>;
  policies: {
    /** How long to wait for the fingerprints, then for the approval of the roles. */
    approval: ApprovalPolicy;
    verify: Transports;
  };
  /** Find the hosts and scan their keys, show the plan; change nothing. */
  dryRun?: boolean;
}

/** A host key as ssh-keyscan saw it. */
export interface ScannedHostKey {
  /** "ssh-ed25519" */
  type: string;
  /** "ssh-ed25519 AAAA…" */
  publicKey: string;
  /** "SHA256:…" as `ssh-keygen -l` prints it. */
  fingerprint: string;
}

export type FleetAdoptPhase =
  | 'find'
  | 'scan'
  | 'confirm-keys'
  | 'pin'
  | 'tag'
  | 'plan'
  | 'approval'
  | 'apply'
  | 'verify'
  | 'done'
  | 'planned'
  | 'failed';

export interface AdoptHostView extends HostView {
  role: 'nameserver' | 'loadBalancer';
  /** Fingerprints of the keys the host presented (not pinned until confirmed). */
  keys: { type: string; fingerprint: string }[];
  /** The key pinned for it, once confirmed. */
  pinned?: string;
  tagsAdded?: string[];
}

export interface FleetAdoptStatus extends StatusBase<FleetAdoptPhase> {
  hosts: AdoptHostView[];
  /** Changed tasks the roles' --check --diff reported, and its diff (bounded). */
  rolesPlan?: { changed: number; diff: string };
  approval?: ApprovalView;
}

export interface FleetAdoptResult {
  /** `adopted`: keys pinned, tagged, roles applied and verified; `kept-roles`: the roles were not approved. */
  outcome: 'adopted' | 'kept-roles' | 'planned';
  status: FleetAdoptStatus;
  plan: string[];
}

/** The operator's fingerprints, host label → "SHA256:…"; refused (nothing pinned) unless each matches. */
export interface HostKeyConfirmation {
  fingerprints: Record<string, string>;
  by?: string;
}

export const confirmHostKeysUpdate = defineUpdate<FleetAdoptStatus, [HostKeyConfirmation]>('confirmHostKeys');
export const fleetAdoptStatusQuery = defineQuery<FleetAdoptStatus>(STATUS_QUERY);
