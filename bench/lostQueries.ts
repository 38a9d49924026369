// lost-queries: a bounded UDP load through both lab LBs (dnsperf, raw: no retries) while the
// fleet changes, with lost and wrong answers counted per LB by the clients and at the LBs
// (nginx's log: a session without an answer is logged with a status other than 200).
//   control      the same load, nothing changes
//   nsdeploy     an NS blue-green deploy by nsdeploy (nftables cutover, drain, retire), N runs
//   original     the original procedure replayed: new servers configured, then each LB's nginx
//                pointed at them with a reload and the old servers deleted at once
//                (JoshMcguigan/infra deploy-infra.py's order)
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import { createActivities } from '../src/activities';
import { nsDeployInput } from '../src/cli/deployInput';
import { fleetTag } from '../src/shared';
import { runSsh } from '../src/ssh/exec';
import { nsBlueGreen } from '../src/workflows';
import { startCheckedLoad, type CheckedLoadResult } from './lib/checkedLoad';
import { dnsperf, queryFile, type DnsperfResult } from './lib/dnsperf';
import type { Benchmark } from './lib/benchmark';
import { withLab, type LabSession } from './lib/labSession';

export interface LostQueriesOptions {
  runs: number;
  /** dnsperf queries per second per LB. */
  qpsPerLb: number;
  /** Seconds of load in a control run; change runs last until the change has ended + 5 s. */
  controlSeconds: number;
  original: boolean;
  say: (s: string) => void;
}

interface LbFigures {
  dnsperf: DnsperfResult;
  checked: CheckedLoadResult;
  /** Sessions nginx logged in the window, and those without an answer (status ≠ 200). */
  atLb: { sessions: number; failed: number };
}

export interface ScenarioResult {
  scenario: 'control' | 'nsdeploy' | 'original';
  run: number;
  changeSeconds: number | null;
  loadSeconds: number;
  sent: number;
  lost: number;
  wrong: number;
  perLb: Record<string, LbFigures>;
  outcome?: string;
}

const KNOWN = { name: 'mail.example.test', address: '198.18.2.25' };
const QUERIES = [
  'example.test SOA',
  'example.test NS',
  'example.test A',
  'www.example.test A',
  'example.test MX',
  'mail.example.test A',
  'example.test TXT',
  '_dmarc.example.test TXT',
  'ns1.example.test A',
  'ns2.example.test A',
];

const mock = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
const acts = createActivities({ logger: pino({ level: 'warn' }) });
const run = <A extends unknown[], R>(fn: (...a: A) => Promise<R>, ...args: A): Promise<R> =>
  mock().run(fn as never, ...(args as unknown as never[])) as Promise<R>;

/** The load runs while `change` does, from `leadMs` before it until 5 s after it; returns both. */
async function underLoad(
  s: LabSession,
  o: LostQueriesOptions,
  lbs: { label: string; address: string }[],
  seconds: number,
  change: (() => Promise<string>) | null,
  leadMs = 5000,
) {
  const queries = queryFile(QUERIES);
  const t0 = Date.now();
  const perf = lbs.map((lb) => dnsperf({ address: lb.address, queries, qps: o.qpsPerLb, seconds, timeoutSec: 3 }));
  const checked = lbs.map((lb) =>
    startCheckedLoad({ server: lb.address, ...KNOWN, qps: 20, maxQueries: 20 * (seconds + 5), maxMs: seconds * 1000 }),
  );
  let outcome: string | undefined;
  let changeSeconds: number | null = null;
  if (change) {
    await new Promise((r) => setTimeout(r, leadMs));
    const c0 = Date.now();
    outcome = await change();
    changeSeconds = (Date.now() - c0) / 1000;
    if ((Date.now() - t0) / 1000 > seconds - 5)
      throw new Error(
        `the change took ${changeSeconds.toFixed(0)} s, longer than the load (${seconds} s): run with a longer load`,
      );
  }
  const [p, c] = [await Promise.all(perf), await Promise.all(checked.map((x) => x.stop()))];
  const perLb: Record<string, LbFigures> = {};
  const ssh = (address: string) => ({
    address,
    user: s.cfg.ssh.user,
    privateKeyFile: s.cfg.ssh.privateKeyFile,
    knownHostsFile: s.cfg.ssh.knownHostsFile,
  });
  for (const [i, lb] of lbs.entries()) {
    const count = await run(acts.lbQueryCount, ssh(lb.address), { sinceEpochMs: t0 });
    perLb[lb.label] = { dnsperf: p[i], checked: c[i], atLb: { sessions: count.queries, failed: count.failed } };
  }
  const sum = (f: (x: LbFigures) => number) => Object.values(perLb).reduce((a, x) => a + f(x), 0);
  return {
    loadSeconds: seconds,
    changeSeconds,
    outcome,
    perLb,
    sent: sum((x) => x.dnsperf.sent + x.checked.sent),
    lost: sum((x) => x.dnsperf.lost + x.checked.lost),
    wrong: sum((x) => x.dnsperf.completed - x.dnsperf.noerror + x.checked.wrong),
  };
}

