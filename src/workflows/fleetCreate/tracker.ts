// What the operator sees of a fleet create: the hosts as they come, then the registrar step
// (the NS and glue records to publish) with what every parent serves now.
import { workflowInfo } from '@temporalio/workflow';
import type { FleetCreateStatus, HostView } from '../../shared';
import { PhaseTracker } from '../lib/phaseTracker';

const hosts = (h: HostView[]) => h.map((x) => `${x.label} ${x.publicIPv4 ?? ''}`.trim()).join(', ') || '—';

export class FleetCreateTracker extends PhaseTracker<FleetCreateStatus> {
  constructor(fleet: string) {
    super({ phase: 'build', fleet, lbs: [], nameservers: [], events: [] });
  }

  protected details(): string[] {
    const s = this.status;
    const id = workflowInfo().workflowId;
    const lines = [`**Phase: ${s.phase}** — fleet \`${s.fleet}\``, '', `- LBs: ${hosts(s.lbs)}`];
    lines.push(`- nameservers: ${hosts(s.nameservers)}`);
    if (s.registrar) lines.push('', '### At your registrar', '', ...s.registrar.map((r) => `- ${r}`));
    if (s.glue && s.phase === 'glue') {
      lines.push('', `Then: \`nsdeploy glue-updated ${id}\`. The workflow goes on when every parent serves it.`);
      lines.push('', `Parents (checked ${s.glue.checkedAt ?? 'not yet'}):`, '');
      lines.push(...s.glue.parents.map((p) => `- ${p.parent}: **${p.serves}** — ${p.detail}`));
    }
    return lines;
  }
}
