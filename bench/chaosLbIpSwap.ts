// chaos-lb-ip-swap: an LB replacement by IP swap on the lab while its worker is SIGKILLed at
// every activity boundary (bench/chaos/worker.ts, as chaos-lb-replacement), with a bounded load
// on the lab's recursive resolver. Then the final state is checked: replaced, exactly the
// fleet's instances (no -next, the old ones gone), each LB name at its address from before,
// the parents' glue unchanged, every LB reached by strict SSH at its address (the pins follow
// the moved addresses), nothing left of the swap (no LB with a second public address), and not
// one failed resolution.
import { Client, Connection } from '@temporalio/client';
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lbReplacementInput } from '../src/cli/lbInput';
import { readDelegation } from '../src/dns/delegation';
import { strictSshOptions } from '../src/ssh/knownHosts';
import type { LbReplacementResult } from '../src/shared';
import { lbReplacement } from '../src/workflows';
import { startDnsLoad } from '../testkit/dnsLoad';
import { persistentDevServer } from '../testkit/devServer';
import { bundleWithKillInterceptor, readKills, workerLoop } from './chaos/workerLoop';
import type { Benchmark } from './lib/benchmark';
import { hostLabelOf } from '../lab/labHostHooks';
import { adminState } from './lib/emulatorAdmin';
import { withLabHosts } from './lib/labSession';

const TASK_QUEUE = 'chaos-lb-ip-swap';
const RESOLVER = '198.18.0.10';
const PARAMETERS = {
  resolverQps: 20,
  swapQuietMs: 10_000,
  killPoint: 'each activity the replacement schedules, before the command reaches the server',
};

const glueAt = async (parent: { address: string; port?: number }, domain: string) => {
  const r = await readDelegation({ address: parent.address, port: parent.port }, domain);
  return r.views[0]?.glue.map((g) => g.address).sort() ?? [];
};

export async function chaosLbIpSwap(say: (s: string) => void) {
  return withLabHosts({ say }, async (cfg) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-chaos-ipswap-'));
    const killsFile = path.join(dir, 'kills.jsonl');
    const server = await persistentDevServer();
    let connection: Connection | undefined;
    try {
      await server.start();
      say('bundling the workflows with the kill interceptor');
      const loop = workerLoop({
        address: server.address,
        taskQueue: TASK_QUEUE,
        bundlePath: await bundleWithKillInterceptor(dir),
        killsFile,
        env: { [cfg.linode.tokenEnv]: process.env[cfg.linode.tokenEnv] ?? '' },
        say,
      });
      const before = (await adminState()).instances;
      const domain = cfg.zones[0].domain;
      const glueBefore = await Promise.all(cfg.parents.map((p) => glueAt(p, domain)));
      const load = startDnsLoad({
        server: RESOLVER,
        domain,
        known: { name: `www.${domain}`, address: '198.18.2.80' },
        qps: PARAMETERS.resolverQps,
        maxQueries: PARAMETERS.resolverQps * 1800,
        maxMs: 1800_000,
      });
      const t0 = Date.now();
      const workflowId = `lab/lb-ip-swap-chaos-${Date.now()}`;
      let result: LbReplacementResult;
      try {
        connection = await Connection.connect({ address: server.address });
        const input = lbReplacementInput(cfg, { strategy: 'ipSwap' });
        input.policies.swapQuietMs = PARAMETERS.swapQuietMs;
        say(`ipSwap replacement ${workflowId}, the worker killed at every activity boundary`);
        const client = new Client({ connection });
        await client.workflow.start(lbReplacement, { taskQueue: TASK_QUEUE, workflowId, args: [input] });
        result = (await client.workflow.getHandle(workflowId).result()) as LbReplacementResult;
      } finally {
        await loop.stop();
      }
      const seconds = Math.round((Date.now() - t0) / 1000);
      const resolver = await load.stop();
      const kills = readKills(killsFile);

      const final = (await adminState()).instances;
      const addressOf = (list: typeof final, label: string) => list.find((i) => i.label === label)?.ipv4Public;
      const lbs = cfg.loadBalancers.map((l) => l.label);
      const sshHostname = (address: string) =>
        execa(
          'ssh',
          [...strictSshOptions(cfg.ssh.knownHostsFile), '-i', cfg.ssh.privateKeyFile, `root@${address}`, 'hostname'],
          {
            reject: false,
          },
        ).then((r) => r.stdout.trim());
      const hostnames = await Promise.all(lbs.map((l) => sshHostname(addressOf(final, l)!)));
      const glueAfter = await Promise.all(cfg.parents.map((p) => glueAt(p, domain)));
      const ips = await Promise.all(
        final.map(async (i) => {
          const url = `${cfg.linode.apiUrl}/linode/instances/${i.id}/ips`;
          const res = await fetch(url, { headers: { Authorization: `Bearer ${process.env[cfg.linode.tokenEnv]}` } });
          return ((await res.json()) as { ipv4: { public: unknown[] } }).ipv4.public.length;
        }),
      );
      const checks = {
        replaced: result.outcome === 'replaced',
        exactlyTheFleet:
          JSON.stringify(final.map((i) => i.label).sort()) ===
          JSON.stringify([...lbs, ...cfg.nameservers.map((n) => n.label)].sort()),
        // The old LBs (the nameservers stay: an LB replacement does not touch them).
        oldInstancesGone: before.filter((o) => lbs.includes(o.label)).every((o) => !final.some((a) => a.id === o.id)),
        sameAddresses: lbs.every((l) => addressOf(final, l) === addressOf(before, l)),
        // The lab host of the instance now named lbN (a new one: oldInstancesGone) answers there.
        newHostsAtTheAddresses: hostnames.every((h, i) => h === hostLabelOf(final.find((f) => f.label === lbs[i])!)),
        glueUnchanged: JSON.stringify(glueAfter) === JSON.stringify(glueBefore),
        onePublicAddressEach: ips.every((n) => n === 1),
        noFailedResolution: resolver.failed === 0 && resolver.sent > 0,
      };
      return {
        workflowId,
        outcome: result.outcome,
        seconds,
        workerKills: kills.length,
        restarts: loop.restarts(),
        killPoints: kills.map((k) => `${k.seq}:${k.activityType}`),
        hostnames,
        resolver: { ...resolver, failures: resolver.failures.slice(0, 10) },
        checks,
        passed: Object.values(checks).every(Boolean),
      };
    } finally {
      await connection?.close().catch(() => undefined);
      await server.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

export const benchmark: Benchmark = {
  name: 'chaos-lb-ip-swap',
  description:
    'An LB replacement by IP swap with its worker SIGKILLed at every activity boundary; the final state checked',
  async run(say) {
    const r = await chaosLbIpSwap(say);
    const checks = Object.entries(r.checks).map(([k, v]) => `${k} ${v ? 'yes' : 'NO'}`);
    return {
      parameters: PARAMETERS,
      figures: r,
      summary: `${r.passed ? 'PASSED' : 'FAILED'}: ${r.outcome} after ${r.workerKills} worker kills in ${r.seconds} s; ${checks.join(', ')}`,
    };
  },
};
