// scale: an NS deploy of a fleet of 20 nameservers behind 4 LBs in 2 regions (3 zones, one of
// 10 000 records) against a 2-nameserver deploy of the same zones, in the same run on the same
// lab, with the emulator's realistic provisioning + boot and Linode's create limit (20 per
// 15 s; nsdeploy paces its creates to it, src/linode/pacer.ts). During the big deploy: dnsperf
// through every LB (raw, bounded), memory of the lab sampled; afterwards every 429 the emulator
// answered, each with the wait that followed it.
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { TooManyRequestsReport } from '../lab/linode-emulator/throttleLog';
import { createActivities } from '../src/activities';
import type { LbQueryCount } from '../src/activities/ssh';
import { nsDeployInput } from '../src/cli/deployInput';
import { loadFleetConfig, type FleetConfig } from '../src/config';
import { nsBlueGreen } from '../src/workflows';
import { activitySpans } from './lib/history';
import type { Benchmark } from './lib/benchmark';
import { dnsperf, queryFile, type DnsperfResult } from './lib/dnsperf';
import { admin } from './lib/emulatorAdmin';
import {
  bringUpFleet,
  labMemory,
  withEmptyLab,
  writeFleetConfig,
  writeZones,
  type LabMemory,
  type LiveFleet,
} from './lib/labFleet';
import { withBenchWorker } from './lib/labSession';
import { generateZone } from './lib/zoneGenerator';

const PARAMETERS = {
  provisioningMs: 30_000,
  bootingMs: 45_000,
  soakMs: 0,
  nameserversPerRegion: 10,
  loadBalancersPerRegion: 2,
  regions: ['us-east', 'eu-west'],
  bigZoneRecords: 10_000,
  /** dnsperf per LB during the big deploy (raw: one try, 3 s timeout). */
  qpsPerLb: 200,
  /** The load during the 2-nameserver deploy (it must outlast the deploy by 5 s). */
  twoDeployLoadSeconds: 300,
  /** A 429's Retry-After counts from when the client could read it: requests this close were on their way. */
  throttleGraceMs: 250,
  memorySampleEveryMs: 10_000,
};

type Worker = Parameters<Parameters<typeof withBenchWorker>[1]>[0];

interface DeployFigures {
  fleet: string;
  nameservers: number;
  loadBalancers: number;
  outcome: string;
  seconds: number;
  /** Per activity type: how many, and from the first scheduled to the last completed (s). */
  activities: Record<string, { count: number; spanSeconds: number }>;
}

async function deploy(w: Worker, cfg: FleetConfig, say: (s: string) => void): Promise<DeployFigures> {
  const input = nsDeployInput({ ...cfg, policies: { ...cfg.policies, soak: PARAMETERS.soakMs } });
  const workflowId = `scale/${cfg.fleet}-${Date.now()}`;
  say(`NS deploy of ${cfg.fleet}: ${cfg.nameservers.length} nameservers behind ${cfg.loadBalancers.length} LBs`);
  const t0 = Date.now();
  const result = await w.env.client.workflow.execute(nsBlueGreen, {
    taskQueue: w.taskQueue,
    workflowId,
    args: [input],
  });
  const seconds = round((Date.now() - t0) / 1000);
  const history = await w.env.client.workflow.getHandle(workflowId).fetchHistory();
  // Per activity type; the zone comparisons apart by what they are for (baseline, gate, verify).
  const converter = w.env.client.options.loadedDataConverter.payloadConverter;
  const kinds = new Map<number, string>();
  for (const e of history.events ?? []) {
    const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (!type) continue;
    const summary = e.userMetadata?.summary ? String(converter.fromPayload(e.userMetadata.summary)) : '';
    kinds.set(Number(e.eventId), type === 'compareZoneOnServer' ? `${type} (${summary.split(/[ :]/)[0]})` : type);
  }
  const spans = activitySpans(history.events ?? [], () => []).map((x, i) => ({ ...x, type: [...kinds.values()][i] }));
  const activities: DeployFigures['activities'] = {};
  for (const type of [...new Set(spans.map((x) => x.type))]) {
    const of = spans.filter((x) => x.type === type);
    const end = Math.max(...of.map((x) => x.end ?? x.start));
    activities[type] = { count: of.length, spanSeconds: round(end - Math.min(...of.map((x) => x.start))) };
  }
  say(`${cfg.fleet}: ${result.outcome} in ${seconds} s`);
  return {
    fleet: cfg.fleet,
    nameservers: cfg.nameservers.length,
    loadBalancers: cfg.loadBalancers.length,
    outcome: result.outcome,
    seconds,
    activities,
  };
}

const mock = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
const acts = createActivities({ logger: pino({ level: 'warn' }) });

