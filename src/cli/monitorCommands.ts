// CLI for continuous monitoring: one Temporal Schedule per fleet (`<fleet>/monitor`) that runs
// monitorFleet every `monitor.every`; create (or update) it, see its recent runs and their
// FleetHealth, run it now, delete it.
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Command } from 'commander';
import { loadFleetConfig, zoneFiles, zoneNames, type FleetConfig } from '../config';
import { FLEET_HEALTH, monitorScheduleId, type MonitorInput, type MonitorResult } from '../shared';
import { formatDuration, parseDuration } from '../shared/duration';
import type { monitorFleet } from '../workflows/monitorFleet';
import { workflowUrl, type TemporalTarget } from '../temporal/connection';

type Out = (line: string) => void;
type ConnectionOpts = { address?: string; namespace?: string; config?: string };

/** A run must end before it would hold up many intervals (overlap policy SKIP). */
const RUN_TIMEOUT = '30m';

export const scheduleUrl = (target: TemporalTarget, scheduleId: string) =>
  `${target.uiUrl}/namespaces/${encodeURIComponent(target.namespace)}/schedules/${encodeURIComponent(scheduleId)}`;

/** The monitoring run's input from the fleet config: names, paths, addresses, the webhook. */
export function monitorInput(cfg: FleetConfig, target: TemporalTarget, everyMs = cfg.monitor.every): MonitorInput {
  return {
    fleet: cfg.fleet,
    zones: cfg.zones,
    linode: {
      apiUrl: cfg.linode.apiUrl,
      tokenEnv: cfg.linode.tokenEnv,
      knownHostsFile: cfg.ssh.knownHostsFile,
      privateKeyFile: cfg.ssh.privateKeyFile,
    },
    nameservers: cfg.nameservers.map((h) => h.label),
    loadBalancers: cfg.loadBalancers.map((h) => h.label),
    nextSuffix: cfg.nextSuffix,
    parents: cfg.parents.map((p) => ({ address: p.address, port: p.port })),
    probe: { transports: ['udp', 'tcp'], concurrency: cfg.policies.gate.concurrency },
    alert: { webhookUrl: cfg.monitor.webhookUrl, webhookUrlEnv: cfg.monitor.webhookUrlEnv },
    everyMs,
    webUi: { url: target.uiUrl, namespace: target.namespace },
  };
}

function scheduleParts(cfg: FleetConfig, target: TemporalTarget, everyMs: number) {
  const input = monitorInput(cfg, target, everyMs);
  const alertsTo = input.alert.webhookUrl
    ? new URL(input.alert.webhookUrl).origin
    : input.alert.webhookUrlEnv
      ? `the URL in $${input.alert.webhookUrlEnv}`
      : 'the worker log only';
  const action: ScheduleOptionsStartWorkflowAction<typeof monitorFleet> = {
    type: 'startWorkflow',
    workflowType: 'monitorFleet',
    taskQueue: target.taskQueue,
    workflowId: monitorScheduleId(cfg.fleet),
    args: [input],
    workflowExecutionTimeout: RUN_TIMEOUT,
    staticSummary: `Monitor of ${zoneNames(cfg)} on fleet ${cfg.fleet} (every ${formatDuration(everyMs)})`,
    staticDetails:
      `Every record of ${zoneFiles(cfg)} through ${input.loadBalancers.join(', ')} ` +
      `and on ${input.nameservers.join(', ')} directly, over UDP and TCP` +
      `${input.parents.length ? `; the delegation at ${input.parents.map((p) => p.address).join(', ')}` : ''}. ` +
      `On failure: an alert to ${alertsTo}, and FleetHealth = "failing".`,
  };
  return {
    spec: { intervals: [{ every: everyMs }] },
    action,
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: Math.max(everyMs, 60_000), pauseOnFailure: false },
  };
}

/**
 * FleetHealth must be registered in the namespace, or every run fails when it sets it. A fresh
 * dev server has it (temporal-dev/start); an older one, or a production namespace, may not.
 */
async function ensureFleetHealthAttribute(client: Client, namespace: string, out: Out): Promise<void> {
  const svc = client.connection.operatorService;
  const { customAttributes } = await svc.listSearchAttributes({ namespace });
  if (customAttributes && FLEET_HEALTH.name in customAttributes) return;
  try {
    await svc.addSearchAttributes({
      namespace,
      searchAttributes: { [FLEET_HEALTH.name]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD },
    });
  } catch (err) {
    const createCommand =
      `temporal operator search-attribute create --namespace ${namespace} ` +
      `--name ${FLEET_HEALTH.name} --type Keyword`;
    throw new Error(
      `the search attribute ${FLEET_HEALTH.name} (Keyword) is not registered in namespace ${namespace} ` +
        `and could not be added (${(err as Error).message}); register it, e.g. ${createCommand}`,
    );
  }
  out(`Registered the search attribute ${FLEET_HEALTH.name} (Keyword) in namespace ${namespace}`);
}

