// scale: an NS deploy of a fleet of 20 nameservers behind 4 LBs in 2 regions (3 zones, one of
// 10 000 records) against a 2-nameserver deploy of the same zones, in the same run on the same
// lab, with the emulator's realistic provisioning + boot and Linode's create limit (20 per
// 15 s; nsdeploy paces its creates to it, src/linode/pacer.ts). Each fleet is deployed in
// several rounds, one after the other (a deploy's wall time on this 2-CPU machine varies by
// ±5 s from run to run): the ratio is that of the median times. During every deploy: dnsperf
// through every LB of its fleet (raw, bounded), memory of the lab sampled during the big ones;
// afterwards every 429 the emulator answered, each with the wait that followed it.
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
import { activitySpans, seconds as eventSeconds } from './lib/history';
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
  /** Deploys of each fleet, alternating (2-nameserver, 20-nameserver, 2-nameserver, …). */
  rounds: 3,
  /** dnsperf per LB during every deploy (raw: one try, 3 s timeout). */
  qpsPerLb: 200,
  /** The load starts this long before each deploy and stops this long after it (dnsperf's SIGINT). */
  loadMarginSeconds: 5,
  /** Bound on one load: a deploy that takes longer fails the benchmark. */
  loadMaxSeconds: 900,
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
  /**
   * Per activity type: how many, when the first was scheduled (s after the deploy started), and
   * from then to the last completed (s).
   */
  activities: Record<string, { count: number; startSeconds: number; spanSeconds: number }>;
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
  // The first event (workflow started) is the origin of each type's startSeconds.
  const started = history.events?.[0] ? eventSeconds(history.events[0]) : 0;
  const activities: DeployFigures['activities'] = {};
  for (const type of [...new Set(spans.map((x) => x.type))]) {
    const of = spans.filter((x) => x.type === type);
    const first = Math.min(...of.map((x) => x.start));
    const end = Math.max(...of.map((x) => x.end ?? x.start));
    activities[type] = { count: of.length, startSeconds: round(first - started), spanSeconds: round(end - first) };
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

/**
 * dnsperf through every LB of `fleet` from loadMarginSeconds before `change` until as long after
 * it; nginx's own count at each LB after.
 */
async function underLoad(fleet: LiveFleet, queries: string, change: () => Promise<DeployFigures>) {
  const t0 = Date.now();
  const margin = PARAMETERS.loadMarginSeconds * 1000;
  const stop = new AbortController();
  const perf = fleet.lbs.map((lb) =>
    dnsperf({
      address: lb.publicIPv4,
      queries,
      qps: PARAMETERS.qpsPerLb,
      seconds: PARAMETERS.loadMaxSeconds,
      timeoutSec: 3,
      stop: stop.signal,
    }),
  );
  let figures: DeployFigures;
  try {
    await sleep(margin);
    figures = await change();
    await sleep(margin);
  } finally {
    stop.abort();
  }
  const results = await Promise.all(perf);
  const seconds = round((Date.now() - t0) / 1000);
  if (seconds > PARAMETERS.loadMaxSeconds)
    throw new Error(
      `the deploy took ${figures.seconds} s, longer than the load may last (${PARAMETERS.loadMaxSeconds} s)`,
    );
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
      interrupted: sum((x) => x.dnsperf.interrupted),
      notNoerror: sum((x) => x.dnsperf.completed - x.dnsperf.noerror),
      unansweredAtLbs: sum((x) => x.atLb.failed),
      perLb,
    },
  };
}

type Loaded = Awaited<ReturnType<typeof underLoad>>;

/** The loads of several deploys added up (each one's own figures in `each`). */
function loadTotals(loads: Loaded['load'][]) {
  const sum = (f: (l: Loaded['load']) => number) => loads.reduce((a, l) => a + f(l), 0);
  return {
    seconds: round(sum((l) => l.seconds)),
    sent: sum((l) => l.sent),
    lost: sum((l) => l.lost),
    interrupted: sum((l) => l.interrupted),
    notNoerror: sum((l) => l.notNoerror),
    unansweredAtLbs: sum((l) => l.unansweredAtLbs),
    each: loads,
  };
}

