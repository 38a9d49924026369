// What must change at the registrar: for each NS name of the delegation, the glue the parents
// serve now and what it becomes once the old LBs' addresses are replaced by the new ones'.
import { ApplicationFailure } from '@temporalio/workflow';
import type { GlueChange } from '../../shared';
import type { LbPreflight } from './preflight';

export function glueChangeFor(pre: LbPreflight, moves: Record<string, string>): GlueChange[] {
  const change = pre.nsNames.map((name) => {
    const from = pre.glueNow(name);
    return { name, from, to: from.map((a) => moves[a] ?? a) };
  });
  const changing = change.filter((c) => c.from.join() !== c.to.join());
  if (changing.length === 0) {
    const glue = change.map((c) => `${c.name} ${c.from.join(',')}`).join('; ');
    const why = `the delegation's glue (${glue}) does not point at the old LBs: nothing to change at the registrar`;
    throw ApplicationFailure.nonRetryable(why, 'GlueMismatch');
  }
  return changing;
}
