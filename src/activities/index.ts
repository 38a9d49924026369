// All activities, built from their dependencies so tests can pass fakes (createActivities(deps)).
// Workflows import only the *type* of this module.
import type { Logger } from '../logger';
import { createLinodeActivities, type LinodeDeps } from './linode';

export interface ActivityDeps {
  logger: Logger;
  linode?: LinodeDeps;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createLinodeActivities(deps.linode),
  };
}

export type Activities = ReturnType<typeof createActivities>;
