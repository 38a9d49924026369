// The status of whichever workflow answers (`nsdeploy status <id>` does not know the type).
import { defineQuery } from '@temporalio/workflow';
import type { FleetCreateStatus } from './fleetCreate';
import type { LbReplacementStatus } from './lbReplacement';
import type { LbUpdateStatus } from './lbUpdate';
import type { MonitorStatus } from './monitor';
import type { DeployStatus } from './nsDeploy';
import { STATUS_QUERY } from './status';
import type { ZonePushStatus } from './zonePush';
import type { FleetAdoptStatus } from './fleetAdopt';

export type AnyStatus =
  | DeployStatus
  | LbReplacementStatus
  | LbUpdateStatus
  | MonitorStatus
  | ZonePushStatus
  | FleetAdoptStatus
  | FleetCreateStatus;

export const anyStatusQuery = defineQuery<AnyStatus>(STATUS_QUERY);
