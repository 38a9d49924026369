// chaos-worker-kill: an NS blue-green deploy on the lab while its worker is SIGKILLed at every
// activity boundary — each time the workflow schedules an activity, the worker dies before the
// server hears of it (bench/chaos/worker.ts), and a new worker process takes over. Then the
// final state is checked: deployed, exactly the fleet's instances (no -next left, no label
// twice), every answer through both LBs from the new servers, and no query lost or wrong.
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createActivities } from '../src/activities';
import { nsDeployInput } from '../src/cli/deployInput';
import { query } from '../src/dns/query';
import { fleetTag } from '../src/shared';
import { nsBlueGreen } from '../src/workflows';
import type { Benchmark } from './lib/benchmark';
import { startCheckedLoad } from './lib/checkedLoad';
import { withLab } from './lib/labSession';
import { bundleWithKillInterceptor, readKills, workerLoop } from './chaos/workerLoop';

const TASK_QUEUE = 'chaos';

export async function chaosWorkerKill(say: (s: string) => void) {
  return withLab({ say }, async (s) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-chaos-'));
    const killsFile = path.join(dir, 'kills.jsonl');
    try {
      say('bundling the workflows with the kill interceptor');
      const bundlePath = await bundleWithKillInterceptor(dir);
      const tokenEnv = s.cfg.linode.tokenEnv;
      const loop = workerLoop({
        address: s.env.address,
        taskQueue: TASK_QUEUE,
        bundlePath,
        killsFile,
        env: { [tokenEnv]: process.env[tokenEnv] ?? '' },
        say,
      });
      const acts = createActivities({ logger: pino({ level: 'warn' }) });
      const mock = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
      const target = {
        apiUrl: s.cfg.linode.apiUrl,
        tokenEnv: s.cfg.linode.tokenEnv,
        knownHostsFile: s.cfg.ssh.knownHostsFile,
        privateKeyFile: s.cfg.ssh.privateKeyFile,
      };
      const fleet = async () =>
        (await mock().run(acts.listInstances, target, fleetTag(s.cfg.fleet))) as Awaited<
          ReturnType<typeof acts.listInstances>
        >;
      const before = await fleet();
      const lbs = before.filter((i) => i.label.startsWith('lb'));
      const load = lbs.map((lb) =>
        startCheckedLoad({
          server: lb.publicIPv4,
          name: 'mail.example.test',
          address: '198.18.2.25',
          qps: 20,
          maxQueries: 20 * 3600,
          maxMs: 3600_000,
        }),
      );
      const t0 = Date.now();
      let outcome: string;
      try {
        const input = nsDeployInput({ ...s.cfg, policies: { ...s.cfg.policies, soak: 10_000 } });
        say('NS deploy with the worker killed at every activity boundary');
        const result = await s.env.client.workflow.execute(nsBlueGreen, {
          taskQueue: TASK_QUEUE,
          workflowId: `lab/deploy-chaos-${Date.now()}`,
          args: [input],
        });
        outcome = result.outcome;
      } finally {
        await loop.stop();
      }
      const seconds = (Date.now() - t0) / 1000;
      const loads = await Promise.all(load.map((l) => l.stop()));
      const kills = readKills(killsFile);
      // The final state.
      const after = await fleet();
      const labels = after.map((i) => i.label).sort();
      const nsids = new Set<string>();
      for (const lb of lbs) {
        for (let k = 0; k < 6; k++) {
          const r = await query(
            { address: lb.publicIPv4, port: 53 },
            { name: 'example.test', type: 'SOA' },
            { transport: k % 2 ? 'tcp' : 'udp', attempts: 2, timeoutMs: 2000 },
          );
          if (r.nsid) nsids.add(r.nsid);
        }
      }
      const expected = new Set(
        after.filter((i) => i.label.startsWith('ns')).map((i) => `${i.label}${s.cfg.nextSuffix}.${i.id}`),
      );
      const checks = {
        deployed: outcome === 'deployed',
        exactlyTheFleet:
          JSON.stringify(labels) ===
          JSON.stringify([...s.cfg.loadBalancers.map((l) => l.label), ...s.cfg.nameservers.map((l) => l.label)].sort()),
        newServersAnswer: [...nsids].every((n) => expected.has(n)) && nsids.size > 0,
        oldServersGone: before.filter((i) => i.label.startsWith('ns')).every((o) => !after.some((a) => a.id === o.id)),
        noQueryLost: loads.every((l) => l.lost === 0 && l.wrong === 0),
      };
      return {
        outcome,
        seconds: Math.round(seconds),
        workerKills: kills.length,
        restarts: loop.restarts(),
        killPoints: kills.map((k) => `${k.seq}:${k.activityType}`),
        labels,
        nsids: [...nsids],
        load: loads,
        checks,
        passed: Object.values(checks).every(Boolean),
      };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

export const benchmark: Benchmark = {
  name: 'chaos-worker-kill',
  description: 'An NS deploy with its worker SIGKILLed at every activity boundary; the final state checked',
  async run(say) {
    const r = await chaosWorkerKill(say);
    return {
      parameters: {
        soakMs: 10_000,
        killPoint: 'each activity the workflow schedules, before the command reaches the server',
        checkedLoadQpsPerLb: 20,
      },
      figures: r,
      summary: `${r.passed ? 'PASSED' : 'FAILED'}: ${r.outcome} after ${r.workerKills} worker kills in ${r.seconds} s; ${Object.entries(
        r.checks,
      )
        .map(([k, v]) => `${k} ${v ? 'yes' : 'NO'}`)
        .join(', ')}`,
    };
  },
};
