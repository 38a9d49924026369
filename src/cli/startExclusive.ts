// Starting a change of a fleet: one workflow per kind and fleet (its ID, with the FAIL
// conflict policy), optionally none while another change of the fleet runs, and the
// operator told where to watch it.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { FLEET_CHANGES } from '../shared';
import { workflowUrl, type TemporalTarget } from '../temporal/connection';

type Out = (line: string) => void;

/**
 * Other changes of this fleet still running (e.g. an NS deploy's cutover rewrites the LBs'
 * upstreams; a zone push reloads the nameservers). Monitoring runs and waits do not count. Best
 * effort: the workflows also check what they change as they go.
 */
export async function otherChangesRunning(client: Client, fleet: string, self: string): Promise<string[]> {
  const ids: string[] = [];
  try {
    for await (const w of client.workflow.list({ query: `Fleet = "${fleet}" AND ExecutionStatus = "Running"` })) {
      if (w.workflowId !== self && FLEET_CHANGES.includes(w.type)) ids.push(w.workflowId);
    }
  } catch {
    // A server without visibility queries (or the attribute) cannot tell; the workflow's own checks remain.
  }
  return ids;
}

export interface ExclusiveStart<W extends Workflow> {
  workflow: W;
  workflowId: string;
  args: Parameters<W>;
  fleet: string;
  /** e.g. "an LB update": used in the refusal messages. */
  what: string;
  staticSummary: string;
  staticDetails: string;
  /** Refuse while any other change of the fleet runs (not only one of the same kind). */
  aloneInFleet?: boolean;
}

export async function startExclusive<W extends Workflow>(
  client: Client,
  target: TemporalTarget,
  s: ExclusiveStart<W>,
  out: Out,
): Promise<void> {
  if (s.aloneInFleet) {
    const others = await otherChangesRunning(client, s.fleet, s.workflowId);
    if (others.length > 0)
      throw new Error(
        `fleet ${s.fleet} has a change running: ${others.join(', ')}; ` +
          `wait for it (nsdeploy follow ${others[0]}) before starting ${s.what}`,
      );
  }
  try {
    await client.workflow.start(s.workflow, {
      taskQueue: target.taskQueue,
      workflowId: s.workflowId,
      workflowIdConflictPolicy: 'FAIL',
      args: s.args,
      staticSummary: s.staticSummary,
      staticDetails: s.staticDetails,
    } as Parameters<Client['workflow']['start']>[1]);
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new Error(
        `${s.what} of fleet ${s.fleet} is already running: ${s.workflowId} (${workflowUrl(target, s.workflowId)}); ` +
          `wait for it, or \`nsdeploy abort ${s.workflowId}\``,
      );
    }
    throw err;
  }
  out(`Started ${s.workflowId}`);
  out(`Web UI: ${workflowUrl(target, s.workflowId)}`);
}
