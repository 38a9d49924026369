// How the clients will reach the new LBs, decided in the plan: Linode moves public addresses
// between instances of one region only, so each new LB may take its old LB's address (ipSwap:
// no glue change, no TTLs) when every new LB is made in its old LB's region; otherwise the new
// addresses go to the registrar (glue). `--strategy` forces one; ipSwap across regions is refused.
import { ApplicationFailure } from '@temporalio/workflow';
import type { InstanceInfo } from '../../activities/linode';
import type { LbReplacementInput, StrategyView } from '../../shared';

export function chooseStrategy(input: LbReplacementInput, oldLbs: InstanceInfo[]): StrategyView {
  const moves = input.loadBalancers.map((lb, i) => ({ lb, from: oldLbs[i].region }));
  const across = moves
    .filter((m) => m.from !== m.lb.region)
    .map((m) => `${m.lb.label} is in ${m.from ?? 'a region Linode did not name'}, its replacement in ${m.lb.region}`);
  const regions = [...new Set(input.loadBalancers.map((l) => l.region))].join(', ');
  const forced = input.strategy !== undefined;
  if (across.length === 0) {
    if (input.strategy === 'glue') {
      return { chosen: 'glue', forced, why: `forced (ipSwap was possible: every new LB stays in ${regions})` };
    }
    const why =
      `every new LB is made in its old LB's region (${regions}): each takes its old LB's public address ` +
      '(Linode IP assignment), so no glue change and no TTL drain';
    return { chosen: 'ipSwap', forced, why };
  }
  const why = `${across.join('; ')}: Linode moves addresses only within one region`;
  if (input.strategy === 'ipSwap') {
    throw ApplicationFailure.nonRetryable(`strategy ipSwap refused: ${why}`, 'StrategyRefused');
  }
  return { chosen: 'glue', forced, why: forced ? `forced; ipSwap impossible anyway (${why})` : why };
}
