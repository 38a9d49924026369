// The LB replacement's input in today's shape (several zones and regions), whatever history it
// comes from; and the new LBs: each in its old LB's region, forwarding where that one does.
import type { LbRef, LbReplacementInput, LegacyLbReplacementInput } from '../../shared';
import { legacyHosts, legacyLbs, legacyZones } from '../lib/shape';

export function lbReplacementShape(input: LbReplacementInput | LegacyLbReplacementInput): LbReplacementInput {
  if (!('zoneFile' in input)) return input;
  const { domain: _d, zoneFile: _z, nameservers, loadBalancers, ...rest } = input;
  const { region } = input.linode;
  return {
    ...rest,
    zones: legacyZones(input),
    nameservers: legacyHosts(nameservers, region),
    loadBalancers: legacyLbs(loadBalancers, nameservers, region),
  };
}

export const nextLbs = (input: LbReplacementInput): LbRef[] =>
  input.loadBalancers.map((lb) => ({ ...lb, label: lb.label + input.nextSuffix }));
