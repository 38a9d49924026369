// What the operator sees of an in-place LB update: each LB's state and the plan being applied.
import type { LbUpdateStatus, LbUpdateView } from '../../shared';
import { PhaseTracker } from '../lib/phaseTracker';

export class LbUpdateTracker extends PhaseTracker<LbUpdateStatus> {
  constructor(fleet: string, loadBalancers: string[]) {
    const lbUpdates: LbUpdateView[] = loadBalancers.map((label) => ({ label, state: 'pending' }));
    super({ phase: 'preflight', fleet, loadBalancers: [], lbUpdates, events: [] });
  }

  protected details(): string[] {
    return [
      `**Phase: ${this.status.phase}** — fleet \`${this.status.fleet}\``,
      '',
      ...this.status.lbUpdates.map(describeLb),
    ];
  }
}

function describeLb(u: LbUpdateView): string {
  const planned = u.plannedChanges !== undefined ? ` (${u.plannedChanges} planned change(s))` : '';
  const upstreams = u.upstreams ? ` → ${u.upstreams.join(', ')}` : '';
  return `- ${u.label}: **${u.state}**${planned}${upstreams}${u.error ? ` — ${u.error}` : ''}`;
}
