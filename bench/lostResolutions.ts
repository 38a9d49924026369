// lost-resolutions: DNS clients asking the lab's recursive resolver (unbound, which follows the
// parents' delegation and caches it for its TTL, as a resolver on the internet does) through a
// whole LB replacement — new LBs, zone moved, glue changed at the registrar, the drain, the old
// LBs retired. Half the names are fresh (never cached: each one goes through the delegation to
// whichever LBs the resolver believes in), half a known name checked against its address. A
// client asks as stub resolvers do (2 s timeout, 3 tries); a failed resolution is one with no
// right answer after its tries.
import { lbReplacementInput } from '../src/cli/lbInput';
import type { LbReplacementResult } from '../src/shared';
import { lbReplacement } from '../src/workflows';
import { startDnsLoad } from '../testkit/dnsLoad';
import { setGlue } from '../lab/parent';
import type { Benchmark } from './lib/benchmark';
import { withLab } from './lib/labSession';
import { playOperatorAtGlue } from './lib/lbOperator';

const RESOLVER = '198.18.0.10';
const PARAMETERS = {
  resolver: RESOLVER,
  qps: 100,
  delegationTtlSeconds: 30,
  soakMs: 6_000,
  glueCheckEveryMs: 2_000,
  proofWindowMs: 10_000,
  registrarDelayMs: 4_000,
  clientTimeoutMs: 2_000,
  clientTries: 3,
};

export async function lostResolutions(say: (s: string) => void) {
  return withLab({ say }, async (s) => {
    await setGlue({}, { ttlSeconds: PARAMETERS.delegationTtlSeconds });
    const load = startDnsLoad({
      server: RESOLVER,
      domain: s.cfg.zones[0].domain,
      known: { name: `www.${s.cfg.zones[0].domain}`, address: '198.18.2.80' },
      qps: PARAMETERS.qps,
      maxQueries: PARAMETERS.qps * 1800,
      maxMs: 1800_000,
    });
    const t0 = Date.now();
    let result: LbReplacementResult;
    let resolver: Awaited<ReturnType<typeof load.stop>>;
    try {
      await new Promise((r) => setTimeout(r, 5_000));
      const input = lbReplacementInput(s.cfg, { strategy: 'glue' });
      input.nsDeployPolicies.soakMs = PARAMETERS.soakMs;
      input.nsDeployPolicies.soakProbeEveryMs = PARAMETERS.soakMs / 2;
      input.policies.glueCheckEveryMs = PARAMETERS.glueCheckEveryMs;
      input.policies.proof.windowMs = PARAMETERS.proofWindowMs;
      const workflowId = `lab/lb-replacement-bench-${Date.now()}`;
      say(`LB replacement ${workflowId} under ${PARAMETERS.qps} qps through the resolver ${RESOLVER}`);
      const handle = await s.env.client.workflow.start(lbReplacement, {
        taskQueue: s.taskQueue,
        workflowId,
        args: [input],
      });
      await playOperatorAtGlue(handle, {
        by: 'lost-resolutions',
        registrarDelayMs: PARAMETERS.registrarDelayMs,
        timeoutMs: 15 * 60_000,
      });
      say('glue changed at the registrar (parents 4 s apart) and signalled');
      result = await handle.result();
      await new Promise((r) => setTimeout(r, 5_000));
    } finally {
      resolver = await load.stop();
    }
    const st = result.status;
    return {
      outcome: result.outcome,
      replacementSeconds: Math.round((Date.now() - t0) / 1000) - 10,
      timeline: { glueAllNewSince: st.glue?.allNewSince, drainEnd: st.drain?.end, provenAt: st.proof?.provenAt },
      newLbs: st.newLbs.map((l) => `${l.label} ${l.publicIPv4}`),
      resolver: {
        sent: resolver.sent,
        answered: resolver.answered,
        failed: resolver.failed,
        failures: resolver.failures,
        seconds: Math.round(resolver.durationMs / 1000),
      },
      passed: result.outcome === 'replaced' && resolver.failed === 0 && resolver.sent > 0,
    };
  });
}

export const benchmark: Benchmark = {
  name: 'lost-resolutions',
  description: "Resolutions through the lab's recursive resolver during a whole LB replacement; failed ones counted",
  async run(say) {
    const r = await lostResolutions(say);
    return {
      parameters: PARAMETERS,
      figures: r,
      summary: `${r.passed ? 'PASSED' : 'FAILED'}: LB replacement ${r.outcome}; ${r.resolver.sent} resolutions through the resolver in ${r.resolver.seconds} s, ${r.resolver.failed} failed`,
    };
  },
};
