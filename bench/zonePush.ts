// zone-push: a one-record change to a 10 000-record zone, served by the lab's nameservers with a
// zone push while dnsperf sends a bounded UDP load through both LBs; then the same kind of change
// (one more record) through an NS blue-green deploy in the same run, for comparison. The lab's
// example.test is replaced by the generated zone (its ns1/ns2 still the LBs' addresses) and
// pushed once before the measurement (not measured: it replaces almost every RRset, so --force).
import fs from 'node:fs';
import { nsDeployInput } from '../src/cli/deployInput';
import { zonePushInput } from '../src/cli/zonePushInput';
import { nsBlueGreen, zonePush } from '../src/workflows';
import type { Benchmark } from './lib/benchmark';
import { dnsperf, queryFile, type DnsperfResult } from './lib/dnsperf';
import { secondsPerActivity, timeline, workflowSpans, type TimelineStep } from './lib/history';
import { withLab, type LabSession } from './lib/labSession';
import { generateZone } from './lib/zoneGenerator';
import { emulatorUrl } from '../lab/emulatorProcess';

export const PARAMETERS = {
  records: 10_000,
  qpsPerLb: 500,
  /** dnsperf runs this long around the push (from 3 s before it); bounded. */
  pushLoadSeconds: 60,
  /** …and around the NS deploy (the lab config's policies: soak 30 s). */
  deployLoadSeconds: 150,
  queryNames: 2_000,
};

interface Loaded {
  seconds: number;
  sent: number;
  lost: number;
  perLb: DnsperfResult[];
}

export interface ZonePushBenchResult {
  records: number;
  /** Wall time of the one-record push, from its start to verified on every server (and through every LB). */
  pushSeconds: number;
  push: Loaded;
  /** Where the push's time went: seconds per activity type (parallel ones added up). */
  pushSteps: Record<string, number>;
  /** The push's activities in order: when each started (s from the first) and how long it took. */
  pushTimeline: TimelineStep[];
  /** The NS deploy of the same kind of change (one added record) in the same run. */
  nsDeploySeconds: number;
  nsDeploy: Loaded;
  speedup: number;
  queriesSent: number;
  queriesLost: number;
}

/** The generated zone as the lab's example.test: its NS names are the lab's LBs. */
export function labZone(records: number): { text: string; queries: string[] } {
  const z = generateZone({ origin: 'example.test', records });
  const text = z.text
    .replace(/^ns1(\s+)\d+ IN A\s+\S+$/m, 'ns1$1   30 IN A     198.18.1.2')
    .replace(/^ns2(\s+)\d+ IN A\s+\S+$/m, 'ns2$1   30 IN A     198.18.1.3');
  const queries = new Set<string>();
  for (const line of text.split('\n')) {
    const m = line.match(/^(\S+)\s+(\d+\s+)?IN\s+(A|AAAA|MX|TXT|CNAME|SRV)\s/);
    if (!m || m[1].startsWith('$')) continue;
    queries.add(`${m[1] === '@' ? 'example.test' : `${m[1]}.example.test`} ${m[3]}`);
  }
  return { text, queries: [...queries].slice(0, PARAMETERS.queryNames) };
}

/** Runs `change` while dnsperf sends `seconds` of load through every LB, from 3 s before it. */
export async function underLoad(s: LabSession, queries: string, seconds: number, change: () => Promise<void>) {
  const state = (await (await fetch(`${emulatorUrl()}/__admin/state`)).json()) as {
    instances: { label: string; ipv4Public: string }[];
  };
  const lbs = s.cfg.loadBalancers.map((l) => state.instances.find((i) => i.label === l.label)!.ipv4Public);
  const load = Promise.all(lbs.map((address) => dnsperf({ address, queries, qps: PARAMETERS.qpsPerLb, seconds })));
  await new Promise((r) => setTimeout(r, 3_000));
  const t0 = Date.now();
  await change();
  const elapsed = (Date.now() - t0) / 1000;
  const perLb = await load;
  if (elapsed + 3 > seconds) throw new Error(`the change took ${elapsed} s, longer than its load window`);
  const sum = (k: 'sent' | 'lost') => perLb.reduce((n, r) => n + r[k], 0);
  return { seconds: Math.round(elapsed * 100) / 100, sent: sum('sent'), lost: sum('lost'), perLb };
}

export async function zonePushBench(say: (s: string) => void): Promise<ZonePushBenchResult> {
  return withLab({ say }, async (s) => {
    const file = s.cfg.zones.find((z) => z.domain === 'example.test')!.file;
    const zone = labZone(PARAMETERS.records);
    const queries = queryFile(zone.queries);
    const run = async (id: string, force = false) => {
      const workflowId = `lab/zone-push-bench-${id}-${Date.now()}`;
      const r = await s.env.client.workflow.execute(zonePush, {
        taskQueue: s.taskQueue,
        workflowId,
        args: [zonePushInput(s.cfg, { force })],
      });
      if (r.outcome !== 'pushed') throw new Error(`zone push ${id}: ${r.outcome}`);
      return workflowId;
    };

    say(`serve a generated ${PARAMETERS.records}-record example.test (zone push --force, not measured)`);
    fs.writeFileSync(file, zone.text);
    await run('setup', true);

    say(`one added record by zone push, ${PARAMETERS.qpsPerLb} qps through each LB`);
    fs.appendFileSync(file, 'bench-push 300 IN A 192.0.2.201\n');
    let pushed = '';
    const push = await underLoad(s, queries, PARAMETERS.pushLoadSeconds, async () => {
      pushed = await run('one-record');
    });
    const spans = await workflowSpans(s.env, pushed);
    const pushSteps = secondsPerActivity(spans);
    const pushTimeline = timeline(spans);

    say('one more added record by NS blue-green deploy, same load');
    fs.appendFileSync(file, 'bench-deploy 300 IN A 192.0.2.202\n');
    const nsDeploy = await underLoad(s, queries, PARAMETERS.deployLoadSeconds, async () => {
      const r = await s.env.client.workflow.execute(nsBlueGreen, {
        taskQueue: s.taskQueue,
        workflowId: `lab/zone-push-bench-deploy-${Date.now()}`,
        args: [nsDeployInput(s.cfg)],
      });
      if (r.outcome !== 'deployed') throw new Error(`NS deploy: ${r.outcome}`);
    });
    return {
      records: PARAMETERS.records,
      pushSeconds: push.seconds,
      push,
      pushSteps,
      pushTimeline,
      nsDeploySeconds: nsDeploy.seconds,
      nsDeploy,
      speedup: Math.round((nsDeploy.seconds / push.seconds) * 10) / 10,
      queriesSent: push.sent + nsDeploy.sent,
      queriesLost: push.lost + nsDeploy.lost,
    };
  });
}

export const benchmark: Benchmark = {
  name: 'zone-push',
  description: 'A one-record change to a 10 000-record zone: zone push vs NS deploy, under dnsperf through both LBs',
  async run(say) {
    const r = await zonePushBench(say);
    return {
      parameters: PARAMETERS,
      figures: r,
      summary:
        `one-record change to a ${r.records}-record zone: zone push ${r.pushSeconds} s ` +
        `(${r.push.sent} queries, ${r.push.lost} lost), NS deploy ${r.nsDeploySeconds} s ` +
        `(${r.nsDeploy.sent} queries, ${r.nsDeploy.lost} lost): ${r.speedup}× faster`,
    };
  },
};
