// All activities, built from their dependencies so tests can pass fakes (createActivities(deps)).
// Workflows import only the *type* of this module.
import type { Logger } from '../logger';
import { createAdoptActivities } from './adopt';
import { createAnsibleActivities } from './ansible';
import { createDelegationActivities } from './delegation';
import { createDnsActivities, type DnsDeps } from './dns';
import { createFirewallActivities } from './firewall';
import { createLinodeActivities, type LinodeDeps } from './linode';
import { createMonitorActivities } from './monitor';
import { createRegistrarActivities } from './registrar';
import { createSshActivities } from './ssh';
import { createZoneActivities } from './zone';
import { createZoneChangeActivities } from './zoneChange';
import { createZonePlanActivities } from './zonePlan';
import { createZonePushActivities } from './zonePush';

export interface ActivityDeps {
  logger: Logger;
  linode?: LinodeDeps;
  dns?: DnsDeps;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createLinodeActivities(deps.linode),
    ...createFirewallActivities(deps.linode),
    ...createDnsActivities({ logger: deps.logger, ...deps.dns }),
    ...createDelegationActivities({ logger: deps.logger, query: deps.dns?.query }),
    ...createZoneActivities(),
    ...createZoneChangeActivities(),
    ...createZonePlanActivities(),
    ...createZonePushActivities(),
    ...createRegistrarActivities(),
    ...createAnsibleActivities(),
    ...createAdoptActivities(),
    ...createSshActivities(),
    ...createMonitorActivities({ logger: deps.logger }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
