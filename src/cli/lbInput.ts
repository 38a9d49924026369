// Turns a fleet config into the LB replacement's workflow input (no secrets: names, paths,
// addresses and policies only).
import type { FleetConfig } from '../config';
import type { LbReplacementInput } from '../shared';
import { fleetSpecOf, nsDeployInput } from './deployInput';

export function lbReplacementInput(cfg: FleetConfig, opts: { dryRun?: boolean } = {}): LbReplacementInput {
  const ns = nsDeployInput(cfg);
  const p = cfg.policies;
  return {
    ...fleetSpecOf(cfg),
    parents: cfg.parents.map((s) => ({ address: s.address, port: s.port })),
    proxyVars: cfg.proxyVars,
    policies: {
      gate: ns.policies.gate,
      drainMarginMs: p.drain.margin,
      drainMaxMs: p.drain.maxWait,
      glueCheckEveryMs: p.glue.checkEvery,
      glueTimeoutMs: p.glue.timeout,
      proof: {
        windowMs: p.proofOfNoTraffic.window,
        maxQueries: p.proofOfNoTraffic.maxQueries,
        maxWaitMs: p.proofOfNoTraffic.maxWait,
      },
      approval: {
        beforeRetire: p.approval.beforeRetire,
        timeoutMs: p.approval.timeout,
        onTimeout: p.approval.onTimeout,
      },
      bootTimeoutMs: p.bootTimeout,
      sshTimeoutMs: p.sshTimeout,
    },
    nsDeployPolicies: ns.policies,
    dryRun: opts.dryRun,
  };
}