/** Creates the fleet's monitoring schedule, or updates it to the config as it is now. */
export async function createMonitor(
  client: Client,
  target: TemporalTarget,
  cfg: FleetConfig,
  opts: { every?: string },
  out: Out,
): Promise<string> {
  const everyMs = opts.every !== undefined ? parseDuration(opts.every, '--every') : cfg.monitor.every;
  if (everyMs < 10_000) throw new Error(`--every: must be at least 10s (got ${opts.every})`);
  const scheduleId = monitorScheduleId(cfg.fleet);
  const parts = scheduleParts(cfg, target, everyMs);
  await ensureFleetHealthAttribute(client, target.namespace, out);
  let verb = 'Created';
  try {
    await client.schedule.create({
      scheduleId,
      ...parts,
      state: { triggerImmediately: true, note: `nsdeploy monitor create (every ${formatDuration(everyMs)})` },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((prev) => ({
      ...prev,
      spec: parts.spec,
      action: parts.action,
      policies: { ...prev.policies, ...parts.policies },
      state: { ...prev.state, note: `nsdeploy monitor create (every ${formatDuration(everyMs)})` },
    }));
    verb = 'Updated';
  }
  out(
    `${verb} schedule ${scheduleId}: monitors ${zoneNames(cfg)} on fleet ${cfg.fleet} ` +
      `every ${formatDuration(everyMs)}${verb === 'Created' ? ' (first run now)' : ''}`,
  );
  const alertsTo =
    cfg.monitor.webhookUrl ??
    (cfg.monitor.webhookUrlEnv
      ? `$${cfg.monitor.webhookUrlEnv} on the worker`
      : 'none configured (monitor.webhookUrl); the worker logs them');
  out(`Alerts: ${alertsTo}`);
  out(`Web UI: ${scheduleUrl(target, scheduleId)}`);
  const namespaceUrl = `${target.uiUrl}/namespaces/${encodeURIComponent(target.namespace)}`;
  out(`Failing runs: ${namespaceUrl}/workflows?query=${encodeURIComponent('FleetHealth = "failing"')}`);
  return scheduleId;
}

async function described(client: Client, scheduleId: string) {
  try {
    return await client.schedule.getHandle(scheduleId).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError)
      throw new Error(
        `no monitoring schedule ${scheduleId}: create it with \`nsdeploy monitor create --config <file>\``,
      );
    throw err;
  }
}

/** One line per run: when, its state, FleetHealth and the first failures. */
async function runLine(client: Client, workflowId: string, runId: string): Promise<string[]> {
  const handle = client.workflow.getHandle<typeof monitorFleet>(workflowId, runId);
  const desc = await handle.describe();
  const health = desc.typedSearchAttributes.get(FLEET_HEALTH) ?? '—';
  const lines = [`${desc.startTime.toISOString()} ${workflowId} ${desc.status.name} FleetHealth=${health}`];
  if (desc.status.name === 'COMPLETED') {
    const r: MonitorResult = await handle.result();
    const alert = r.alert
      ? `; alert ${r.alert.state} ${r.alert.delivered ? 'delivered' : 'NOT sent'} (${r.alert.detail})`
      : '';
    lines[0] += `: ${r.recordsChecked} records, ${r.queriesSent} queries${alert}`;
    for (const f of r.failures.slice(0, 5)) lines.push(`    ${f.where}${f.record ? ` — ${f.record}` : ''}: ${f.what}`);
    if (r.failures.length + r.failuresOmitted > 5)
      lines.push(`    … ${r.failures.length + r.failuresOmitted - 5} more`);
  }
  return lines;
}

export async function monitorStatus(client: Client, target: TemporalTarget, fleet: string, out: Out): Promise<void> {
  const scheduleId = monitorScheduleId(fleet);
  const d = await described(client, scheduleId);
  const every = d.spec.intervals?.[0]?.every;
  const interval = every !== undefined ? `, every ${formatDuration(Number(every))}` : '';
  out(
    `${scheduleId}: ${d.state.paused ? 'PAUSED' : 'active'}${interval}, ` +
      `${d.info.numActionsTaken} run(s) so far, ${d.info.numActionsSkippedOverlap} skipped (overlap)`,
  );
  out(`Web UI: ${scheduleUrl(target, scheduleId)}`);
  if (d.info.nextActionTimes[0]) out(`Next run: ${d.info.nextActionTimes[0].toISOString()}`);
  for (const a of d.info.runningActions)
    out(`Running: ${a.workflow.workflowId} (${workflowUrl(target, a.workflow.workflowId)})`);
  const recent = d.info.recentActions.slice(-5);
  if (recent.length) out('Recent runs:');
  for (const a of recent) {
    const lines = await runLine(client, a.action.workflow.workflowId, a.action.workflow.firstExecutionRunId).catch(
      (err: unknown) => [`${a.takenAt.toISOString()} ${a.action.workflow.workflowId}: ${(err as Error).message}`],
    );
    for (const l of lines) out(`  ${l}`);
  }
}

/** Runs the check now; with `wait`, prints its verdict (exit code 2 when the fleet is failing). */
export async function triggerMonitor(
  client: Client,
  target: TemporalTarget,
  fleet: string,
  opts: { wait?: boolean },
  out: Out,
): Promise<MonitorResult | undefined> {
  const scheduleId = monitorScheduleId(fleet);
  const before = await described(client, scheduleId);
  const seen = new Set(before.info.recentActions.map((a) => a.action.workflow.firstExecutionRunId));
  await client.schedule.getHandle(scheduleId).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
  const deadline = Date.now() + 30_000;
  let run: { workflowId: string; firstExecutionRunId: string } | undefined;
  while (!run && Date.now() < deadline) {
    const d = await described(client, scheduleId);
    run = d.info.recentActions.map((a) => a.action.workflow).find((w) => !seen.has(w.firstExecutionRunId));
    if (!run) await new Promise((r) => setTimeout(r, 300));
  }
  if (!run) {
    out(`Triggered ${scheduleId}; its run has not shown yet (Web UI: ${scheduleUrl(target, scheduleId)})`);
    return undefined;
  }
  out(`Triggered ${scheduleId}: ${run.workflowId}`);
  out(`Web UI: ${workflowUrl(target, run.workflowId)}`);
  if (!opts.wait) return undefined;
  const result: MonitorResult = await client.workflow
    .getHandle<typeof monitorFleet>(run.workflowId, run.firstExecutionRunId)
    .result();
  out(
    result.healthy
      ? `Fleet ${fleet} ok: ${result.recordsChecked} records, ${result.queriesSent} queries, nothing wrong`
      : `Fleet ${fleet} FAILING (${result.failures.length + result.failuresOmitted} failure(s)):`,
  );
  for (const f of result.failures) out(`  ${f.where}${f.record ? ` — ${f.record}` : ''}: ${f.what}`);
  if (result.alert)
    out(`Alert (${result.alert.state}): ${result.alert.delivered ? 'delivered' : 'not sent'} — ${result.alert.detail}`);
  if (!result.healthy) process.exitCode = 2;
  return result;
}

export async function deleteMonitor(client: Client, fleet: string, out: Out): Promise<void> {
  const scheduleId = monitorScheduleId(fleet);
  try {
    await client.schedule.getHandle(scheduleId).delete();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) {
      out(`No monitoring schedule ${scheduleId}: nothing to delete`);
      return;
    }
    throw err;
  }
  out(`Deleted schedule ${scheduleId} (runs already made stay in the workflow list)`);
}

