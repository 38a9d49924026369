// Keeps what the operator sees in step with the workflow: the status query, the DeployPhase
// search attribute and the Web UI's current details.
import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { DEPLOY_PHASE, FLEET, type DeployPhase, type DeployStatus } from '../../shared';

const MAX_EVENTS = 40;

export class DeployTracker {
  readonly status: DeployStatus;

  /** `hosts`: the lines describing the hosts in the current details (default: NS deploy's). */
  constructor(fleet: string, private readonly hosts?: (s: DeployStatus) => string[]) {
    this.status = { phase: 'preflight', fleet, oldServers: [], newServers: [], loadBalancers: [], switched: [], events: [] };
    upsertSearchAttributes([{ key: FLEET, value: fleet }, { key: DEPLOY_PHASE, value: 'preflight' }]);
  }

  phase(phase: DeployPhase, note?: string): void {
    this.status.phase = phase;
    upsertSearchAttributes([{ key: DEPLOY_PHASE, value: phase }]);
    this.event(note ? `${phase}: ${note}` : phase);
  }

  event(text: string): void {
    const at = new Date(Date.now()).toISOString().slice(11, 19);
    this.status.events.push(`${at} ${text}`);
    if (this.status.events.length > MAX_EVENTS) this.status.events.splice(0, this.status.events.length - MAX_EVENTS);
    this.render();
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
        ...s.events.slice(-8).map((e) => `- ${e}`),
      ].join('\n'),
    );
  }
}