/** dnsperf through every LB of `fleet` while `change` runs (from 5 s before it); nginx's own count after. */
async function underLoad(fleet: LiveFleet, seconds: number, queries: string, change: () => Promise<DeployFigures>) {
  const t0 = Date.now();
  const perf = fleet.lbs.map((lb) =>
    dnsperf({ address: lb.publicIPv4, queries, qps: PARAMETERS.qpsPerLb, seconds, timeoutSec: 3 }),
  );
  await new Promise((r) => setTimeout(r, 5000));
  const figures = await change();
  if ((Date.now() - t0) / 1000 > seconds - 5)
    throw new Error(`the deploy took ${figures.seconds} s, longer than the load (${seconds} s)`);
  const results = await Promise.all(perf);
  const perLb: Record<string, { dnsperf: DnsperfResult; atLb: { sessions: number; failed: number } }> = {};
  for (const [i, lb] of fleet.lbs.entries()) {
    const ssh = {
      address: lb.publicIPv4,
      user: fleet.cfg.ssh.user,
      privateKeyFile: fleet.cfg.ssh.privateKeyFile,
      knownHostsFile: fleet.cfg.ssh.knownHostsFile,
    };
    const count = (await mock().run(acts.lbQueryCount, ssh, { sinceEpochMs: t0 })) as LbQueryCount;
    perLb[lb.label] = { dnsperf: results[i], atLb: { sessions: count.queries, failed: count.failed } };
  }
  const sum = (f: (x: (typeof perLb)[string]) => number) => Object.values(perLb).reduce((a, x) => a + f(x), 0);
  return {
    figures,
    load: {
      seconds,
      sent: sum((x) => x.dnsperf.sent),
      lost: sum((x) => x.dnsperf.lost),
      notNoerror: sum((x) => x.dnsperf.completed - x.dnsperf.noerror),
      unansweredAtLbs: sum((x) => x.atLb.failed),
      perLb,
    },
  };
}

/** The largest sample of each figure while `during` runs (sampled every memorySampleEveryMs). */
async function peakMemory<T>(during: () => Promise<T>): Promise<{ result: T; peak: LabMemory }> {
  let peak = labMemory();
  const timer = setInterval(() => {
    const m = labMemory();
    if (m.hostsRssMiB + m.emulatorRssMiB + m.workerRssMiB > peak.hostsRssMiB + peak.emulatorRssMiB + peak.workerRssMiB)
      peak = m;
  }, PARAMETERS.memorySampleEveryMs);
  try {
    return { result: await during(), peak };
  } finally {
    clearInterval(timer);
  }
}

function fleetFiles(dir: string) {
  const big = generateZone({ origin: 'big.test', records: PARAMETERS.bigZoneRecords });
  const template = (domain: string) => fs.readFileSync(path.join(__dirname, '..', 'zones', `${domain}.zone`), 'utf8');
  const zones = writeZones(dir, [
    { domain: 'example.test', text: template('example.test') },
    { domain: 'shop.test', text: template('shop.test') },
    { domain: 'big.test', text: big.text },
  ]);
  const [east, west] = PARAMETERS.regions;
  const n = PARAMETERS.nameserversPerRegion;
  const l = PARAMETERS.loadBalancersPerRegion;
  const labels = (prefix: string, from: number, count: number) =>
    Array.from({ length: count }, (_, i) => `${prefix}${from + i}`);
  const two = writeFleetConfig(dir, {
    fleet: 'scale-two',
    nameservers: { [east]: ['two-ns1'], [west]: ['two-ns2'] },
    loadBalancers: { [east]: ['two-lb1'], [west]: ['two-lb2'] },
    zones,
  });
  const scale = writeFleetConfig(dir, {
    fleet: 'scale',
    nameservers: { [east]: labels('ns', 1, n), [west]: labels('ns', n + 1, n) },
    loadBalancers: { [east]: labels('lb', 1, l), [west]: labels('lb', l + 1, l) },
    zones,
  });
  // Questions for dnsperf: every zone's SOA and NS, and hosts of the big zone.
  const bigNames = big.text
    .split('\n')
    .filter((line) => / IN A /.test(line) && !line.startsWith('@') && !line.startsWith('*'))
    .slice(0, 20)
    .map((line) => `${line.split(/\s+/)[0]}.big.test A`);
  const questions = ['example.test', 'shop.test', 'big.test'].flatMap((z) => [`${z} SOA`, `${z} NS`]);
  return { two, scale, queries: queryFile([...questions, 'www.example.test A', ...bigNames]), bigRecords: big.records };
}

