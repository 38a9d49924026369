// The LB replacement's plan, shown before anything changes (and all a dry run does).
import { labelsOf, type LbReplacementInput, type StrategyView } from '../../shared';
import { formatDuration } from '../../shared/duration';
import { DEFAULT_SWAP_QUIET_MS } from './ipSwap';
import type { LbPreflight } from './preflight';
import { SESSION_TAIL_MS } from './swap';

export function lbReplacementPlan(input: LbReplacementInput, pre: LbPreflight, strategy?: StrategyView): string[] {
  if (!strategy) return gluePlan(input, pre);
  const why = `strategy ${strategy.chosen}${strategy.forced ? ' (forced by --strategy)' : ''}: ${strategy.why}`;
  return [why, ...(strategy.chosen === 'ipSwap' ? ipSwapPlan(input, pre) : gluePlan(input, pre))];
}

function ipSwapPlan(input: LbReplacementInput, pre: LbPreflight): string[] {
  const { policies } = input;
  const quiet = formatDuration(policies.swapQuietMs ?? DEFAULT_SWAP_QUIET_MS);
  const tail = formatDuration(SESSION_TAIL_MS);
  return [
    ...pre.oldLbs.map(
      (l) =>
        `create ${l.label}${input.nextSuffix} in ${l.region} and configure it (Ansible proxy) to the live ` +
        `nameservers, listening on ${l.publicIPv4} too (ip_nonlocal_bind)`,
    ),
    `verify every record of ${input.zones.map((z) => z.domain).join(', ')} through each new LB at its own address`,
    ...pre.oldLbs.map(
      (l) =>
        `swap ${l.publicIPv4} to ${l.label}${input.nextSuffix} (Linode IP assignment; ${l.label} takes its ` +
        `address), verify every record at ${l.publicIPv4}, ${quiet} quiet (at least ${tail}), ` +
        `prove ${l.label}${input.nextSuffix} answers there and ${l.label} no more`,
    ),
    'no zone edit, no glue change at the registrar, no TTL drain: the addresses stay',
    ...(policies.approval.beforeRetire
      ? [`wait up to ${formatDuration(policies.approval.timeoutMs)} for approval`]
      : []),
    `delete ${labelsOf(pre.oldLbs)}, rename the new LBs to ${labelsOf(input.loadBalancers)}`,
  ];
}

function gluePlan(input: LbReplacementInput, pre: LbPreflight): string[] {
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
