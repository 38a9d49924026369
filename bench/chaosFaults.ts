// chaos-linode-faults: NS blue-green deploys on the lab while the Linode emulator injects a mix
// of faults at set rates (429 with Retry-After, 500, 400 "Linode busy." on POSTs, slow answers,
// and a create whose answer is lost although the instance was made) and boots slowly. Each
// deploy must end deployed or cleanly rolled back; while it runs the emulator's state is polled
// so that two instances for one label would be seen; afterwards, with the faults cleared, the
// fleet must be exactly lb1 lb2 ns1 ns2 (no -next, nothing orphaned) and both LBs must answer.
import { WorkflowFailedError } from '@temporalio/client';
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { nsDeployInput } from '../src/cli/deployInput';
import { query } from '../src/dns/query';
import { fleetTag, type DeployStatus } from '../src/shared';
import { nsBlueGreen } from '../src/workflows';
import type { Benchmark } from './lib/benchmark';
import { startCheckedLoad, type CheckedLoadResult } from './lib/checkedLoad';
import { admin, adminState, type AdminInstance, type AdminRule } from './lib/emulatorAdmin';
import { withLab, type LabSession } from './lib/labSession';

/** Everything the run depends on; written into the result as its parameters. */
export const PARAMETERS = {
  /** One deploy per seed, in a row; the seed restarts the emulator's fault RNG. */
  seeds: [101, 202, 303],
  soakMs: 10_000,
  /** Slow boots: every new instance provisions, then boots, this long (the lab's emulator). */
  provisioningMs: 4_000,
  bootingMs: 8_000,
  checkedLoadQpsPerLb: 20,
  statePollMs: 250,
  /** Bounds: a deploy (workflow execution timeout) and the wait for deletions to finish. */
  deployTimeoutMs: 25 * 60_000,
  settleTimeoutMs: 60_000,
  /**
   * The fault rules, in the emulator's order: a rule that answers with an error ends the
   * evaluation, so the latency comes first and the lost answer last (it must only count when
   * the create was really handled). Paths are without /v4.
   */
  faults: [
    { name: 'slow answer 1.5 s', rule: { path: '/**', latencyMs: 1500, rate: 0.1 } },
    { name: '429 + Retry-After', rule: { path: '/**', status: 429, rate: 0.1 } },
    { name: '500', rule: { path: '/**', status: 500, rate: 0.05 } },
    { name: '400 Linode busy (POST)', rule: { method: 'POST', path: '/**', status: 400, rate: 0.1 } },
    {
      name: 'create answer lost, instance made',
      rule: { method: 'POST', path: '/linode/instances', loseResponse: 'destroy', times: 1 },
    },
  ],
  /**
   * One more deploy under the same mix that must roll back: one of its two creates is refused
   * for good (a 400 that is not "Linode busy"), while the other may already have made its
   * instance — the rollback has to delete exactly that one and leave the old fleet serving.
   */
  forcedRollback: {
    seed: 404,
    fault: {
      name: 'one create refused (400 region unavailable)',
      rule: {
        method: 'POST',
        path: '/linode/instances',
        status: 400,
        body: { errors: [{ field: 'region', reason: 'Region is unavailable.' }] },
        times: 1,
      },
    },
  },
} as const;

type FaultSpec = { name: string; rule: Record<string, unknown> };

/** How often each installed rule fired; a rule with `times` is removed once used up. */
function firedCounts(
  installed: { name: string; id: string; times?: number }[],
  lastSeen: Map<string, number>,
  rules: AdminRule[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of installed) {
    const live = rules.find((x) => x.id === r.id);
    out[r.name] = live ? live.fired : (r.times ?? lastSeen.get(r.id) ?? 0);
  }
  return out;
}

/** Polls the emulator's state until stopped (bounded): instances per label, rules' fired counts. */
function watchState(maxMs: number) {
  const started = Date.now();
  const lastFired = new Map<string, number>();
  const twice = new Set<string>();
  let maxPerLabel = 0;
  let polls = 0;
  let errors = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped && Date.now() - started < maxMs) {
      try {
        const st = await adminState();
        polls++;
        const count = new Map<string, number>();
        for (const i of st.instances) count.set(i.label.toLowerCase(), (count.get(i.label.toLowerCase()) ?? 0) + 1);
        for (const [label, n] of count) {
          maxPerLabel = Math.max(maxPerLabel, n);
          if (n > 1) twice.add(label);
        }
        for (const r of st.faults.rules) lastFired.set(r.id, r.fired);
      } catch {
        errors++;
      }
      await new Promise((r) => setTimeout(r, PARAMETERS.statePollMs));
    }
  })();
  return {
    lastFired,
    stop: async () => {
      stopped = true;
      await loop;
      return { polls, pollErrors: errors, maxInstancesPerLabel: maxPerLabel, labelsSeenTwice: [...twice] };
    },
  };
}