async function liveFleet(s: LabSession) {
  const list = await run(acts.listInstances, linodeTarget(s), fleetTag(s.cfg.fleet));
  const by = (l: string) => {
    const i = list.find((x) => x.label === l);
    if (!i) throw new Error(`${l} is not in the lab fleet`);
    return i;
  };
  return { ns: s.cfg.nameservers.map((n) => by(n.label)), lbs: s.cfg.loadBalancers.map((n) => by(n.label)) };
}

const linodeTarget = (s: LabSession) => ({
  apiUrl: s.cfg.linode.apiUrl,
  tokenEnv: s.cfg.linode.tokenEnv,
  knownHostsFile: s.cfg.ssh.knownHostsFile,
  privateKeyFile: s.cfg.ssh.privateKeyFile,
});

/**
 * deploy-infra.py's order, with nsdeploy's own activities for the parts that lose nothing.
 * Returns how to put the lab back to nsdeploy's layout (run after the load).
 */
async function originalProcedure(s: LabSession): Promise<() => Promise<void>> {
  const { ns: old, lbs } = await liveFleet(s);
  const t = linodeTarget(s);
  const sshTo = (address: string) => ({
    address,
    user: s.cfg.ssh.user,
    privateKeyFile: s.cfg.ssh.privateKeyFile,
    knownHostsFile: s.cfg.ssh.knownHostsFile,
  });
  const deployTag = `bench-original-${Date.now()}`;
  const regionOf = (label: string) => s.cfg.nameservers.find((n) => n.label === label)?.region ?? s.cfg.linode.region;
  // Each LB forwards to the new servers of its own nameservers (those of its region, or its upstreams:).
  const newBehind = (lbLabel: string, servers: { label: string; privateIPv4: string | null }[], suffix = '') => {
    const names = s.cfg.loadBalancers.find((l) => l.label === lbLabel)?.upstreams ?? [];
    return servers.filter((i) => names.some((n) => i.label === n + suffix));
  };
  const fresh = await Promise.all(
    old.map((o) =>
      run(acts.ensureInstance, t, {
        label: `${o.label}-next`,
        region: regionOf(o.label),
        type: s.cfg.linode.type,
        image: s.cfg.linode.image,
        tags: [...s.cfg.linode.tags, fleetTag(s.cfg.fleet)],
        deployTag,
      }),
    ),
  );
  const running = await Promise.all(fresh.map((i) => run(acts.waitForRunning, t, i.id, 300_000)));
  await Promise.all(running.map((i) => run(acts.waitForSsh, sshTo(i.publicIPv4), 120_000)));
  const common = {
    privateKeyFile: s.cfg.ssh.privateKeyFile,
    knownHostsFile: s.cfg.ssh.knownHostsFile,
    user: s.cfg.ssh.user,
  };
  await run(acts.runPlaybook, {
    playbook: 'nameserver.yml',
    groups: {
      nameservers: running.map((i) => ({
        name: i.label,
        address: i.publicIPv4,
        vars: { nameserver_listen_addresses: [i.privateIPv4], nameserver_server_id: `${i.label}.${i.id}` },
      })),
    },
    groupVars: { nameservers: { nameserver_zones: s.cfg.zones.map((z) => ({ name: z.domain, file: z.file })) } },
    ...common,
  } as never);
  // The switch as the original did it: the LB's upstream file names the new servers, reload.
  for (const lb of lbs) {
    const behind = newBehind(lb.label, running, '-next');
    const conf = `upstream nsdeploy_nameservers {\n${behind.map((i) => `    server ${i.privateIPv4}:53;`).join('\n')}\n}\n`;
    const r = await runSsh(
      sshTo(lb.publicIPv4),
      `cat > /etc/nginx/stream.d/nsdeploy-upstream.conf && nginx -t -q && service nginx reload >/dev/null`,
      { what: 'switch + reload', input: conf },
    );
    if (r.exitCode !== 0) throw new Error(`switching ${lb.label} failed: ${r.stderr}`);
  }
  // … and the old servers deleted at once.
  await Promise.all(old.map((o) => run(acts.deleteInstance, t, o.id)));
  // Back to nsdeploy's layout for what follows: live names, the proxy role's slots and map.
  return async () => {
    const renamed = await Promise.all(running.map((i, k) => run(acts.renameInstance, t, i.id, old[k].label)));
    await run(acts.runPlaybook, {
      playbook: 'proxy.yml',
      groups: {
        loadbalancers: lbs.map((l) => ({
          name: l.label,
          address: l.publicIPv4,
          vars: {
            proxy_listen_addresses: [l.publicIPv4],
            proxy_upstreams: newBehind(l.label, renamed).map((i) => ({ address: i.privateIPv4, port: 53 })),
          },
        })),
      },
      ...common,
    } as never);
  };
}

