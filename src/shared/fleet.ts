// How a fleet is named in Linode and in Temporal: its instance tag and its workflow IDs.

export const TASK_QUEUE = 'nsdeploy';

/** Linode tag on every instance of a fleet: how the live fleet is found in the account. */
export const fleetTag = (fleet: string) => `nsdeploy-fleet-${fleet}`;

/** One deploy per fleet: every top-level deploy of a fleet uses this workflow ID. */
export const deployWorkflowId = (fleet: string) => `${fleet}/deploy`;

export const lbReplacementWorkflowId = (fleet: string) => `${fleet}/lb-replacement`;

/** One LB change per fleet at a time (see lbUpdate's start in the CLI). */
export const lbUpdateWorkflowId = (fleet: string) => `${fleet}/lb-update`;

/** One monitoring schedule per fleet; its runs are `<fleet>/monitor-<time>`. */
export const monitorScheduleId = (fleet: string) => `${fleet}/monitor`;

/** One zone push per fleet at a time. */
export const zonePushWorkflowId = (fleet: string) => `${fleet}/zone-push`;

/** The workflows that change a fleet: one of them at a time per fleet (monitoring and waits aside). */
export const FLEET_CHANGES = ['nsBlueGreen', 'lbReplacement', 'lbUpdate', 'zonePush', 'fleetAdopt', 'fleetCreate'];

/** Adopting a fleet that runs without nsdeploy. */
export const fleetAdoptWorkflowId = (fleet: string) => `${fleet}/adopt`;