/** SOA for the domain through one LB over UDP and TCP: NOERROR with an SOA answer, and the NSIDs seen. */
async function soaThrough(
  address: string,
  domain: string,
): Promise<{ ok: boolean; nsids: string[]; errors: string[] }> {
  const nsids = new Set<string>();
  const errors: string[] = [];
  let ok = true;
  for (let k = 0; k < 6; k++) {
    const transport = k % 2 ? 'tcp' : 'udp';
    try {
      const r = await query(
        { address, port: 53 },
        { name: domain, type: 'SOA' },
        { transport, attempts: 2, timeoutMs: 2000 },
      );
      if (r.rcode !== 'NOERROR' || !r.answers.some((a) => a.type === 'SOA')) {
        ok = false;
        errors.push(`${transport}: ${r.rcode}, ${r.answers.length} answers`);
      }
      if (r.nsid) nsids.add(r.nsid);
    } catch (err) {
      ok = false;
      errors.push(`${transport}: ${(err as Error).message}`);
    }
  }
  return { ok, nsids: [...nsids].sort(), errors };
}

/** Retries per activity type, read from the history's ActivityTaskStarted attempts. */
async function activityRetries(
  s: LabSession,
  workflowId: string,
): Promise<{ retries: Record<string, number>; lastFailures: string[] }> {
  const history = await s.env.client.workflow.getHandle(workflowId).fetchHistory();
  const typeOf = new Map<string, string>();
  const retries: Record<string, number> = {};
  const lastFailures: string[] = [];
  for (const e of history.events ?? []) {
    const sched = e.activityTaskScheduledEventAttributes;
    if (sched) typeOf.set(String(e.eventId), sched.activityType?.name ?? '?');
    const started = e.activityTaskStartedEventAttributes;
    if (started && (started.attempt ?? 1) > 1) {
      const type = typeOf.get(String(started.scheduledEventId)) ?? '?';
      retries[type] = (retries[type] ?? 0) + (started.attempt ?? 1) - 1;
      const msg = started.lastFailure?.message;
      if (msg && lastFailures.length < 12) lastFailures.push(`${type} attempt ${started.attempt}: ${msg}`);
    }
  }
  return { retries, lastFailures };
}

interface DeployFigures {
  seed: number;
  /** The refusal that must make this deploy roll back, if any. */
  forcedRollback?: string;
  workflowId: string;
  outcome: string;
  phase?: string;
  error?: string;
  seconds: number;
  faultsFired: Record<string, number>;
  activityRetries: Record<string, number>;
  retriedBecause: string[];
  undoFailed: string[];
  maxInstancesPerLabel: number;
  labelsSeenTwice: string[];
  statePolls: number;
  statePollErrors: number;
  finalLabels: string[];
  fleetTaggedLabels: string[];
  orphans: string[];
  privateHostKeysLeft: string[];
  nameserverIds: { before: number[]; after: number[] };
  soa: Record<string, { ok: boolean; nsids: string[]; errors: string[] }>;
  load: CheckedLoadResult[];
  checks: Record<string, boolean>;
}