export async function lostQueries(o: LostQueriesOptions): Promise<ScenarioResult[]> {
  return withLab({ say: o.say }, async (s) => {
    const results: ScenarioResult[] = [];
    const { lbs } = await liveFleet(s);
    const targets = lbs.map((l) => ({ label: l.label, address: l.publicIPv4 }));
    const report = (r: ScenarioResult) => {
      results.push(r);
      o.say(
        `${r.scenario}#${r.run}: sent ${r.sent}, lost ${r.lost}, wrong ${r.wrong} (at the LBs: ${Object.entries(r.perLb)
          .map(([k, v]) => `${k} ${v.atLb.failed}/${v.atLb.sessions} unanswered`)
          .join(', ')})${r.changeSeconds !== null ? `, change ${r.changeSeconds.toFixed(1)} s` : ''}`,
      );
    };
    o.say(`control: ${o.controlSeconds} s at ${o.qpsPerLb} qps per LB`);
    report({ scenario: 'control', run: 1, ...(await underLoad(s, o, targets, o.controlSeconds, null)) });
    for (let i = 1; i <= o.runs; i++) {
      o.say(`nsdeploy run ${i}/${o.runs}: NS blue-green deploy under ${o.qpsPerLb} qps per LB`);
      const deploy = async () => {
        const result = await s.env.client.workflow.execute(nsBlueGreen, {
          taskQueue: s.taskQueue,
          workflowId: `lab/deploy-bench-${Date.now()}`,
          args: [nsDeployInput(s.cfg)],
        });
        if (result.outcome !== 'deployed') throw new Error(`deploy ended ${result.outcome}`);
        return result.outcome;
      };
      report({ scenario: 'nsdeploy', run: i, ...(await underLoad(s, o, targets, 110, deploy)) });
    }
    if (o.original) {
      o.say('original procedure: switch by reload, old servers deleted at once');
      let restore: (() => Promise<void>) | undefined;
      const replay = async () => {
        restore = await originalProcedure(s);
        return 'replaced in the original order';
      };
      report({ scenario: 'original', run: 1, ...(await underLoad(s, o, targets, 90, replay)) });
      await restore?.();
    }
    return results;
  });
}

const PARAMETERS = { runs: 3, qpsPerLb: 600, controlSeconds: 50, original: true };

export const benchmark: Benchmark = {
  name: 'lost-queries',
  description:
    'Raw lost and wrong answers through both LBs (dnsperf UDP + a checking client) during a control, 3 NS deploys and the original procedure',
  async run(say) {
    const results = await lostQueries({ ...PARAMETERS, say });
    const line = (r: ScenarioResult) =>
      `${r.scenario}${r.scenario === 'nsdeploy' ? `#${r.run}` : ''} ${r.lost}/${r.sent} lost, ${r.wrong} wrong`;
    return { parameters: PARAMETERS, figures: results, summary: results.map(line).join('; ') };
  },
};
