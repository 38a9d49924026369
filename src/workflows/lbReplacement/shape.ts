// The LB replacement's input in today's shape (several zones and regions), whatever history it
// comes from; and the new LBs: each in its old LB's region, forwarding where that one does.
import type { LbRef, LbReplacementInput, LegacyLbReplacementInput } from '../../shared';
import { fromLegacyFleet } from '../lib/shape';

export function lbReplacementShape(input: LbReplacementInput | LegacyLbReplacementInput): LbReplacementInput {
  return 'zoneFile' in input ? fromLegacyFleet(input) : input;
}

export const nextLbs = (input: LbReplacementInput): LbRef[] =>
  input.loadBalancers.map((lb) => ({ ...lb, label: lb.label + input.nextSuffix }));
