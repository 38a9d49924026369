// `nsdeploy fleet create`: its input, phases, status and result.
import { defineQuery } from '@temporalio/workflow';
import type { ApprovalView } from './approval';
import type { GlueStatus } from './lbReplacement';
import type { FleetSpec, Transports } from './nsDeploy';
import { STATUS_QUERY, type HostView, type StatusBase } from './status';

/** 'glue-revert' is the glue watch's own phase; fleet create has nothing to revert and never enters it. */
export type FleetCreatePhase = 'build' | 'glue' | 'glue-revert' | 'done' | 'failed';

export interface FleetCreatePolicies {
  /** How every zone is verified through each LB (transports, queries in flight). */
  gate: Transports;
  bootTimeoutMs: number;
  sshTimeoutMs: number;
  glueCheckEveryMs: number;
  glueTimeoutMs: number;
}

export interface FleetCreateInput extends FleetSpec {
  /** Parent servers polled until every one serves the delegation; none: the step is shown only. */
  parents: { address: string; port: number }[];
  policies: FleetCreatePolicies;
}

export interface FleetCreateStatus extends StatusBase<FleetCreatePhase> {
  lbs: HostView[];
  nameservers: HostView[];
  /** What to publish at the registrar: "example.test NS ns1.example.test ns2.example.test", glue lines. */
  registrar?: string[];
  glue?: GlueStatus;
  /** Never set (fleet create asks no approval); here so every followed status reads alike. */
  approval?: ApprovalView;
}

export interface FleetCreateResult {
  outcome: 'created';
  status: FleetCreateStatus;
  /** The registrar step's records (as `status.registrar`). */
  plan: string[];
}

export const fleetCreateWorkflowId = (fleet: string) => `${fleet}/fleet-create`;
export const fleetCreateStatusQuery = defineQuery<FleetCreateStatus>(STATUS_QUERY);
