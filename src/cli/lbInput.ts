// Turns a fleet config into the LB replacement's workflow input (no secrets: names, paths,
// addresses and policies only).
import type { FleetConfig } from '../config';
import type { LbReplacementInput, LbStrategy } from '../shared';
import { fleetSpecOf, nsDeployInput } from './deployInput';

export interface LbReplacementOptions {
  dryRun?: boolean;
  /** `--strategy`: force glue or ipSwap instead of letting the plan choose. */
  strategy?: LbStrategy;
}

export const LB_STRATEGIES: readonly LbStrategy[] = ['glue', 'ipSwap'];

export function lbReplacementInput(cfg: FleetConfig, opts: LbReplacementOptions = {}): LbReplacementInput {
  if (opts.strategy !== undefined && !LB_STRATEGIES.includes(opts.strategy)) {
    throw new Error(`--strategy ${String(opts.strategy)}: expected one of ${LB_STRATEGIES.join(', ')}`);
  }
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
      swapQuietMs: p.ipSwap.quiet,
      bootTimeoutMs: p.bootTimeout,
      sshTimeoutMs: p.sshTimeout,
    },
    nsDeployPolicies: ns.policies,
    ...(opts.strategy && { strategy: opts.strategy }),
    dryRun: opts.dryRun,
  };
}
