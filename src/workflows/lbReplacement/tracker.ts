// What the operator sees of an LB replacement: the current details put the one thing a human
// must do (the glue change at the registrar) at the top, with what every parent serves now.
import { workflowInfo } from '@temporalio/workflow';
import type { GlueStatus, HostView, LbReplacementStatus } from '../../shared';
import { PhaseTracker } from '../lib/phaseTracker';

const hosts = (h: HostView[]) => h.map((x) => `${x.label} ${x.publicIPv4 ?? ''}`.trim()).join(', ') || '—';

export class LbTracker extends PhaseTracker<LbReplacementStatus> {
  constructor(fleet: string) {
    super({ phase: 'preflight', fleet, oldLbs: [], newLbs: [], events: [] });
  }

  protected details(): string[] {
    const s = this.status;
    const id = workflowInfo().workflowId;
    const lines = [`**Phase: ${s.phase}** — fleet \`${s.fleet}\``, '', `- old LBs: ${hosts(s.oldLbs)}`];
    lines.push(`- new LBs: ${hosts(s.newLbs)}`);
    if (s.strategy) {
      const { chosen, forced, why } = s.strategy;
      lines.push(`- strategy: **${chosen}**${forced ? ' (forced)' : ''} — ${why}`);
    }
    for (const w of s.swaps ?? []) {
      const proof = w.proof ? `; ${w.proof}` : '';
      lines.push(
        `- swap ${w.address}: ${w.oldLb} → ${w.newLb} (${w.otherAddress} → ${w.oldLb}): **${w.state}**${proof}`,
      );
    }
    for (const z of s.zones ?? []) {
      lines.push(`- zone ${z.domain}: serial ${z.serialBefore} → ${z.serialAfter}; ${z.moved.join('; ')}`);
    }
    if (s.glue && (s.phase === 'glue' || s.phase === 'glue-revert')) lines.push(...glueLines(s.glue, s.phase, id));
    if (s.drain?.end) {
      const { end, delegationTtlSeconds, zoneTtlSeconds, marginMs } = s.drain;
      const margin = Math.round(marginMs / 1000);
      const why = `delegation TTL ${delegationTtlSeconds}s + zone TTL ${zoneTtlSeconds}s + margin ${margin}s`;
      lines.push('', `Drain ends **${end}**: ${why}.`);
    }
    if (s.proof) {
      const { attempts, last, provenAt } = s.proof;
      const seen = `${last ? `; last: ${last}` : ''}${provenAt ? `; quiet at ${provenAt}` : ''}`;
      lines.push('', `Proof of no traffic: ${attempts} window(s) checked${seen}`);
    }
    if (s.approval?.pending) {
      const how = `\`nsdeploy approve ${id}\` or \`nsdeploy reject ${id}\``;
      lines.push('', `**Waiting for approval** until ${s.approval.deadline}: ${how}`);
    }
    return lines;
  }
}

function glueLines(glue: GlueStatus, phase: 'glue' | 'glue-revert', id: string): string[] {
  const revert = phase === 'glue-revert';
  const signals = glue.signals.map(
    (x) => `${x.at}${x.by ? ` by ${x.by}` : ''} (${x.parentsServingNew}/${x.parents} parents had it)`,
  );
  return [
    '',
    `### ${revert ? 'Change the glue BACK at your registrar' : 'Your turn: change the glue at your registrar'}`,
    ...glue.change.map((c) => {
      const [from, to] = revert ? [c.to, c.from] : [c.from, c.to];
      return `- **${c.name}**: ${from.join(', ')} → **${to.join(', ')}**`;
    }),
    '',
    `Then: \`nsdeploy glue-updated ${id}\` (or \`temporal workflow signal --workflow-id ${id} --name glueUpdated\`). ` +
      'The workflow goes on when every parent serves it, signal or not.',
    '',
    `Parents (checked ${glue.checkedAt ?? 'not yet'}):`,
    '',
    ...glue.parents.map((p) => `- ${p.parent}: **${p.serves}** — ${p.detail}`),
    ...(signals.length ? ['', `Signals: ${signals.join('; ')}`] : []),
  ];
}
