// lb-ip-swap: a whole LB replacement by IP swap on the lab (each new LB takes its old LB's
// public address through the emulator's Linode IP assignment, which moves it between the hosts)
// with DNS clients asking the lab's recursive resolver all along (as lost-resolutions does),
// and raw dnsperf load (no retries) at each address that moves, in back-to-back bounded windows.
// Then, on the same lab, a replacement by glue (registrar played as in lost-resolutions) for its
// wall time side by side.
import type { WorkflowHandle } from '@temporalio/client';
import { lbReplacementInput } from '../src/cli/lbInput';
import type { LbReplacementResult } from '../src/shared';
import { lbReplacement } from '../src/workflows';
import { startDnsLoad } from '../testkit/dnsLoad';
import { setGlue } from '../lab/parent';
import type { Benchmark } from './lib/benchmark';
import { dnsperf, queryFile, type DnsperfResult } from './lib/dnsperf';
import { withLab, type LabSession } from './lib/labSession';
import { playOperatorAtGlue } from './lib/lbOperator';

const RESOLVER = '198.18.0.10';
const LB_ADDRESSES = ['198.18.1.2', '198.18.1.3'];
const PARAMETERS = {
  resolver: RESOLVER,
  qps: 100,
  dnsperfQpsPerAddress: 100,
  dnsperfWindowSeconds: 10,
  /** Bound on the dnsperf windows per address (60 × 10 s = 10 min). */
  dnsperfMaxWindows: 60,
  swapQuietMs: 10_000,
  delegationTtlSeconds: 30,
  soakMs: 6_000,
  glueCheckEveryMs: 2_000,
  proofWindowMs: 10_000,
  registrarDelayMs: 4_000,
};

interface RawLoss {
  address: string;
  windows: number;
  sent: number;
  completed: number;
  lost: number;
  notNoerror: number;
}

/** dnsperf windows at `address` until `done()` (bounded): sums of every window. */
async function rawLossAt(address: string, done: () => boolean): Promise<RawLoss> {
  const queries = queryFile(['example.test SOA', 'www.example.test A', 'ns1.example.test A', 'example.test NS']);
  const runs: DnsperfResult[] = [];
  while (!done() && runs.length < PARAMETERS.dnsperfMaxWindows) {
    const { dnsperfQpsPerAddress: qps, dnsperfWindowSeconds: seconds } = PARAMETERS;
    runs.push(await dnsperf({ address, queries, qps, seconds, timeoutSec: 2 }));
  }
  const sum = (f: (r: DnsperfResult) => number) => runs.reduce((n, r) => n + f(r), 0);
  return {
    address,
    windows: runs.length,
    sent: sum((r) => r.sent),
    completed: sum((r) => r.completed),
    lost: sum((r) => r.lost),
    notNoerror: sum((r) => r.completed - r.noerror),
  };
}

async function run(s: LabSession, input: ReturnType<typeof lbReplacementInput>, id: string) {
  const workflowId = `lab/lb-ip-swap-bench-${id}-${Date.now()}`;
  return s.env.client.workflow.start(lbReplacement, { taskQueue: s.taskQueue, workflowId, args: [input] });
}

async function ipSwapUnderLoad(s: LabSession, say: (l: string) => void) {
  const domain = s.cfg.zones[0].domain;
  const load = startDnsLoad({
    server: RESOLVER,
    domain,
    known: { name: `www.${domain}`, address: '198.18.2.80' },
    qps: PARAMETERS.qps,
    maxQueries: PARAMETERS.qps * 900,
    maxMs: 900_000,
  });
  let finished = false;
  const raw = LB_ADDRESSES.map((a) => rawLossAt(a, () => finished));
  let result: LbReplacementResult | undefined;
  let wallMs = 0;
  try {
    await new Promise((r) => setTimeout(r, 5_000));
    const input = lbReplacementInput(s.cfg, { strategy: 'ipSwap' });
    input.policies.swapQuietMs = PARAMETERS.swapQuietMs;
    const t0 = Date.now();
    const handle: WorkflowHandle<typeof lbReplacement> = await run(s, input, 'ipswap');
    say(`ipSwap replacement ${handle.workflowId} under ${PARAMETERS.qps} qps through ${RESOLVER}`);
    result = await handle.result();
    wallMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 5_000));
  } finally {
    finished = true;
  }
  const resolver = await load.stop();
  const rawLoss = await Promise.all(raw);
  return { result: result!, wallMs, resolver, rawLoss };
}

async function glueWallTime(s: LabSession, say: (l: string) => void) {
  await setGlue({}, { ttlSeconds: PARAMETERS.delegationTtlSeconds });
  const input = lbReplacementInput(s.cfg, { strategy: 'glue' });
  input.nsDeployPolicies.soakMs = PARAMETERS.soakMs;
  input.nsDeployPolicies.soakProbeEveryMs = PARAMETERS.soakMs / 2;
  input.policies.glueCheckEveryMs = PARAMETERS.glueCheckEveryMs;
  input.policies.proof.windowMs = PARAMETERS.proofWindowMs;
  const t0 = Date.now();
  const handle = await run(s, input, 'glue');
  say(`glue replacement ${handle.workflowId} (registrar played, parents 4 s apart)`);
  await playOperatorAtGlue(handle, {
    by: 'lb-ip-swap',
    registrarDelayMs: PARAMETERS.registrarDelayMs,
    timeoutMs: 15 * 60_000,
  });
  const result = await handle.result();
  return { outcome: result.outcome, wallMs: Date.now() - t0 };
}

export async function lbIpSwap(say: (s: string) => void) {
  return withLab({ say }, async (s) => {
    const swap = await ipSwapUnderLoad(s, say);
    const glue = await glueWallTime(s, say);
    const st = swap.result.status;
    const { sent, answered, failed, failures, durationMs } = swap.resolver;
    return {
      ipSwap: {
        outcome: swap.result.outcome,
        wallSeconds: Math.round(swap.wallMs / 1000),
        swaps: (st.swaps ?? []).map((w) => ({ address: w.address, state: w.state, at: w.at, proof: w.proof })),
        lbs: st.newLbs.map((l) => `${l.label} ${l.publicIPv4}`),
      },
      resolver: { sent, answered, failed, failures, seconds: Math.round(durationMs / 1000) },
      rawLossAtMovedAddresses: swap.rawLoss,
      glue: { outcome: glue.outcome, wallSeconds: Math.round(glue.wallMs / 1000) },
      passed: swap.result.outcome === 'replaced' && failed === 0 && sent > 0 && glue.outcome === 'replaced',
    };
  });
}

export const benchmark: Benchmark = {
  name: 'lb-ip-swap',
  description:
    'LB replacement by IP swap under resolver load: failed resolutions, raw loss per moved address, vs glue time',
  async run(say) {
    const r = await lbIpSwap(say);
    const raw = r.rawLossAtMovedAddresses.map((x) => `${x.address} ${x.lost}/${x.sent} lost`).join(', ');
    return {
      parameters: PARAMETERS,
      figures: r,
      summary:
        `${r.passed ? 'PASSED' : 'FAILED'}: ipSwap ${r.ipSwap.outcome} in ${r.ipSwap.wallSeconds} s ` +
        `(glue: ${r.glue.wallSeconds} s); ${r.resolver.sent} resolutions, ${r.resolver.failed} failed; raw dnsperf ${raw}`,
    };
  },
};
