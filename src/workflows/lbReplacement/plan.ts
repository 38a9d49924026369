// The LB replacement's plan, shown before anything changes (and all a dry run does).
import { labelsOf, type LbReplacementInput } from '../../shared';
import { formatDuration } from '../../shared/duration';
import type { LbPreflight } from './preflight';

export function lbReplacementPlan(input: LbReplacementInput, pre: LbPreflight): string[] {
  const { policies } = input;
  const { delegationTtlSeconds, zoneTtlSeconds, totalMs } = pre.drain;
  const moved = pre.atLbs.map((r) => `${r.name} ${r.type}`).join(', ');
  const { windowMs, maxQueries } = policies.proof;
  const files = pre.moving.map((m) => m.zone.file).join(', ');
  return [
    ...input.loadBalancers.map(
      (l) => `create ${l}${input.nextSuffix} and configure it (Ansible proxy) to the live nameservers`,
    ),
    `verify every record of ${input.zones.map((z) => z.domain).join(', ')} through each new LB`,
    `move ${moved} to the new LBs in ${files} (serial up) and serve it (NS blue-green deploy)`,
    'you change the glue at the registrar; the workflow checks every parent (RD=0, UDP and TCP) ' +
      'and waits until all serve it',
    `drain ${formatDuration(totalMs)} (delegation TTL ${delegationTtlSeconds}s + zone TTL ${zoneTtlSeconds}s + ` +
      `margin ${formatDuration(policies.drainMarginMs)}) from the moment all parents serve the new glue`,
    `prove the old LBs get at most ${maxQueries} queries in ${formatDuration(windowMs)}`,
    ...(policies.approval.beforeRetire
      ? [`wait up to ${formatDuration(policies.approval.timeoutMs)} for approval`]
      : []),
    `delete ${labelsOf(pre.oldLbs)}, rename the new LBs to ${labelsOf(input.loadBalancers)}`,
  ];
}