export async function scale(say: (s: string) => void) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-scale-'));
  try {
    const files = fleetFiles(dir);
    return await withEmptyLab({ ...PARAMETERS, say }, () =>
      withBenchWorker(say, async (w) => {
        const twoCfg = loadFleetConfig(files.two);
        const scaleCfg = loadFleetConfig(files.scale);
        const t0 = Date.now();
        const [two, big] = await Promise.all([bringUpFleet(twoCfg, say), bringUpFleet(scaleCfg, say)]);
        const bringUpSeconds = round((Date.now() - t0) / 1000);
        const bringUpThrottling = await throttling();
        const memoryAtRest = labMemory();
        say(`lab up: ${memoryAtRest.hosts} hosts in ${bringUpSeconds} s; 2-nameserver deploy`);
        // Both deploys under the same load per LB, so that the ratio compares like with like.
        say(`2-nameserver deploy under ${PARAMETERS.qpsPerLb} qps per LB (${PARAMETERS.twoDeployLoadSeconds} s)`);
        const two2 = await underLoad(two, PARAMETERS.twoDeployLoadSeconds, files.queries, () => deploy(w, twoCfg, say));
        const twoDeploy = two2.figures;
        const loadSeconds = Math.ceil(Math.max(240, 4 * twoDeploy.seconds));
        say(
          `${scaleCfg.nameservers.length}-nameserver deploy under ${PARAMETERS.qpsPerLb} qps per LB (${loadSeconds} s)`,
        );
        const { result: big20, peak } = await peakMemory(() =>
          underLoad(big, loadSeconds, files.queries, () => deploy(w, scaleCfg, say)),
        );
        const allThrottling = await throttling();
        const ratio = round(big20.figures.seconds / twoDeploy.seconds, 3);
        const checks = {
          bothDeployed: twoDeploy.outcome === 'deployed' && big20.figures.outcome === 'deployed',
          ratioAtMost1_5: ratio <= 1.5,
          noQueryLost: big20.load.lost === 0 && big20.load.unansweredAtLbs === 0,
          noQueryLostInTwoServerDeploy: two2.load.lost === 0 && two2.load.unansweredAtLbs === 0,
          every429Honoured: allThrottling.unhonoured === 0,
        };
        return {
          zones: { count: 3, bigZoneRecords: files.bigRecords },
          bringUp: {
            instances: two.ns.length + two.lbs.length + big.ns.length + big.lbs.length,
            seconds: bringUpSeconds,
            createToRunningSeconds: {
              [two.cfg.fleet]: round(two.createSeconds),
              [big.cfg.fleet]: round(big.createSeconds),
            },
            configureSeconds: {
              [two.cfg.fleet]: round(two.configureSeconds),
              [big.cfg.fleet]: round(big.configureSeconds),
            },
            createsAnsweredAfterSeconds: {
              [two.cfg.fleet]: two.createsAnsweredAfterSeconds,
              [big.cfg.fleet]: big.createsAnsweredAfterSeconds,
            },
            tooManyRequests: bringUpThrottling.tooManyRequests.length,
          },
          twoServerDeploy: twoDeploy,
          scaleDeploy: big20.figures,
          ratioToTwoServerDeploy: ratio,
          load: big20.load,
          twoServerDeployLoad: two2.load,
          tooManyRequests: {
            count: allThrottling.tooManyRequests.length,
            unhonoured: allThrottling.unhonoured,
            graceMs: PARAMETERS.throttleGraceMs,
            each: allThrottling.tooManyRequests,
          },
          memory: { atRest: memoryAtRest, peakDuringScaleDeploy: peak },
          checks,
          passed: Object.values(checks).every(Boolean),
        };
      }),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const throttling = () =>
  admin<{ tooManyRequests: TooManyRequestsReport[]; unhonoured: number }>(
    'GET',
    `/__admin/throttling?graceMs=${PARAMETERS.throttleGraceMs}`,
  );

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

export const benchmark: Benchmark = {
  name: 'scale',
  description:
    "NS deploy of 20 nameservers behind 4 LBs (2 regions, 3 zones, one of 10 000 records) against a 2-nameserver deploy, with Linode's create limit; queries lost, 429s honoured, lab memory",
  async run(say) {
    const r = await scale(say);
    const m = r.memory.peakDuringScaleDeploy;
    return {
      parameters: PARAMETERS,
      figures: r,
      summary:
        `20-nameserver deploy ${r.scaleDeploy.seconds} s = ${r.ratioToTwoServerDeploy} × the 2-nameserver deploy ` +
        `(${r.twoServerDeploy.seconds} s); ${r.load.lost} of ${r.load.sent} queries lost through ${Object.keys(r.load.perLb).length} LBs; ` +
        `${r.tooManyRequests.count} 429s, ${r.tooManyRequests.unhonoured} unhonoured; ` +
        `lab memory at peak ${m.hosts} hosts ${m.hostsRssMiB} MiB + emulator ${m.emulatorRssMiB} + worker ${m.workerRssMiB} MiB` +
        (r.passed ? '' : ' — FAILED'),
    };
  },
};
