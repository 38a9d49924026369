// chaos-lb-replacement: an LB replacement on the lab (with its child NS deploy) while its worker
// is SIGKILLed at every activity boundary (bench/chaos/worker.ts), and the Temporal dev server
// — on SQLite, started by temporal-dev/start — is stopped and started again during the drain
// timer. The benchmark plays the operator (lab registrar + glueUpdated signal) and keeps a
// bounded load on the lab's recursive resolver. Then the final state is checked: replaced, the
// fleet exactly lb1 lb2 ns1 ns2 (no -next, no label twice, the old instances gone), the parents
// serving the new glue, the drain's end unchanged by the restart and its timer fired on time,
// and not one failed resolution.
import { Client, Connection } from '@temporalio/client';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setGlue } from '../lab/parent';
import { lbReplacementInput } from '../src/cli/lbInput';
import { readDelegation } from '../src/dns/delegation';
import type { LbReplacementResult, LbReplacementStatus } from '../src/shared';
import { lbReplacement } from '../src/workflows';
import { startDnsLoad } from '../testkit/dnsLoad';
import { bundleWithKillInterceptor, readKills, workerLoop } from './chaos/workerLoop';
import type { Benchmark } from './lib/benchmark';
import { adminState } from './lib/emulatorAdmin';
import { withLabHosts } from './lib/labSession';
import { playOperatorAtGlue, waitForLb } from './lib/lbOperator';
import { persistentDevServer } from '../testkit/devServer';

