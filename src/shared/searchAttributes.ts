// The custom search attributes the workflows set, for filtering in the Web UI.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Phase of a workflow, for filtering in the Web UI (`DeployPhase = "drain"`). */
export const DEPLOY_PHASE = defineSearchAttributeKey('DeployPhase', SearchAttributeType.KEYWORD);
/** Fleet a workflow acts on. */
export const FLEET = defineSearchAttributeKey('Fleet', SearchAttributeType.KEYWORD);
/** What the last monitoring run of a fleet saw, `ok` or `failing` (`FleetHealth = "failing"`). */
export const FLEET_HEALTH = defineSearchAttributeKey('FleetHealth', SearchAttributeType.KEYWORD);
/** Every custom search attribute the workflows set; the dev server pre-registers these. */
export const SEARCH_ATTRIBUTES = [DEPLOY_PHASE, FLEET, FLEET_HEALTH];
