// verify: how long nsdeploy's verification (the deploy's gate, the compareZoneOnServer activity)
// takes on a large zone, against what dnsperf achieves on the same servers and questions.
// A generated 10 000-record zone is served by 2 "old" + 2 "new" real BIND servers (lab hosts in
// their own network namespaces on a private /24, configured by the nameserver role); the
// activity runs with the lab config's gate settings (transports, concurrency) on each server
// alone, then on all four at once, then at other concurrencies; dnsperf runs once through the
// same questions per server over UDP and over TCP. Everything is torn down afterwards.
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createDnsActivities, type CompareZoneOnServerInput } from '../src/activities/dns';
import { fleetConfigSchema } from '../src/config/schema';
import execa from 'execa';
import { groupRRsets, loadZoneText, query, type QueryFn } from '../src/dns';
import { netnsName } from '../lab/hosts/paths';
import type { Benchmark } from './lib/benchmark';
import { dnsperfPass, type DnsperfPass } from './lib/dnsperfPass';
import { withNsFleet, type FleetServer } from './lib/nsFleet';
import type { TestLab } from '../testkit/labHosts';
import { generateZone } from './lib/zoneGenerator';

const LAB_CONFIG = path.join(__dirname, '..', 'config', 'lab.yaml');
/** 198.19.245.0/24: no test uses it (grep makeTestLab( / makeDnsTestLab( in test/). */
const OCTET = 245;

/** The deploy's gate settings as config/lab.yaml gives them (schema defaults applied). */
function labGate(): { transports: ('udp' | 'tcp')[]; concurrency: number } {
  const cfg = fleetConfigSchema.parse(parseYaml(fs.readFileSync(LAB_CONFIG, 'utf8')));
  return {
    transports: [...cfg.policies.gate.transports] as ('udp' | 'tcp')[],
    concurrency: cfg.policies.gate.concurrency,
  };
}

export interface VerifyOptions {
  records: number;
  seed: number;
  origin: string;
  oldServers: string[];
  newServers: string[];
  /** Other concurrencies to time on one server, besides the gate's. */
  sweep: number[];
  /** Verifications of one server in a row without a pause. */
  backToBack: number;
  /** Each server alone, and dnsperf on each, this many times over (the figures are medians). */
  rounds: number;
  settle: { timeWaitBelow: number; maxSeconds: number };
  dnsperf: { clients: number; outstanding: number; timeoutSec: number; maxSeconds: number };
  say: (s: string) => void;
}

/** Per transport: queries asked, those that needed more than one packet/connection, latency. */
interface TransportStats {
  queries: number;
  failed: number;
  retried: number;
  extraAttempts: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

interface Run {
  server: string;
  role?: 'old' | 'new';
  concurrency: number;
  transports: string[];
  /** Wall time of the activity: loading the zone (named-compilezone) plus every query. */
  wallSeconds: number;
  /** The comparison's own duration (queries only), as the activity reports it. */
  queryingSeconds: number;
  queriesSent: number;
  queriesPerSecond: number;
  ok: boolean;
  differences: number;
  nsids: string[];
  byTransport: Record<string, TransportStats>;
  /** The first differences (errors included), for a run that was not ok. */
  differenceSamples: string[];
  /** CPU time of this process during the run (in a parallel group: the whole group's, overlapping). */
  cpu: { userSeconds: number; systemSeconds: number };
  /** TCP sockets in TIME_WAIT on this machine (root namespace) when the run started. */
  timeWaitAtStart: number;
  /** Kernel counters that rose during the run, in the server's namespace and on this machine's side. */
  kernel: { server: Record<string, number>; client: Record<string, number> };
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));
const mock = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