const TASK_QUEUE = 'chaos-lb';
const RESOLVER = '198.18.0.10';
const PARAMETERS = {
  delegationTtlSeconds: 30,
  soakMs: 6_000,
  glueCheckEveryMs: 2_000,
  proofWindowMs: 10_000,
  registrarDelayMs: 1_000,
  serverDownMs: 5_000,
  resolverQps: 20,
  killPoint:
    'each activity a workflow (the replacement or its child NS deploy) schedules, before the command reaches the server',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The A records a parent gives as glue for the domain's NS names, when UDP and TCP agree. */
async function glueAt(parent: { address: string; port?: number }, domain: string): Promise<string[] | string> {
  const r = await readDelegation({ address: parent.address, port: parent.port }, domain);
  if (!r.agree)
    return `no agreeing answer over ${r.views.map((v) => `${v.transport}${v.error ? ` (${v.error})` : ''}`).join(', ')}`;
  return r.views[0].glue
    .filter((g) => g.type === 'A')
    .map((g) => g.address)
    .sort();
}

export async function chaosLbReplacement(say: (s: string) => void) {
  return withLabHosts({ say }, async (cfg) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-chaos-lb-'));
    const killsFile = path.join(dir, 'kills.jsonl');
    const server = await persistentDevServer();
    let connection: Connection | undefined;
    try {
      say(`dev server on SQLite (${server.address}, state in ${server.stateDir})`);
      await server.start();
      await setGlue({}, { ttlSeconds: PARAMETERS.delegationTtlSeconds });
      say('bundling the workflows with the kill interceptor');
      const bundlePath = await bundleWithKillInterceptor(dir);
      const tokenEnv = cfg.linode.tokenEnv;
      const loop = workerLoop({
        address: server.address,
        taskQueue: TASK_QUEUE,
        bundlePath,
        killsFile,
        env: { [tokenEnv]: process.env[tokenEnv] ?? '' },
        say,
      });
      const before = (await adminState()).instances;
      const load = startDnsLoad({
        server: RESOLVER,
        domain: cfg.zones[0].domain,
        known: { name: `www.${cfg.zones[0].domain}`, address: '198.18.2.80' },
        qps: PARAMETERS.resolverQps,
        maxQueries: PARAMETERS.resolverQps * 3600,
        maxMs: 3600_000,
      });
      const t0 = Date.now();
      let result: LbReplacementResult | undefined;
      let restart:
        { before: LbReplacementStatus; after: LbReplacementStatus; downAt: string; upAt: string } | undefined;
      const workflowId = `lab/lb-replacement-chaos-${Date.now()}`;
      try {
        connection = await Connection.connect({ address: server.address });
        const input = lbReplacementInput(cfg, { strategy: 'glue' });
        input.nsDeployPolicies.soakMs = PARAMETERS.soakMs;
        input.nsDeployPolicies.soakProbeEveryMs = PARAMETERS.soakMs / 2;
        input.policies.glueCheckEveryMs = PARAMETERS.glueCheckEveryMs;
        input.policies.proof.windowMs = PARAMETERS.proofWindowMs;
        say(`LB replacement ${workflowId}, the worker killed at every activity boundary`);
        await new Client({ connection }).workflow.start(lbReplacement, {
          taskQueue: TASK_QUEUE,
          workflowId,
          args: [input],
        });
        let handle = new Client({ connection }).workflow.getHandle(workflowId);

        // The operator: change the glue at the lab registrar, then signal.
        const atGlue = await playOperatorAtGlue(handle, {
          by: 'chaos-lb-replacement',
          registrarDelayMs: PARAMETERS.registrarDelayMs,
          timeoutMs: 30 * 60_000,
        });
        say(
          `glue changed and signalled after ${Math.round((Date.now() - t0) / 1000)} s: ${atGlue.glue!.change.map((c) => `${c.name} → ${c.to.join(',')}`).join(', ')}`,
        );

        // The drain: stop the server in the middle of its timer, start it again.
        const draining = await waitForLb(
          handle,
          'the drain',
          (s) => s.phase === 'drain' && !!s.drain?.end,
          30 * 60_000,
        );
        const left = Date.parse(draining.drain!.end!) - Date.now();
        say(
          `drain until ${draining.drain!.end} (${Math.round(left / 1000)} s left): stopping the dev server for ${PARAMETERS.serverDownMs / 1000} s`,
        );
        const downAt = new Date().toISOString();
        await server.stop();
        await sleep(PARAMETERS.serverDownMs);
        await server.start();
        const upAt = new Date().toISOString();
        await connection.close();
        connection = await Connection.connect({ address: server.address });
        handle = new Client({ connection }).workflow.getHandle(workflowId);
        const after = await waitForLb(handle, 'the status after the restart', () => true, 5 * 60_000);
        say(`server back at ${upAt}: phase ${after.phase}, drain until ${after.drain?.end}`);
        restart = { before: draining, after, downAt, upAt };
        result = (await handle.result()) as LbReplacementResult;
      } finally {
        await loop.stop();
      }
      const seconds = Math.round((Date.now() - t0) / 1000);
      const resolver = await load.stop();
      const kills = readKills(killsFile);

      // When the drain's timer fired, from the server's own history.
      const history = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
      const eventMs = (e: NonNullable<typeof history.events>[number]) =>
        Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
      const drainEnd = Date.parse(restart.before.drain!.end!);
      const timersFired = (history.events ?? []).filter((e) => e.timerFiredEventAttributes).map(eventMs);
      const drainTimerFiredAt = timersFired.find((ms) => ms >= drainEnd - 1_000 && ms <= drainEnd + 30_000);

      const final = (await adminState()).instances;
      const labels = final.map((i) => i.label).sort();
      const newLbAddresses = restart.before.glue!.change.map((c) => c.to[0]).sort();
      const parents = await Promise.all(
        cfg.parents.map(async (p) => ({ parent: p.address, glue: await glueAt(p, cfg.zones[0].domain) })),
      );
      const restartBeforeDrainEnd = Date.parse(restart.upAt) < drainEnd;
      const checks = {
        replaced: result.outcome === 'replaced',
        exactlyTheFleet:
          JSON.stringify(labels) ===
          JSON.stringify([...cfg.loadBalancers.map((l) => l.label), ...cfg.nameservers.map((l) => l.label)].sort()),
        oldInstancesGone: before.every((o) => !final.some((a) => a.id === o.id)),
        parentsServeNewGlue: parents.every((p) => JSON.stringify(p.glue) === JSON.stringify(newLbAddresses)),
        drainStateSurvivedRestart:
          restart.after.drain?.end === restart.before.drain?.end &&
          restart.after.glue?.allNewSince === restart.before.glue?.allNewSince &&
          restart.before.events.every((e, i) => restart!.after.events[i] === e),
        stillDrainingAfterRestart: !restartBeforeDrainEnd || restart.after.phase === 'drain',
        drainTimerFiredOnTime: drainTimerFiredAt !== undefined,
        noFailedResolution: resolver.failed === 0 && resolver.sent > 0,
      };
      return {
        workflowId,
        outcome: result.outcome,
        seconds,
        workerKills: kills.length,
        restarts: loop.restarts(),
        killPoints: kills.map(
          (k) => `${k.workflowId.includes('lb-replacement') ? 'lb' : 'ns'} ${k.seq}:${k.activityType}`,
        ),
        serverRestart: {
          downAt: restart.downAt,
          upAt: restart.upAt,
          drainEnd: restart.before.drain!.end,
          drainTimerFiredAt: drainTimerFiredAt ? new Date(drainTimerFiredAt).toISOString() : null,
          phaseAfter: restart.after.phase,
          restartedBeforeDrainEnd: restartBeforeDrainEnd,
        },
        labels,
        parents,
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
  name: 'chaos-lb-replacement',
  description:
    'An LB replacement with its worker SIGKILLed at every activity boundary and the dev server restarted during the drain; the final state checked',
  async run(say) {
    const r = await chaosLbReplacement(say);
    return {
      parameters: PARAMETERS,
      figures: r,
      summary: `${r.passed ? 'PASSED' : 'FAILED'}: ${r.outcome} after ${r.workerKills} worker kills and a server restart during the drain, in ${r.seconds} s; ${Object.entries(
        r.checks,
      )
        .map(([k, v]) => `${k} ${v ? 'yes' : 'NO'}`)
        .join(', ')}`,
    };
  },
};