/** The deploy of median wall time among `deploys` (an odd number of rounds: the middle one). */
function medianDeploy(deploys: DeployFigures[]): DeployFigures {
  const sorted = [...deploys].sort((a, b) => a.seconds - b.seconds);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The largest sample of each figure while `during` runs (sampled every memorySampleEveryMs). */
async function peakMemory<T>(during: () => Promise<T>): Promise<{ result: T; peak: LabMemory }> {
  let peak = labMemory();
  const timer = setInterval(() => {
    const m = labMemory();
    if (total(m) > total(peak)) peak = m;
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
        say(`lab up: ${memoryAtRest.hosts} hosts in ${bringUpSeconds} s`);
        // Both deploys under the same load per LB, so that the ratio compares like with like.
        const rounds: { two: Loaded; big: Loaded; peak: LabMemory; ratio: number }[] = [];
        for (let r = 1; r <= PARAMETERS.rounds; r++) {
          const of = `round ${r} of ${PARAMETERS.rounds}`;
          say(`${of}: 2-nameserver deploy under ${PARAMETERS.qpsPerLb} qps per LB`);
          // Memory is sampled during both deploys, so that both pay the sampler's CPU (a sample
          // reads /proc for every process of the 48 hosts, on this thread).
          const { result: twoRound } = await peakMemory(() =>
            underLoad(two, files.queries, () => deploy(w, twoCfg, say)),
          );
          say(`${of}: ${scaleCfg.nameservers.length}-nameserver deploy under ${PARAMETERS.qpsPerLb} qps per LB`);
          const { result: bigRound, peak } = await peakMemory(() =>
            underLoad(big, files.queries, () => deploy(w, scaleCfg, say)),
          );
          const ratio = round(bigRound.figures.seconds / twoRound.figures.seconds, 3);
          say(`${of}: ratio ${ratio}`);
          rounds.push({ two: twoRound, big: bigRound, peak, ratio });
        }
        const allThrottling = await throttling();
        const twoDeploy = medianDeploy(rounds.map((x) => x.two.figures));
        const bigDeploy = medianDeploy(rounds.map((x) => x.big.figures));
        const ratio = round(bigDeploy.seconds / twoDeploy.seconds, 3);
        const load = loadTotals(rounds.map((x) => x.big.load));
        const twoLoad = loadTotals(rounds.map((x) => x.two.load));
        const peak = rounds.map((x) => x.peak).reduce((a, b) => (total(b) > total(a) ? b : a));
        const checks = {
          bothDeployed: rounds.every(
            (x) => x.two.figures.outcome === 'deployed' && x.big.figures.outcome === 'deployed',
          ),
          ratioAtMost1_5: ratio <= 1.5,
          noQueryLost: load.lost === 0 && load.unansweredAtLbs === 0,
          noQueryLostInTwoServerDeploy: twoLoad.lost === 0 && twoLoad.unansweredAtLbs === 0,
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
          rounds: rounds.map((x) => ({
            twoServerSeconds: x.two.figures.seconds,
            scaleSeconds: x.big.figures.seconds,
            ratio: x.ratio,
          })),
          // The deploys of median wall time, each with its activities.
          twoServerDeploy: twoDeploy,
          scaleDeploy: bigDeploy,
          ratioToTwoServerDeploy: ratio,
          load,
          twoServerDeployLoad: twoLoad,
          tooManyRequests: {
            count: allThrottling.tooManyRequests.length,
            unhonoured: allThrottling.unhonoured,
            graceMs: PARAMETERS.throttleGraceMs,
            each: allThrottling.tooManyRequests,
          },
          memory: { atRest: memoryAtRest, peakDuringScaleDeploys: peak },
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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const total = (m: LabMemory) => m.hostsRssMiB + m.emulatorRssMiB + m.workerRssMiB;

export const benchmark: Benchmark = {
  name: 'scale',
  description:
    "NS deploy of 20 nameservers behind 4 LBs (2 regions, 3 zones, one of 10 000 records) against a 2-nameserver deploy, medians of 3 rounds, with Linode's create limit; queries lost, 429s honoured, lab memory",
  async run(say) {
    const r = await scale(say);
    const m = r.memory.peakDuringScaleDeploys;
    return {
      parameters: PARAMETERS,
      figures: r,
      summary:
        `20-nameserver deploy ${r.scaleDeploy.seconds} s = ${r.ratioToTwoServerDeploy} × the 2-nameserver deploy ` +
        `(${r.twoServerDeploy.seconds} s), medians of ${r.rounds.length} rounds ` +
        `(each round ${r.rounds.map((x) => x.ratio).join(', ')}); ` +
        `${r.load.lost} of ${r.load.sent} queries lost through ${Object.keys(r.load.each[0].perLb).length} LBs; ` +
        `${r.tooManyRequests.count} 429s, ${r.tooManyRequests.unhonoured} unhonoured; ` +
        `lab memory at peak ${m.hosts} hosts ${m.hostsRssMiB} MiB + emulator ${m.emulatorRssMiB} + worker ${m.workerRssMiB} MiB` +
        (r.passed ? '' : ' — FAILED'),
    };
  },
};