async function oneDeploy(
  s: LabSession,
  seed: number,
  say: (s: string) => void,
  forced?: FaultSpec,
): Promise<DeployFigures> {
  const tag = fleetTag(s.cfg.fleet);
  const expected = [...s.cfg.loadBalancers.map((l) => l.label), ...s.cfg.nameservers.map((l) => l.label)].sort();
  const isNs = (i: AdminInstance) => s.cfg.nameservers.some((n) => n.label === i.label);
  const before = await adminState();
  const lbs = before.instances.filter((i) => s.cfg.loadBalancers.some((l) => l.label === i.label));
  const lbAddrs = lbs.map((lb) => ({ label: lb.label, address: lb.ipv4Public }));
  const nsBefore = before.instances
    .filter(isNs)
    .map((i) => i.id)
    .sort();
  const soaBefore = Object.fromEntries(
    await Promise.all(
      lbAddrs.map(async (lb) => [lb.label, await soaThrough(lb.address, s.cfg.zones[0].domain)] as const),
    ),
  );

  // The fault mix, from this seed.
  await admin('DELETE', `/__admin/faults?seed=${seed}`);
  const installed: { name: string; id: string; times?: number }[] = [];
  // A forced refusal goes first: a rule answering with an error ends the emulator's evaluation.
  for (const f of [...(forced ? [forced] : []), ...PARAMETERS.faults] as FaultSpec[]) {
    const rule = await admin<AdminRule>('POST', '/__admin/faults', f.rule);
    installed.push({ name: f.name, id: rule.id, times: typeof f.rule.times === 'number' ? f.rule.times : undefined });
  }

  const q = PARAMETERS.checkedLoadQpsPerLb;
  const maxLoadMs = PARAMETERS.deployTimeoutMs;
  const load = lbAddrs.map((lb) =>
    startCheckedLoad({
      server: lb.address,
      name: 'mail.example.test',
      address: '198.18.2.25',
      qps: q,
      maxQueries: Math.ceil((q * maxLoadMs) / 1000),
      maxMs: maxLoadMs,
    }),
  );
  const watch = watchState(PARAMETERS.deployTimeoutMs);
  const workflowId = `lab/deploy-faults-${seed}-${Date.now()}`;
  const t0 = Date.now();
  let outcome: string;
  let status: DeployStatus | undefined;
  let error: string | undefined;
  try {
    const input = nsDeployInput({ ...s.cfg, policies: { ...s.cfg.policies, soak: PARAMETERS.soakMs } });
    say(`deploy with seed ${seed} under the fault mix`);
    const result = await s.env.client.workflow.execute(nsBlueGreen, {
      taskQueue: s.taskQueue,
      workflowId,
      args: [input],
      workflowExecutionTimeout: PARAMETERS.deployTimeoutMs,
    });
    outcome = result.outcome;
    status = result.status;
  } catch (err) {
    if (
      err instanceof WorkflowFailedError &&
      err.cause instanceof ApplicationFailure &&
      err.cause.type === 'DeployFailed'
    ) {
      status = err.cause.details?.[0] as DeployStatus | undefined;
      outcome = status?.phase ?? 'failed';
      error = err.cause.message;
    } else {
      outcome = 'error';
      error = err instanceof WorkflowFailedError ? `${err.message}: ${err.cause?.message}` : (err as Error).message;
    }
  }
  const seconds = Math.round((Date.now() - t0) / 1000);
  const watched = await watch.stop();
  const rules = await admin<{ rules: AdminRule[] }>('GET', '/__admin/faults');
  const faultsFired = firedCounts(installed, watch.lastFired, rules.rules);
  await admin('DELETE', '/__admin/faults');
  const loads = await Promise.all(load.map((l) => l.stop()));
  say(
    `seed ${seed}: ${outcome} in ${seconds} s${error ? ` (${error})` : ''}; faults fired ${JSON.stringify(faultsFired)}`,
  );

  // The final state, faults cleared: deletions finished, exactly the fleet, both LBs answer.
  let after = await adminState();
  for (
    const deadline = Date.now() + PARAMETERS.settleTimeoutMs;
    after.pendingDeletions.length > 0 && Date.now() < deadline;
  ) {
    await new Promise((r) => setTimeout(r, 500));
    after = await adminState();
  }
  const finalLabels = after.instances.map((i) => i.label).sort();
  const fleetTaggedLabels = after.instances
    .filter((i) => i.tags.includes(tag))
    .map((i) => i.label)
    .sort();
  const orphans = after.instances.filter((i) => !expected.includes(i.label)).map((i) => `${i.label} (${i.id})`);
  const nsAfter = after.instances
    .filter(isNs)
    .map((i) => i.id)
    .sort();
  const soa = Object.fromEntries(
    await Promise.all(
      lbAddrs.map(async (lb) => [lb.label, await soaThrough(lb.address, s.cfg.zones[0].domain)] as const),
    ),
  );
  const nsidsAfter = Object.values(soa).flatMap((x) => x.nsids);
  const newNsids = new Set(after.instances.filter(isNs).map((i) => `${i.label}${s.cfg.nextSuffix}.${i.id}`));
  const oldNsids = new Set(Object.values(soaBefore).flatMap((x) => x.nsids));
  // The private half of a new server's host key lives on the worker only until its create is known to have happened.
  const keyDir = path.join(path.dirname(s.cfg.ssh.knownHostsFile), 'host-keys');
  const privateHostKeysLeft = fs.existsSync(keyDir) ? fs.readdirSync(keyDir).filter((f) => f.endsWith('.key')) : [];
  const deployed = outcome === 'deployed';
  const rolledBack = outcome === 'rolled-back';
  const { retries, lastFailures } = await activityRetries(s, workflowId).catch((err: Error) => ({
    retries: {},
    lastFailures: [`history: ${err.message}`],
  }));
  const checks = {
    deployedOrRolledBack: forced ? rolledBack : deployed || rolledBack,
    neverTwoInstancesForOneLabel: watched.maxInstancesPerLabel <= 1 && watched.labelsSeenTwice.length === 0,
    exactlyTheFleet:
      JSON.stringify(finalLabels) === JSON.stringify(expected) &&
      JSON.stringify(fleetTaggedLabels) === JSON.stringify(expected),
    nothingOrphaned: orphans.length === 0 && after.pendingDeletions.length === 0,
    allRunning: after.instances.every((i) => i.status === 'running'),
    // Deployed: new nameservers (new IDs) answer; rolled back: the old ones still do.
    rightServersAnswer:
      Object.values(soa).every((x) => x.ok) &&
      nsidsAfter.length > 0 &&
      (deployed
        ? nsidsAfter.every((n) => newNsids.has(n)) && nsAfter.every((id) => !nsBefore.includes(id))
        : nsidsAfter.every((n) => oldNsids.has(n)) && JSON.stringify(nsAfter) === JSON.stringify(nsBefore)),
    noQueryLostOrWrong: loads.every((l) => l.lost === 0 && l.wrong === 0),
    noPrivateHostKeyLeft: privateHostKeysLeft.length === 0,
  };
  return {
    seed,
    forcedRollback: forced?.name,
    workflowId,
    outcome,
    phase: status?.phase,
    error,
    seconds,
    faultsFired,
    activityRetries: retries,
    retriedBecause: lastFailures,
    undoFailed: (status?.events ?? []).filter((e) => e.includes('undo failed')),
    maxInstancesPerLabel: watched.maxInstancesPerLabel,
    labelsSeenTwice: watched.labelsSeenTwice,
    statePolls: watched.polls,
    statePollErrors: watched.pollErrors,
    finalLabels,
    fleetTaggedLabels,
    orphans,
    privateHostKeysLeft,
    nameserverIds: { before: nsBefore, after: nsAfter },
    soa,
    load: loads,
    checks,
  };
}

