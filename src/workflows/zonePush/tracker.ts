// What the operator sees of a zone push: each zone's serial, each nameserver's state (canary
// first), and a pending approval, above the recent events.
import { workflowInfo } from '@temporalio/workflow';
import type { HostRef, ServerPushState, ZonePushStatus } from '../../shared';
import { PhaseTracker } from '../lib/phaseTracker';

export class ZonePushTracker extends PhaseTracker<ZonePushStatus> {
  constructor(fleet: string, nameservers: HostRef[]) {
    const servers = nameservers.map((n) => ({ label: n.label, state: 'pending' as const }));
    super({ phase: 'preflight', fleet, servers, loadBalancers: [], events: [] });
  }

  server(label: string, state: ServerPushState, serving?: string[]): void {
    const view = this.status.servers.find((s) => s.label === label);
    if (!view) return;
    view.state = state;
    if (serving) view.serving = serving;
    this.render();
  }

  protected details(): string[] {
    const s = this.status;
    const how = `\`nsdeploy approve ${workflowInfo().workflowId}\` or \`nsdeploy reject …\``;
    return [
      `**Phase: ${s.phase}** — fleet \`${s.fleet}\``,
      '',
      ...(s.zones ?? []).map((z) => {
        const serial = z.serialBefore === undefined ? `${z.serialAfter}` : `${z.serialBefore} → ${z.serialAfter}`;
        return `- zone ${z.domain}: serial ${serial}, ${z.changes} RRset(s) change`;
      }),
      ...s.servers.map(
        (v, i) =>
          `- ${v.label}${i === 0 ? ' (canary)' : ''}: **${v.state}**${v.serving ? ` — ${v.serving.join(', ')}` : ''}`,
      ),
      ...(s.approval?.pending ? ['', `**Waiting for approval** until ${s.approval.deadline}: ${how}`] : []),
    ];
  }
}
