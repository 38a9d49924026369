// Keeps what the operator sees in step with the workflow: the status query, the DeployPhase
// search attribute and the Web UI's current details.
import { setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { DeployStatus } from '../../shared';
import { PhaseTracker } from './phaseTracker';

export class DeployTracker extends PhaseTracker<DeployStatus> {
  /** `hosts`: the lines describing the hosts in the current details (default: NS deploy's). */
  constructor(fleet: string, private readonly hosts?: (s: DeployStatus) => string[]) {
    super({ phase: 'preflight', fleet, oldServers: [], newServers: [], loadBalancers: [], switched: [], events: [] });
  }

  render(extra?: string): void {
    const s = this.status;
    const hosts = (h: DeployStatus['oldServers']) => h.map((x) => `${x.label}${x.privateIPv4 ? ` (${x.privateIPv4})` : ''}`).join(', ') || '—';
    setCurrentDetails(
      [
        `**Phase: ${s.phase}** — fleet \`${s.fleet}\`${s.zoneSerial ? `, zone serial ${s.zoneSerial}` : ''}`,
        '',
        ...(this.hosts?.(s) ?? [
          `- old servers: ${hosts(s.oldServers)}`,
          `- new servers: ${hosts(s.newServers)}`,
          `- load balancers: ${s.loadBalancers.map((l) => `${l.label}${s.switched.includes(l.label) ? ' → new' : ''}`).join(', ') || '—'}`,
        ]),
        ...(s.approval?.pending ? ['', `**Waiting for approval** until ${s.approval.deadline}: \`nsdeploy approve ${workflowInfo().workflowId}\` or \`nsdeploy reject …\``] : []),
        ...(s.error ? ['', `**Error:** ${s.error}`] : []),
        ...(extra ? ['', extra] : []),
        '',
        'Recent:',
        '',
        ...s.events.slice(-8).map((e) => `- ${e}`),
      ].join('\n'),
    );
  }
}
