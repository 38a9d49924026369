// CLI for the NS blue-green deploy: start it (one per fleet), follow it phase by phase, and
// steer it (approve, reject, abort).
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client } from '@temporalio/client';
import type { FleetConfig } from '../config';
import { approveUpdate, deployStatusQuery, deployWorkflowId, rejectUpdate, type DeployStatus, type NsDeployResult } from '../shared';
import { nsBlueGreen } from '../workflows/nsBlueGreen';
import { nsDeployInput } from './deployInput';
import { refusedAsError, workflowUrl, type TemporalTarget } from './temporalConnection';

type Out = (line: string) => void;

export async function startDeploy(
  client: Client, target: TemporalTarget, cfg: FleetConfig,
  opts: { dryRun?: boolean; detach?: boolean; approveBeforeCutover?: boolean }, out: Out,
): Promise<NsDeployResult | undefined> {
  const workflowId = deployWorkflowId(cfg.fleet);
  const input = nsDeployInput(cfg, opts);
  try {
    await client.workflow.start(nsBlueGreen, {
      taskQueue: target.taskQueue,
      workflowId,
      workflowIdConflictPolicy: 'FAIL',
      args: [input],
      staticSummary: `${opts.dryRun ? 'Plan' : 'NS blue-green deploy'} of ${cfg.domain} on fleet ${cfg.fleet}`,
      staticDetails: `Replace ${input.nameservers.join(', ')} behind ${input.loadBalancers.join(', ')} with fresh servers from ${cfg.zoneFile}.`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new Error(`a deploy of fleet ${cfg.fleet} is already running: ${workflowId} (${workflowUrl(target, workflowId)}); wait for it, or \`nsdeploy abort ${workflowId}\``);
    }
    throw err;
  }
  out(`Started ${workflowId}`);
  out(`Web UI: ${workflowUrl(target, workflowId)}`);
  if (opts.detach) return undefined;
  return followDeploy(client, workflowId, out);
}

/** Prints each phase and event as it happens; resolves with the result, throws the reason. */
export async function followDeploy(client: Client, workflowId: string, out: Out, pollMs = 1000): Promise<NsDeployResult> {
  const handle = client.workflow.getHandle<typeof nsBlueGreen>(workflowId);
  const result = handle.result();
  // Events are a bounded window of timestamped lines; print each one once.
  const printed = new Set<string>();
  let askedApproval = false;
  const show = (s: DeployStatus | undefined) => {
    if (!s) return;
    for (const e of s.events.filter((x) => !printed.has(x))) {
      printed.add(e);
      out(`  ${e}`);
    }
    if (s.approval?.pending && !askedApproval) out(`  waiting for approval until ${s.approval.deadline}: nsdeploy approve ${workflowId}`);
    askedApproval = !!s.approval?.pending;
  };
  for (;;) {
    const done = await Promise.race([result.then(() => true, () => true), new Promise<false>((r) => setTimeout(() => r(false), pollMs))]);
    show(await handle.query(deployStatusQuery).catch(() => undefined));
    if (done) break;
  }
  try {
    const r = await result;
    for (const line of r.plan) if (r.outcome === 'planned') out(`  plan: ${line}`);
    out(`Deploy ${r.outcome}: phase ${r.status.phase}`);
    return r;
  } catch (err) {
    const cause = err instanceof WorkflowFailedError ? err.cause?.message ?? err.message : String(err);
    throw new Error(`deploy ${workflowId} did not complete: ${cause}`);
  }
}

export async function decide(client: Client, workflowId: string, approve: boolean, by: string | undefined, reason: string | undefined): Promise<DeployStatus> {
  return refusedAsError(() => client.workflow.getHandle(workflowId).executeUpdate(approve ? approveUpdate : rejectUpdate, { args: [{ by, reason }] }));
}
