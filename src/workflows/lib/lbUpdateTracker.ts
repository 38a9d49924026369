// What the operator sees of an in-place LB update: each LB's state and the plan being applied.
import { setCurrentDetails } from '@temporalio/workflow';
import type { LbUpdateStatus, LbUpdateView } from '../../shared';
import { PhaseTracker } from './phaseTracker';

export class LbUpdateTracker extends PhaseTracker<LbUpdateStatus> {
  constructor(fleet: string, loadBalancers: string[]) {
    const lbUpdates: LbUpdateView[] = loadBalancers.map((label) => ({ label, state: 'pending' }));
    super({ phase: 'preflight', fleet, loadBalancers: [], lbUpdates, events: [] });
  }

  render(): void {
    const s = this.status;
    setCurrentDetails(
      [
        `**Phase: ${s.phase}** — fleet \`${s.fleet}\``,
        '',
        ...s.lbUpdates.map(describeLb),
        ...(s.error ? ['', `**Error:** ${s.error}`] : []),
        '',
        'Recent:',
        '',
        ...s.events.slice(-8).map((e) => `- ${e}`),
      ].join('\n'),
    );
  }
}

function describeLb(u: LbUpdateView): string {
  const planned = u.plannedChanges !== undefined ? ` (${u.plannedChanges} planned change(s))` : '';
  const upstreams = u.upstreams ? ` → ${u.upstreams.join(', ')}` : '';
  return `- ${u.label}: **${u.state}**${planned}${upstreams}${u.error ? ` — ${u.error}` : ''}`;
}
