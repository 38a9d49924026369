// What the operator sees of an adoption: each host with the fingerprints it presented and the
// key pinned for it, the roles' plan, and what the workflow waits for.
import { workflowInfo } from '@temporalio/workflow';
import type { FleetAdoptStatus } from '../../shared';
import { PhaseTracker } from '../lib/phaseTracker';

const decide = (id: string) => `\`nsdeploy approve ${id}\` or \`nsdeploy reject …\``;

export class AdoptTracker extends PhaseTracker<FleetAdoptStatus> {
  constructor(fleet: string) {
    super({ phase: 'find', fleet, hosts: [], events: [] });
  }

  protected details(): string[] {
    const s = this.status;
    const id = workflowInfo().workflowId;
    return [
      `**Phase: ${s.phase}** — fleet \`${s.fleet}\``,
      '',
      ...s.hosts.map((h) => {
        const keys = h.keys.map((k) => `${k.type} ${k.fingerprint}`).join(', ') || '—';
        return `- ${h.label} (${h.role}, ${h.publicIPv4 ?? '?'}): ${h.pinned ? `pinned ${h.pinned}` : `keys ${keys}`}`;
      }),
      ...(s.rolesPlan ? ['', `Roles plan: ${s.rolesPlan.changed} change(s)`] : []),
      ...(s.phase === 'confirm-keys'
        ? ['', `**Waiting for the fingerprints**: \`nsdeploy fleet confirm-keys ${id} --fingerprint <host>=SHA256:…\``]
        : []),
      ...(s.approval?.pending ? ['', `**Waiting for approval** until ${s.approval.deadline}: ${decide(id)}`] : []),
    ];
  }
}