/** The counters that show drops: a full listen queue (SYNs dropped), full UDP socket buffers. */
const COUNTERS = [
  'TcpExtListenOverflows',
  'TcpExtListenDrops',
  'TcpExtTCPReqQFullDrop',
  'TcpExtSyncookiesSent',
  'TcpAttemptFails',
  'TcpRetransSegs',
  'UdpRcvbufErrors',
  'UdpSndbufErrors',
  'UdpInErrors',
];
async function netCounters(netns?: string): Promise<Record<string, number>> {
  const cmd = ['nstat', '-asz', ...COUNTERS];
  const r = netns
    ? await execa('ip', ['netns', 'exec', netns, ...cmd], { reject: false })
    : await execa(cmd[0], cmd.slice(1), { reject: false });
  const out: Record<string, number> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+)\s+(\d+)/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}
const rose = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(
    Object.keys(after)
      .map((k) => [k, after[k] - (before[k] ?? 0)])
      .filter(([, v]) => (v as number) > 0),
  );

/** TCP sockets in TIME_WAIT in this network namespace (every client connection nsdeploy closes leaves one for 60 s). */
const timeWait = () => Number(/\btw (\d+)/.exec(fs.readFileSync('/proc/net/sockstat', 'utf8'))?.[1] ?? NaN);

/**
 * Waits (at most `maxMs`) until fewer than `below` TCP sockets are in TIME_WAIT, so a run does
 * not pay for the connections of the run before it (see the back-to-back figures for that).
 */
