// CLI for the LB replacement: start it (one per fleet), tell it the glue was changed, and
// follow it (the same follower as the NS deploy: phases, events, the glue instructions).
import type { Client } from '@temporalio/client';
import { zoneNames, type FleetConfig } from '../config';
import {
  glueUpdatedCheck,
  glueUpdatedSignal,
  labelsOf,
  lbReplacementWorkflowId,
  type LbReplacementStatus,
} from '../shared';
import { lbReplacement } from '../workflows/lbReplacement';
import { followDeploy } from './deployCommands';
import { lbReplacementInput, type LbReplacementOptions } from './lbInput';
import { startExclusive } from './startExclusive';
import type { TemporalTarget } from '../temporal/connection';
import { refusedAsError } from './refusedAsError';

type Out = (line: string) => void;

export async function startLbReplacement(
  client: Client,
  target: TemporalTarget,
  cfg: FleetConfig,
  opts: LbReplacementOptions & { detach?: boolean },
  out: Out,
) {
  const workflowId = lbReplacementWorkflowId(cfg.fleet);
  const input = lbReplacementInput(cfg, opts);
  if (input.parents.length === 0)
    throw new Error(
      `${cfg.fleet}: the config lists no parent servers (\`parents:\`), so the glue change could not be checked`,
    );
  await startExclusive(
    client,
    target,
    {
      workflow: lbReplacement,
      workflowId,
      args: [input],
      fleet: cfg.fleet,
      what: 'an LB replacement',
      aloneInFleet: !opts.dryRun,
      staticSummary:
        `${opts.dryRun ? 'Plan' : 'LB replacement'} of ${labelsOf(input.loadBalancers)} ` +
        `for ${zoneNames(cfg)} on fleet ${cfg.fleet}`,
      staticDetails:
        `New ${input.loadBalancers.map((l) => l.label + input.nextSuffix).join(', ')}. ` +
        `Strategy: ${input.strategy ?? 'chosen in the plan'} (ipSwap: each takes its old LB's address, same region; ` +
        "glue: the zones' records move to them, you change the glue at the registrar, the old LBs go after " +
        'the TTLs and a proof of no traffic). ' +
        `Parents checked: ${input.parents.map((p) => p.address).join(', ')}.`,
    },
    out,
  );
  if (opts.detach) return undefined;
  return followDeploy(client, workflowId, out);
}

/** Signals the glue change; with `check`, waits for the workflow's look at every parent. */
export async function glueUpdated(
  client: Client,
  workflowId: string,
  opts: { by?: string; note?: string; check?: boolean },
  out: Out,
): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  const args = { by: opts.by, note: opts.note };
  if (!opts.check) {
    await handle.signal(glueUpdatedSignal, args);
    out(
      `Sent glueUpdated to ${workflowId}; it checks every parent server now ` +
        `(nsdeploy status ${workflowId}, or add --check to wait for the answer)`,
    );
    return;
  }
  const glue: NonNullable<LbReplacementStatus['glue']> = await refusedAsError(() =>
    handle.executeUpdate(glueUpdatedCheck, { args: [args] }),
  );
  const behind = glue.parents.filter((p) => p.serves !== 'new');
  out(
    behind.length === 0
      ? `Every parent serves the new glue (checked ${glue.checkedAt}).`
      : `${behind.length} of ${glue.parents.length} parent(s) do not serve the new glue yet ` +
          `(checked ${glue.checkedAt}):`,
  );
  for (const p of glue.parents) out(`  ${p.parent}: ${p.serves} — ${p.detail}`);
}