export interface MonitorCommandHelpers {
  connectionOptions: (cmd: Command) => Command;
  withClient: <T>(opts: ConnectionOpts, fn: (client: Client, target: TemporalTarget) => Promise<T>) => Promise<T>;
  out: Out;
}

/** `nsdeploy monitor create|status|trigger|delete`. */
export function registerMonitorCommands(
  program: Command,
  { connectionOptions, withClient, out }: MonitorCommandHelpers,
): void {
  const monitor = program
    .command('monitor')
    .description(
      'Continuous monitoring of the live fleet: a Temporal Schedule that checks every record and the delegation, ' +
        'and alerts on failure',
    );
  const fleetOf = (opts: { config: string }) => loadFleetConfig(opts.config);

  connectionOptions(
    monitor
      .command('create')
      .description(
        'Create the schedule <fleet>/monitor (or update it to the config), first run now; prints its Web UI link',
      )
      .requiredOption('--config <file>', 'fleet config (YAML); `monitor:` sets the interval and the webhook')
      .option('--every <duration>', 'interval instead of monitor.every, e.g. "5m", "30s" (at least 10s)'),
  ).action(async (opts) => {
    const cfg = fleetOf(opts);
    await withClient(opts, (client, target) => createMonitor(client, target, cfg, { every: opts.every }, out));
  });

  connectionOptions(
    monitor
      .command('status')
      .description('The schedule, its next run and its recent runs with their FleetHealth and failures')
      .requiredOption('--config <file>', 'fleet config (YAML)'),
  ).action(async (opts) => {
    const cfg = fleetOf(opts);
    await withClient(opts, (client, target) => monitorStatus(client, target, cfg.fleet, out));
  });

  connectionOptions(
    monitor
      .command('trigger')
      .description('Run the check now (outside the interval)')
      .requiredOption('--config <file>', 'fleet config (YAML)')
      .option('--wait', 'wait for the run and print its verdict (exit code 2 when the fleet is failing)'),
  ).action(async (opts) => {
    const cfg = fleetOf(opts);
    await withClient(opts, (client, target) => triggerMonitor(client, target, cfg.fleet, { wait: opts.wait }, out));
  });

  connectionOptions(
    monitor
      .command('delete')
      .description('Delete the schedule (the runs it made stay visible)')
      .requiredOption('--config <file>', 'fleet config (YAML)'),
  ).action(async (opts) => {
    const cfg = fleetOf(opts);
    await withClient(opts, (client) => deleteMonitor(client, cfg.fleet, out));
  });
}