async function settle(below: number, maxMs: number): Promise<{ waitedSeconds: number; timeWait: number }> {
  const t0 = Date.now();
  while (timeWait() >= below && Date.now() - t0 < maxMs) await new Promise((r) => setTimeout(r, 1000));
  return { waitedSeconds: Math.round((Date.now() - t0) / 1000), timeWait: timeWait() };
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;

/** The real query function, timed and counted per transport. */
function countingQuery() {
  const lat: Record<string, number[]> = {};
  const counts: Record<string, { failed: number; retried: number; extraAttempts: number }> = {};
  const fn: QueryFn = async (server, question, options) => {
    const t = options?.transport ?? 'auto';
    const c = (counts[t] ??= { failed: 0, retried: 0, extraAttempts: 0 });
    const t0 = process.hrtime.bigint();
    try {
      const r = await query(server, question, options);
      if (r.attempts > 1) {
        c.retried++;
        c.extraAttempts += r.attempts - 1;
      }
      return r;
    } catch (err) {
      c.failed++;
      throw err;
    } finally {
      (lat[t] ??= []).push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  const stats = (): Record<string, TransportStats> =>
    Object.fromEntries(
      Object.entries(lat).map(([t, xs]) => {
        const s = [...xs].sort((a, b) => a - b);
        return [
          t,
          {
            queries: s.length,
            ...counts[t],
            p50Ms: round(percentile(s, 50)),
            p99Ms: round(percentile(s, 99)),
            maxMs: round(s[s.length - 1] ?? 0),
          },
        ];
      }),
    );
  return { fn, stats };
}

async function verifyOnce(
  lab: TestLab,
  server: FleetServer,
  zoneFile: string,
  origin: string,
  transports: ('udp' | 'tcp')[],
  concurrency: number,
  role?: 'old' | 'new',
  timeEachQuery = false,
): Promise<Run> {
  // The activity as the worker runs it; timing each query wraps the query function, which keeps
  // the comparison on one thread (compareZone's helper threads run the real one only).
  const counting = countingQuery();
  const dns = createDnsActivities(timeEachQuery ? { query: counting.fn } : {});
  const input: CompareZoneOnServerInput = {
    server: { address: server.privateIPv4 },
    zone: { origin, file: zoneFile },
    transports,
    concurrency,
  };
  const netns = netnsName(lab.config, server.label);
  const before = { server: await netCounters(netns), client: await netCounters() };
  const timeWaitAtStart = timeWait();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const r = (await mock().run(dns.compareZoneOnServer, input)) as Awaited<ReturnType<typeof dns.compareZoneOnServer>>;
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const kernel = {
    server: rose(before.server, await netCounters(netns)),
    client: rose(before.client, await netCounters()),
  };
  return {
    server: server.label,
    ...(role && { role }),
    concurrency,
    transports,
    wallSeconds: round(wall, 3),
    queryingSeconds: round(r.durationMs / 1000, 3),
    queriesSent: r.queriesSent,
    queriesPerSecond: Math.round(r.queriesSent / wall),
    ok: r.ok,
    differences: r.differences.length + r.differencesOmitted,
    nsids: r.nsids,
    byTransport: counting.stats(),
    kernel,
    differenceSamples: r.differences
      .slice(0, 3)
      .map((d) => `${d.transport} ${d.name} ${d.type} ${d.kind}${'message' in d ? `: ${d.message}` : ''}`),
    cpu: { userSeconds: round(cpu.user / 1e6), systemSeconds: round(cpu.system / 1e6) },
    timeWaitAtStart,
  };
}

/** One line per run: time, rate, and what went wrong underneath (retries, drops). */
function describe(r: Run): string {
  const t = Object.entries(r.byTransport)
    .map(
      ([k, v]) =>
        `${k} p50 ${v.p50Ms} ms p99 ${v.p99Ms} ms${v.retried ? ` ${v.retried} retried` : ''}${v.failed ? ` ${v.failed} failed` : ''}`,
    )
    .join(', ');
  const k = Object.entries(r.kernel.server)
    .map(([n, v]) => `${n} ${v}`)
    .join(' ');
  return `${r.wallSeconds} s, ${r.queriesSent} queries, ${r.queriesPerSecond} q/s, ${r.ok ? 'no differences' : `${r.differences} differences, e.g. ${r.differenceSamples[0]}`} (${t}${k ? `; server ${k}` : ''}; CPU ${r.cpu.userSeconds} s user + ${r.cpu.systemSeconds} s system; ${r.timeWaitAtStart} TIME_WAIT at start)`;
}

export async function verifyBenchmark(o: VerifyOptions) {
  const gate = labGate();
  const loadAtStart = os.loadavg().map((x) => round(x));
  const zone = generateZone({ origin: o.origin, records: o.records, seed: o.seed });
  const expected = await loadZoneText(zone.text, zone.origin);
  const sets = groupRRsets(expected).filter((s) => s.role !== 'occluded');
  o.say(
    `zone ${zone.origin}: ${zone.records} records, ${sets.length} RRsets (${Object.entries(zone.byType)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})`,
  );
  const labels = [...o.oldServers, ...o.newServers];
  const roleOf = (label: string): 'old' | 'new' => (o.oldServers.includes(label) ? 'old' : 'new');

  return withNsFleet(
    { name: 'bench-verify', octet: OCTET, labels, origin: zone.origin, zoneText: zone.text, say: o.say },
    async (fleet) => {
      // Every server answers the SOA with the zone's serial before anything is timed.
      for (const s of fleet.servers) {
        const soa = await query({ address: s.privateIPv4 }, { name: zone.origin, type: 'SOA' }, { transport: 'udp' });
        if (soa.rcode !== 'NOERROR' || !soa.flags.aa)
          throw new Error(`${s.label} does not serve ${zone.origin}: ${soa.rcode}`);
      }
      const queriesFile = path.join(fleet.lab.dir, 'queries');
      fs.writeFileSync(queriesFile, sets.map((s) => `${s.name} ${s.type}`).join('\n') + '\n');

      const settled: { waitedSeconds: number; timeWait: number }[] = [];
      const waitForQuiet = async () => {
        const w = await settle(o.settle.timeWaitBelow, o.settle.maxSeconds * 1000);
        settled.push(w);
        if (w.waitedSeconds > 0) o.say(`  (waited ${w.waitedSeconds} s for TIME_WAIT to drain: ${w.timeWait} left)`);
      };
      const runOn = (srv: FleetServer, transports: ('udp' | 'tcp')[], concurrency: number, timed = false) =>
        verifyOnce(fleet.lab, srv, fleet.zoneFile, zone.origin, transports, concurrency, roleOf(srv.label), timed);
      const verify = async (srv: FleetServer, transports: ('udp' | 'tcp')[], concurrency: number, timed = false) => {
        await waitForQuiet();
        return runOn(srv, transports, concurrency, timed);
      };
      const inParallel = async (servers: FleetServer[]) => {
        await waitForQuiet();
        const cpu0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        const runs = await Promise.all(servers.map((srv) => runOn(srv, gate.transports, gate.concurrency)));
        const wall = Number(process.hrtime.bigint() - t0) / 1e9;
        const cpu = process.cpuUsage(cpu0);
        const queries = runs.reduce((a, r) => a + r.queriesSent, 0);
        o.say(
          `  ${round(wall, 3)} s, ${queries} queries, ${Math.round(queries / wall)} q/s${runs.every((r) => r.ok) ? '' : ' — DIFFERENCES'}, CPU ${round(cpu.user / 1e6)} s user + ${round(cpu.system / 1e6)} s system`,
        );
        for (const r of runs) o.say(`    ${r.server}: ${describe(r)}`);
        return {
          servers: servers.map((x) => x.label),
          wallSeconds: round(wall, 3),
          queriesSent: queries,
          queriesPerSecond: Math.round(queries / wall),
          cpu: { userSeconds: round(cpu.user / 1e6), systemSeconds: round(cpu.system / 1e6) },
          runs,
        };
      };

      // V8 optimises the query and check code while it runs: a worker's first verification is
      // slower than every later one (the deploy's gate runs after its baseline, the push's
      // second server after its first). Timed apart, not counted in the figures below.
      o.say(`warm-up: a first verification of ${fleet.servers[0].label} in this process, timed apart`);
      const firstInProcess = await verify(fleet.servers[0], gate.transports, gate.concurrency);
      o.say(`  ${describe(firstInProcess)}`);
      o.say(
        `verify (compareZoneOnServer, ${gate.transports.join('+')}, concurrency ${gate.concurrency}) on each server alone`,
      );
      // Several rounds, the figure their median: one run lasts half a second, and on a shared
      // 2-core machine the same run varies by ±30% from one to the next (dnsperf likewise).
      const perServer: Run[] = [];
      for (let round = 1; round <= o.rounds; round++) {
        for (const srv of fleet.servers) {
          const r = await verify(srv, gate.transports, gate.concurrency);
          o.say(`  round ${round}, ${srv.label} (${r.role}): ${describe(r)}`);
          perServer.push(r);
        }
      }
      const newOnes = fleet.servers.filter((x) => roleOf(x.label) === 'new');
      o.say(
        `the deploy's gate: ${newOnes.map((x) => x.label).join(' and ')} at once (the workflow verifies its new servers in parallel)`,
      );
      const gateRun = await inParallel(newOnes);
      o.say('all four servers at once');
      const allFour = await inParallel(fleet.servers);

      const sweepServer = newOnes[0] ?? fleet.servers[0];
      const base = perServer.find((r) => r.server === sweepServer.label)!;
      o.say(
        `on ${sweepServer.label} alone: each transport apart (each query timed, so on one thread), then other concurrencies`,
      );
      const apart: Run[] = [];
      for (const t of gate.transports) {
        const r = await verify(sweepServer, [t], gate.concurrency, true);
        o.say(`  ${t} only, concurrency ${gate.concurrency}: ${describe(r)}`);
        apart.push(r);
      }
      const sweep: (Run & { speedupVsGate: number })[] = [];
      for (const c of o.sweep) {
        const r = await verify(sweepServer, gate.transports, c);
        sweep.push({ ...r, speedupVsGate: round(base.wallSeconds / r.wallSeconds) });
        o.say(
          `  concurrency ${c}: ${describe(r)} — ${round(base.wallSeconds / r.wallSeconds)}× the speed at ${gate.concurrency}`,
        );
      }

      o.say(
        `back to back: ${o.backToBack} verifications of ${sweepServer.label} in a row, no pause (compareZone pipelines TCP over a few reused connections, at most ${gate.concurrency}, and closes them at the end: each run leaves at most that many in TIME_WAIT for 60 s, instead of one per RRset when every query had its own connection)`,
      );
      await waitForQuiet();
      const backToBack: Run[] = [];
      for (let i = 0; i < o.backToBack; i++) {
        const r = await runOn(sweepServer, gate.transports, gate.concurrency);
        o.say(`  #${i + 1}: ${describe(r)}`);
        backToBack.push(r);
      }

      o.say(
        `dnsperf once through the same ${sets.length} questions (-n 1, no -Q), per server, UDP then TCP, ${o.rounds} rounds`,
      );
      await waitForQuiet();
      const dnsperf: DnsperfPass[] = [];
      for (let round = 1; round <= o.rounds; round++) {
        for (const s of fleet.servers) {
          for (const mode of ['udp', 'tcp'] as const) {
            const p = await dnsperfPass({ server: s.privateIPv4, queries: queriesFile, mode, ...o.dnsperf });
            dnsperf.push({ ...p, server: s.label });
            o.say(
              `  round ${round}, ${s.label} ${mode}: ${p.completed}/${p.sent} in ${p.runSeconds} s, ${Math.round(p.qps)} q/s${p.lost ? `, ${p.lost} lost` : ''}`,
            );
          }
        }
      }
      const avg = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
      const median = (xs: number[]) => {
        const s = [...xs].sort((a, b) => a - b);
        return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
      };
      const dnsperfQps = (mode: 'udp' | 'tcp') => dnsperf.filter((d) => d.mode === mode).map((d) => d.qps);
      return {
        zone: { origin: zone.origin, records: zone.records, rrsets: sets.length, byType: zone.byType, seed: o.seed },
        gate: { ...gate, from: 'config/lab.yaml policies.gate' },
        servers: fleet.servers.map((s) => ({ ...s, role: roleOf(s.label) })),
        lab: {
          subnet: `${fleet.lab.net}.0/24`,
          hostsStartSeconds: round(fleet.startSeconds, 1),
          ansibleNameserverRoleSeconds: round(fleet.configureSeconds, 1),
        },
        verify: {
          firstInProcess,
          perServer,
          averagePerServer: {
            wallSeconds: round(avg(perServer.map((r) => r.wallSeconds)), 3),
            queriesPerSecond: Math.round(avg(perServer.map((r) => r.queriesPerSecond))),
          },
          /** The figure: the median of the rounds × servers runs. */
          medianPerServer: {
            runs: perServer.length,
            wallSeconds: round(median(perServer.map((r) => r.wallSeconds)), 3),
            queriesPerSecond: Math.round(median(perServer.map((r) => r.queriesPerSecond))),
          },
          sequentialTotal: {
            wallSeconds: round(
              perServer.reduce((a, r) => a + r.wallSeconds, 0),
              3,
            ),
            queriesSent: perServer.reduce((a, r) => a + r.queriesSent, 0),
          },
          gateNewServersInParallel: gateRun,
          allFourInParallel: allFour,
        },
        transportsApart: { server: sweepServer.label, concurrency: gate.concurrency, runs: apart },
        backToBack: {
          server: sweepServer.label,
          note: 'the same verification repeated without a pause: compareZone pipelines its TCP queries over a few reused connections (RFC 7766 §6.2.1.1; at most `concurrency`) and closes them at the end, so each run leaves at most that many TIME_WAIT sockets on this machine for 60 s (when every TCP query had its own connection, each run left one per RRset and the system CPU time of each later run grew with them: connect() searching for a free source port); see cpu.systemSeconds and timeWaitAtStart',
          runs: backToBack,
        },
        settle: {
          ...o.settle,
          waits: settled,
          note: 'before every other timed run the benchmark waits until fewer than timeWaitBelow TCP sockets are in TIME_WAIT (at most maxSeconds), so one run does not pay for the one before',
        },
        concurrency: {
          server: sweepServer.label,
          gateConcurrency: gate.concurrency,
          gateWallSeconds: base.wallSeconds,
          runs: sweep,
        },
        dnsperf: {
          runs: dnsperf,
          averageQps: { udp: Math.round(avg(dnsperfQps('udp'))), tcp: Math.round(avg(dnsperfQps('tcp'))) },
          medianQps: { udp: Math.round(median(dnsperfQps('udp'))), tcp: Math.round(median(dnsperfQps('tcp'))) },
          note: 'dnsperf -e (EDNS, no NSID option) keeps up to -q queries outstanding over -c clients and reuses its TCP connections; nsdeploy asks with EDNS + NSID, at most `concurrency` queries in flight, over UDP on one socket and over TCP pipelined on a few reused connections, and checks every answer',
        },
        loadAverageAtStart: loadAtStart,
        /**
         * The issue's measure: one server alone (UDP+TCP, every answer checked) over dnsperf's UDP
         * q/s on the same servers, each the median of its rounds × servers; and of the averages.
         */
        ratioAloneToDnsperfUdp: round(median(perServer.map((r) => r.queriesPerSecond)) / median(dnsperfQps('udp')), 2),
        ratioAloneToDnsperfUdpOfAverages: round(
          avg(perServer.map((r) => r.queriesPerSecond)) / avg(dnsperfQps('udp')),
          2,
        ),
        note: 'all on one machine: the benchmark process, dnsperf and the four named share its CPUs',
      };
    },
  );
}

const PARAMETERS = {
  records: 10_000,
  seed: 20261123,
  origin: 'example.test',
  oldServers: ['ns1', 'ns2'],
  newServers: ['ns1-next', 'ns2-next'],
  sweep: [4, 16, 32, 128],
  backToBack: 3,
  rounds: 3,
  settle: { timeWaitBelow: 2000, maxSeconds: 90 },
  dnsperf: { clients: 4, outstanding: 100, timeoutSec: 2, maxSeconds: 60 },
};

export const benchmark: Benchmark = {
  name: 'verify',
  description:
    "nsdeploy's record-by-record verification (compareZoneOnServer, UDP+TCP) of a generated 10 000-record zone on 4 real BIND servers, against dnsperf on the same questions",
  async run(say) {
    const f = await verifyBenchmark({ ...PARAMETERS, say });
    const at = (c: number) => f.concurrency.runs.find((r) => r.concurrency === c);
    const sweepLine = PARAMETERS.sweep.map((c) => `${c}: ${at(c)?.wallSeconds} s`).join(', ');
    return {
      parameters: { ...PARAMETERS, gate: f.gate, subnet: f.lab.subnet },
      figures: f,
      summary:
        `${f.zone.records} records (${f.zone.rrsets} RRsets, ${f.verify.perServer[0].queriesSent} queries ${f.gate.transports.join('+')} per server, concurrency ${f.gate.concurrency}): ` +
        `median of ${f.verify.medianPerServer.runs} runs ${f.verify.medianPerServer.wallSeconds} s per server alone (${f.verify.medianPerServer.queriesPerSecond} q/s) = ` +
        `${f.ratioAloneToDnsperfUdp} × dnsperf's median UDP rate (of the averages ${f.ratioAloneToDnsperfUdpOfAverages} ×; the process's first verification ` +
        `${f.verify.firstInProcess.wallSeconds} s), ` +
        `the gate's 2 new servers at once ${f.verify.gateNewServersInParallel.wallSeconds} s, all 4 at once ${f.verify.allFourInParallel.wallSeconds} s (${f.verify.allFourInParallel.queriesPerSecond} q/s); ` +
        `dnsperf ${f.dnsperf.medianQps.udp} q/s UDP, ${f.dnsperf.medianQps.tcp} q/s TCP (medians of ${PARAMETERS.rounds} rounds); other concurrencies (one server) ${sweepLine}; ` +
        `${f.backToBack.runs.length} runs back to back without letting TIME_WAIT drain: ${f.backToBack.runs.map((r) => `${r.wallSeconds} s`).join(', ')}`,
    };
  },
};
