// Turns a fleet config into the fleet create workflow's input (names, paths, addresses and
// policies only; no secret).
import type { FleetConfig } from '../config';
import type { FleetCreateInput } from '../shared';
import { fleetSpecOf, nsDeployInput } from './deployInput';

export function fleetCreateInput(cfg: FleetConfig): FleetCreateInput {
  const ns = nsDeployInput(cfg);
  const p = cfg.policies;
  return {
    ...fleetSpecOf(cfg),
    parents: cfg.parents.map((s) => ({ address: s.address, port: s.port })),
    policies: {
      gate: ns.policies.gate,
      bootTimeoutMs: p.bootTimeout,
      sshTimeoutMs: p.sshTimeout,
      glueCheckEveryMs: p.glue.checkEvery,
      glueTimeoutMs: p.glue.timeout,
    },
  };
}
