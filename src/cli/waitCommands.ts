// CLI commands around extendable waits: start one on its own, see it, move its end.
import type { Client } from '@temporalio/client';
import { changeWaitUpdate, waitStatusQuery, type ChangeWaitRequest, type WaitStatus } from '../shared';
import { durableWait } from '../workflows/durableWait';
import { formatDuration, parseDuration } from '../shared/duration';
import { workflowUrl, type TemporalTarget } from '../temporal/connection';
import { refusedAsError } from './refusedAsError';

export interface StartWaitOptions {
  fleet: string;
  label: string;
  duration: string;
  detach?: boolean;
}

export async function startWait(
  client: Client,
  target: TemporalTarget,
  opts: StartWaitOptions,
  out: (line: string) => void,
): Promise<WaitStatus | undefined> {
  const durationMs = parseDuration(opts.duration, '--duration');
  if (durationMs <= 0) throw new Error('--duration: must be positive');
  const workflowId = `${opts.fleet}/wait/${opts.label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}`;
  await client.workflow.start(durableWait, {
    taskQueue: target.taskQueue,
    workflowId,
    workflowIdConflictPolicy: 'FAIL',
    args: [{ fleet: opts.fleet, label: opts.label, durationMs }],
    staticSummary: `Wait ${formatDuration(durationMs)}: ${opts.label}`,
  });
  out(`Started ${workflowId}`);
  out(`Web UI: ${workflowUrl(target, workflowId)}`);
  if (opts.detach) return undefined;
  return followWait(client, workflowId, out);
}

/** Prints the end and the time left until the wait finishes. */
export async function followWait(
  client: Client,
  workflowId: string,
  out: (line: string) => void,
  pollMs = 5000,
): Promise<WaitStatus> {
  const handle = client.workflow.getHandle(workflowId);
  let lastEnd = '';
  const result = handle.result() as Promise<WaitStatus>;
  for (;;) {
    const done = await Promise.race([
      result.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), pollMs)),
    ]);
    if (done) break;
    const status = await handle.query(waitStatusQuery).catch(() => undefined);
    if (status && status.end !== lastEnd) {
      out(`Waiting until ${status.end} (${formatDuration(Date.parse(status.end) - Date.now())} left)`);
      lastEnd = status.end;
    }
  }
  const final = await result;
  out(`Wait ended: ${final.label} (end ${final.end}, ${final.changes.length} change(s))`);
  return final;
}

export async function changeWait(client: Client, workflowId: string, req: ChangeWaitRequest): Promise<WaitStatus> {
  return refusedAsError(() => client.workflow.getHandle(workflowId).executeUpdate(changeWaitUpdate, { args: [req] }));
}

export async function waitStatus(client: Client, workflowId: string): Promise<WaitStatus | undefined> {
  return client.workflow.getHandle(workflowId).query(waitStatusQuery);
}
