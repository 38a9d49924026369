// What the operator sees of an NS deploy: the hosts old and new, which LBs are switched, and a
// pending approval, above the recent events.
import { workflowInfo } from '@temporalio/workflow';
import type { DeployStatus, HostView } from '../../shared';
import { PhaseTracker } from '../lib/phaseTracker';

const hosts = (h: HostView[]) =>
  h.map((x) => `${x.label}${x.privateIPv4 ? ` (${x.privateIPv4})` : ''}`).join(', ') || '—';

export class DeployTracker extends PhaseTracker<DeployStatus> {
  constructor(fleet: string) {
    super({ phase: 'preflight', fleet, oldServers: [], newServers: [], loadBalancers: [], switched: [], events: [] });
  }

  protected details(): string[] {
    const s = this.status;
    const lbs = s.loadBalancers.map((l) => `${l.label}${s.switched.includes(l.label) ? ' → new' : ''}`);
    const how = `\`nsdeploy approve ${workflowInfo().workflowId}\` or \`nsdeploy reject …\``;
    return [
      `**Phase: ${s.phase}** — fleet \`${s.fleet}\``,
      '',
      `- old servers: ${hosts(s.oldServers)}`,
      `- new servers: ${hosts(s.newServers)}`,
      `- load balancers: ${lbs.join(', ') || '—'}`,
      ...(s.zones ?? []).map((z) => {
        const serial = z.serialBefore === undefined ? `${z.serialAfter} (new)` : `${z.serialBefore} → ${z.serialAfter}`;
        return `- zone ${z.domain}: serial ${serial}, ${z.changes} RRset(s) change`;
      }),
      ...(s.approval?.pending ? ['', `**Waiting for approval** until ${s.approval.deadline}: ${how}`] : []),
    ];
  }
}