export async function chaosLinodeFaults(say: (s: string) => void) {
  return withLab({ say, provisioningMs: PARAMETERS.provisioningMs, bootingMs: PARAMETERS.bootingMs }, async (s) => {
    const deploys: DeployFigures[] = [];
    try {
      for (const seed of PARAMETERS.seeds) {
        const d = await oneDeploy(s, seed, say);
        deploys.push(d);
        const failed = Object.entries(d.checks)
          .filter(([, v]) => !v)
          .map(([k]) => k);
        say(`seed ${seed}: ${d.outcome}; checks ${failed.length ? `FAILED: ${failed.join(', ')}` : 'all passed'}`);
        // A fleet left unclean would only make the next deploy refuse to start.
        if (!d.checks.exactlyTheFleet || !d.checks.nothingOrphaned) break;
      }
      const { seed, fault } = PARAMETERS.forcedRollback;
      if (deploys.length === PARAMETERS.seeds.length) {
        const d = await oneDeploy(s, seed, say, fault);
        deploys.push(d);
        const failed = Object.entries(d.checks)
          .filter(([, v]) => !v)
          .map(([k]) => k);
        say(
          `seed ${seed} with ${fault.name}: ${d.outcome}; checks ${failed.length ? `FAILED: ${failed.join(', ')}` : 'all passed'}`,
        );
      }
    } finally {
      await admin('DELETE', '/__admin/faults').catch(() => undefined);
    }
    const totals = {
      faultsFired: Object.fromEntries(
        PARAMETERS.faults.map((f) => [f.name, deploys.reduce((n, d) => n + (d.faultsFired[f.name] ?? 0), 0)]),
      ),
      activityRetries: deploys.reduce((n, d) => n + Object.values(d.activityRetries).reduce((a, b) => a + b, 0), 0),
      maxInstancesPerLabel: Math.max(0, ...deploys.map((d) => d.maxInstancesPerLabel)),
      queries: deploys.reduce((n, d) => n + d.load.reduce((m, l) => m + l.sent, 0), 0),
      lost: deploys.reduce((n, d) => n + d.load.reduce((m, l) => m + l.lost, 0), 0),
      wrong: deploys.reduce((n, d) => n + d.load.reduce((m, l) => m + l.wrong, 0), 0),
    };
    const passed =
      deploys.length === PARAMETERS.seeds.length + 1 && deploys.every((d) => Object.values(d.checks).every(Boolean));
    return { passed, deploys, totals };
  });
}

export const benchmark: Benchmark = {
  name: 'chaos-linode-faults',
  description:
    'NS deploys while the Linode emulator injects 429/500/busy/slow answers and a lost create, and one that must roll back on a refused create; final state checked',
  async run(say) {
    const r = await chaosLinodeFaults(say);
    const fired = Object.values(r.totals.faultsFired).reduce((a, b) => a + b, 0);
    return {
      parameters: PARAMETERS as unknown as Record<string, unknown>,
      figures: r,
      summary:
        `${r.passed ? 'PASSED' : 'FAILED'}: ${r.deploys.map((d) => `${d.outcome} ${d.seconds} s`).join(', ')}; ${fired} faults fired ` +
        `(${Object.entries(r.totals.faultsFired)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}), ${r.totals.activityRetries} activity retries; ` +
        `max instances per label ${r.totals.maxInstancesPerLabel}; ${r.totals.queries} queries, ${r.totals.lost} lost, ${r.totals.wrong} wrong`,
    };
  },
};
