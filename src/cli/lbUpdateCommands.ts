// CLI for the in-place LB update: start it (one LB change per fleet at a time), follow it LB
// by LB, print each LB's plan, and fail (non-zero exit) with the LB and task that stopped it.
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { zoneNames, type FleetConfig } from '../config';
import {
  lbUpdateStatusQuery,
  lbUpdateWorkflowId,
  type LbUpdateStatus,
  type LbUpdateInput,
  type LbUpdateResult,
} from '../shared';
import { lbUpdate } from '../workflows/lbUpdate';
import { startExclusive } from './startExclusive';
import type { TemporalTarget } from '../temporal/connection';

type Out = (line: string) => void;

export function lbUpdateInput(cfg: FleetConfig, opts: { dryRun?: boolean } = {}): LbUpdateInput {
  return {
    fleet: cfg.fleet,
    zones: cfg.zones,
    linode: { apiUrl: cfg.linode.apiUrl, tokenEnv: cfg.linode.tokenEnv },
    ssh: { user: cfg.ssh.user, privateKeyFile: cfg.ssh.privateKeyFile, knownHostsFile: cfg.ssh.knownHostsFile },
    loadBalancers: cfg.loadBalancers.map((h) => h.label),
    proxyVars: cfg.proxyVars as Record<string, unknown>,
    verify: { transports: cfg.policies.gate.transports, concurrency: cfg.policies.gate.concurrency },
    dryRun: opts.dryRun,
  };
}

export async function startLbUpdate(
  client: Client,
  target: TemporalTarget,
  cfg: FleetConfig,
  opts: { dryRun?: boolean; detach?: boolean },
  out: Out,
): Promise<LbUpdateResult | undefined> {
  const workflowId = lbUpdateWorkflowId(cfg.fleet);
  const input = lbUpdateInput(cfg, opts);
  await startExclusive(
    client,
    target,
    {
      workflow: lbUpdate,
      workflowId,
      args: [input],
      fleet: cfg.fleet,
      what: 'an LB update',
      aloneInFleet: !opts.dryRun,
      staticSummary:
        `${opts.dryRun ? 'Plan of an' : 'In-place'} LB update ` +
        `of fleet ${cfg.fleet}: ${input.loadBalancers.join(', ')}`,
      staticDetails: `Ansible proxy role${
        Object.keys(input.proxyVars).length
          ? ` with ${Object.entries(input.proxyVars)
              .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
              .join(', ')}`
          : ''
      }, one LB at a time: plan (--check --diff), apply, verify ${zoneNames(cfg)} through it.`,
    },
    out,
  );
  if (opts.detach) return undefined;
  return followLbUpdate(client, workflowId, out);
}

/** Prints each event as it happens and each LB's plan once; resolves with the result, throws the reason. */
export async function followLbUpdate(
  client: Client,
  workflowId: string,
  out: Out,
  pollMs = 1000,
): Promise<LbUpdateResult> {
  const handle = client.workflow.getHandle<typeof lbUpdate>(workflowId);
  const result = handle.result();
  const printed = new Set<string>();
  const plans = new Set<string>();
  const show = (s: LbUpdateStatus | undefined) => {
    for (const e of s?.events.filter((x) => !printed.has(x)) ?? []) {
      printed.add(e);
      out(`  ${e}`);
    }
    for (const u of s?.lbUpdates ?? []) {
      if (u.plan === undefined || plans.has(u.label)) continue;
      plans.add(u.label);
      out(`  plan for ${u.label} (${u.plannedChanges ?? 0} change(s)):`);
      for (const line of (u.plan || '(no change)').split('\n')) out(`    ${line}`);
    }
  };
  for (;;) {
    const done = await Promise.race([
      result.then(
        () => true,
        () => true,
      ),
      new Promise<false>((r) => setTimeout(() => r(false), pollMs)),
    ]);
    show(await handle.query(lbUpdateStatusQuery).catch(() => undefined));
    if (done) break;
  }
  try {
    const r = await result;
    show(r.status);
    out(`LB update ${r.outcome}: ${(r.status.lbUpdates ?? []).map((u) => `${u.label} ${u.state}`).join(', ')}`);
    return r;
  } catch (err) {
    const cause = err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : String(err);
    throw new Error(`LB update ${workflowId} did not complete: ${cause}`);
  }
}
