// What the operator sees of an LB replacement: the status query, the DeployPhase search
// attribute, and current details that put the one thing a human must do — the glue change at
// the registrar — at the top, with what every parent serves right now.
import { setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { LbReplacementStatus } from '../../shared';
import { PhaseTracker } from './phaseTracker';

export class LbTracker extends PhaseTracker<LbReplacementStatus> {
  constructor(fleet: string) {
    super({ phase: 'preflight', fleet, oldLbs: [], newLbs: [], events: [] });
  }

  render(): void {
    const s = this.status;
    const id = workflowInfo().workflowId;
    const hosts = (h: LbReplacementStatus['oldLbs']) => h.map((x) => `${x.label} ${x.publicIPv4 ?? ''}`.trim()).join(', ') || '—';
    const lines = [`**Phase: ${s.phase}** — fleet \`${s.fleet}\``, '', `- old LBs: ${hosts(s.oldLbs)}`, `- new LBs: ${hosts(s.newLbs)}`];
    if (s.zone) lines.push(`- zone: serial ${s.zone.serialBefore} → ${s.zone.serialAfter}; ${s.zone.moved.join('; ')}`);
    if (s.glue && (s.phase === 'glue' || s.phase === 'glue-revert')) {
      const revert = s.phase === 'glue-revert';
      lines.push(
        '',
        `### ${revert ? 'Change the glue BACK at your registrar' : 'Your turn: change the glue at your registrar'}`,
        ...s.glue.change.map((c) => `- **${c.name}**: ${revert ? c.to.join(', ') : c.from.join(', ')} → **${revert ? c.from.join(', ') : c.to.join(', ')}**`),
        '',
        `Then: \`nsdeploy glue-updated ${id}\` (or \`temporal workflow signal --workflow-id ${id} --name glueUpdated\`). ` +
          'The workflow goes on when every parent serves it, signal or not.',
        '',
        `Parents (checked ${s.glue.checkedAt ?? 'not yet'}):`,
        '',
        ...s.glue.parents.map((p) => `- ${p.parent}: **${p.serves}** — ${p.detail}`),
        ...(s.glue.signals.length ? ['', `Signals: ${s.glue.signals.map((x) => `${x.at}${x.by ? ` by ${x.by}` : ''} (${x.parentsServingNew}/${x.parents} parents had it)`).join('; ')}`] : []),
      );
    }
    if (s.drain?.end) lines.push('', `Drain ends **${s.drain.end}**: delegation TTL ${s.drain.delegationTtlSeconds}s + zone TTL ${s.drain.zoneTtlSeconds}s + margin ${Math.round(s.drain.marginMs / 1000)}s.`);
    if (s.proof) lines.push('', `Proof of no traffic: ${s.proof.attempts} window(s) checked${s.proof.last ? `; last: ${s.proof.last}` : ''}${s.proof.provenAt ? `; quiet at ${s.proof.provenAt}` : ''}`);
    if (s.approval?.pending) lines.push('', `**Waiting for approval** until ${s.approval.deadline}: \`nsdeploy approve ${id}\` or \`nsdeploy reject ${id}\``);
    if (s.error) lines.push('', `**Error:** ${s.error}`);
    lines.push('', 'Recent:', '', ...s.events.slice(-8).map((e) => `- ${e}`));
    setCurrentDetails(lines.join('\n'));
  }
}
