// All activities, built from their dependencies so tests can pass fakes (createActivities(deps)).
// Workflows import only the *type* of this module.
import type { Logger } from '../logger';
import { createAnsibleActivities } from './ansible';
import { createDnsActivities, type DnsDeps } from './dns';
import { createLinodeActivities, type LinodeDeps } from './linode';
import { createSshActivities } from './ssh';
import { createZoneActivities } from './zone';

export interface ActivityDeps {
  logger: Logger;
  linode?: LinodeDeps;
  dns?: DnsDeps;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createLinodeActivities(deps.linode),
    ...createDnsActivities({ logger: deps.logger, ...deps.dns }),
    ...createZoneActivities(),
    ...createAnsibleActivities(),
    ...createSshActivities(),
  };
}

export type Activities = ReturnType<typeof createActivities>;
