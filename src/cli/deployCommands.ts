// CLI for the NS blue-green deploy: start it (one per fleet), follow it phase by phase, and
// steer it (approve, reject, abort).
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { zoneFiles, zoneNames, type FleetConfig } from '../config';
import {
  approveUpdate,
  deployWorkflowId,
  rejectUpdate,
  STATUS_QUERY,
  type DeployStatus,
  type FleetCreateResult,
  type FleetCreateStatus,
  type StatusBase,
  type GlueChange,
  type LbReplacementResult,
  type LbReplacementStatus,
  type NsDeployResult,
  type ZonePushResult,
  type ZonePushStatus,
  type FleetAdoptResult,
  type FleetAdoptStatus,
  labelsOf,
} from '../shared';
import { nsBlueGreen } from '../workflows/nsBlueGreen';
import { nsDeployInput } from './deployInput';
import { formatDuration } from '../shared/duration';
import { startExclusive } from './startExclusive';
import type { TemporalTarget } from '../temporal/connection';
import { refusedAsError } from './refusedAsError';

type Out = (line: string) => void;

export async function startDeploy(
  client: Client,
  target: TemporalTarget,
  cfg: FleetConfig,
  opts: { dryRun?: boolean; detach?: boolean; approveBeforeCutover?: boolean },
  out: Out,
): Promise<FollowedResult | undefined> {
  const workflowId = deployWorkflowId(cfg.fleet);
  const input = nsDeployInput(cfg, opts);
  await startExclusive(
    client,
    target,
    {
      workflow: nsBlueGreen,
      workflowId,
      args: [input],
      fleet: cfg.fleet,
      what: 'a deploy',
      aloneInFleet: !opts.dryRun,
      staticSummary: `${opts.dryRun ? 'Plan' : 'NS blue-green deploy'} of ${zoneNames(cfg)} on fleet ${cfg.fleet}`,
      staticDetails:
        `Replace ${labelsOf(input.nameservers)} behind ${labelsOf(input.loadBalancers)} ` +
        `with fresh servers from ${zoneFiles(cfg)}.`,
    },
    out,
  );
  if (opts.detach) return undefined;
  return followDeploy(client, workflowId, out);
}

/** What the followed workflows' `status` query returns. */
type FollowedStatus = DeployStatus | LbReplacementStatus | ZonePushStatus | FleetAdoptStatus | FleetCreateStatus;
type FollowedResult = NsDeployResult | LbReplacementResult | ZonePushResult | FleetAdoptResult | FleetCreateResult;

/** Prints each phase and event as it happens; resolves with the result, throws the reason. */
export async function followDeploy(
  client: Client,
  workflowId: string,
  out: Out,
  pollMs = 1000,
): Promise<FollowedResult> {
  const handle = client.workflow.getHandle(workflowId);
  const result = handle.result() as Promise<FollowedResult>;
  // Events are a bounded window of timestamped lines; print each one once.
  const printed = new Set<string>();
  let askedApproval = false;
  let askedGlue = '';
  let drainShown = '';
  let drainTickAt = 0;
  const parentSeen = new Map<string, string>();
  const show = (s: FollowedStatus | undefined) => {
    if (!s) return;
    for (const e of s.events.filter((x) => !printed.has(x))) {
      printed.add(e);
      out(`  ${e}`);
    }
    if (s.approval?.pending && !askedApproval)
      out(`  waiting for approval until ${s.approval.deadline}: nsdeploy approve ${workflowId}`);
    askedApproval = !!s.approval?.pending;
    if (!('oldLbs' in s)) return; // the rest is the LB replacement's
    if (s.glue && (s.phase === 'glue' || s.phase === 'glue-revert') && askedGlue !== s.phase) {
      askedGlue = s.phase;
      for (const line of glueLines(s.phase, s.glue.change, workflowId)) out(`  ${line}`);
    }
    // While a human changes the glue: each parent as it starts serving something else.
    for (const p of s.phase.startsWith('glue') ? (s.glue?.parents ?? []) : []) {
      if (parentSeen.get(p.parent) !== p.serves) out(`  parent ${p.parent}: ${p.serves} (${p.detail})`);
      parentSeen.set(p.parent, p.serves);
    }
    // The drain: its end once (again when moved), then the time left every minute.
    if (s.phase === 'drain' && s.drain?.end) {
      if (drainShown !== s.drain.end) {
        drainShown = s.drain.end;
        drainTickAt = Date.now();
        out(
          `  drain ends ${s.drain.end} ` +
            `(delegation TTL ${s.drain.delegationTtlSeconds}s + zone TTL ${s.drain.zoneTtlSeconds}s + margin); ` +
            `move it with: nsdeploy extend-drain ${workflowId} --by 12h`,
        );
      } else if (Date.now() - drainTickAt >= 60_000) {
        drainTickAt = Date.now();
        out(`  drain: ${formatDuration(Math.max(0, Date.parse(s.drain.end) - Date.now()))} left`);
      }
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
    show(await handle.query<FollowedStatus>(STATUS_QUERY).catch(() => undefined));
    if (done) break;
  }
  try {
    const r = await result;
    for (const line of r.plan) if (r.outcome === 'planned') out(`  plan: ${line}`);
    out(`${workflowId}: ${r.outcome} (phase ${r.status.phase})`);
    return r;
  } catch (err) {
    const cause = err instanceof WorkflowFailedError ? (err.cause?.message ?? err.message) : String(err);
    throw new Error(`${workflowId} did not complete: ${cause}`);
  }
}

export async function decide(
  client: Client,
  workflowId: string,
  approve: boolean,
  by: string | undefined,
  reason: string | undefined,
): Promise<StatusBase> {
  return refusedAsError(() =>
    client.workflow
      .getHandle(workflowId)
      .executeUpdate(approve ? approveUpdate : rejectUpdate, { args: [{ by, reason }] }),
  );
}

/** The registrar instructions, as the CLI prints them (and `status` shows them). */
export function glueLines(phase: string, change: GlueChange[], workflowId: string): string[] {
  const back = phase === 'glue-revert';
  return [
    back ? 'CHANGE THE GLUE BACK at your registrar:' : 'YOUR TURN: change the glue (host records) at your registrar:',
    ...change.map((c) => `  ${c.name}: ${(back ? c.to : c.from).join(', ')} -> ${(back ? c.from : c.to).join(', ')}`),
    `then: nsdeploy glue-updated ${workflowId}   ` +
      `(or: temporal workflow signal --workflow-id ${workflowId} --name glueUpdated)`,
    'the workflow continues when every parent server serves it',
  ];
}
