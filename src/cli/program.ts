// The nsdeploy command line: every command and its flags. src/client.ts parses argv with it;
// tests (test/unit/docsFlags.test.ts) build it without running anything.
import { Command, Option } from 'commander';
import { loadFleetConfig } from '../config';
import { changeWait, startWait, waitStatus } from './waitCommands';
import { decide, followDeploy, glueLines, startDeploy } from './deployCommands';
import { glueUpdated, startLbReplacement } from './lbCommands';
import { startLbUpdate } from './lbUpdateCommands';
import { startZonePush } from './zonePushCommands';
import { anyStatusQuery } from '../shared';
import { connectClient, temporalTarget, workflowUrl, type TemporalTarget } from '../temporal/connection';
import { formatDuration } from '../shared/duration';
import { registerCodecServerCommand } from '../codec/server';
import { registerMonitorCommands } from './monitorCommands';
import { registerFleetCommands } from './fleetCommands';

const out = (line: string) => process.stdout.write(line + '\n');

function targetFrom(opts: { address?: string; namespace?: string; config?: string }): TemporalTarget {
  const fromConfig = opts.config ? loadFleetConfig(opts.config).temporal : undefined;
  return temporalTarget({
    ...fromConfig,
    ...(opts.address && { address: opts.address }),
    ...(opts.namespace && { namespace: opts.namespace }),
  });
}

async function withClient<T>(
  opts: { address?: string; namespace?: string; config?: string },
  fn: (c: Awaited<ReturnType<typeof connectClient>>['client'], t: TemporalTarget) => Promise<T>,
): Promise<T> {
  const target = targetFrom(opts);
  const { client, close } = await connectClient(target);
  try {
    return await fn(client, target);
  } finally {
    await close();
  }
}

const connectionOptions = (cmd: Command) =>
  cmd
    .addOption(new Option('--address <host:port>', 'Temporal frontend address').env('TEMPORAL_ADDRESS'))
    .addOption(new Option('--namespace <ns>', 'Temporal namespace').env('TEMPORAL_NAMESPACE'));

/** Builds the nsdeploy commander program; register new commands here. Parses nothing. */
export function buildProgram(): Command {
  const program = new Command('nsdeploy')
    .description('Durable, observable deployments for a self-hosted authoritative DNS fleet, on Temporal.')
    .showHelpAfterError();

  connectionOptions(
    program
      .command('start-deploy')
      .description('Start an NS blue-green deploy of the fleet and follow it phase by phase (exit 0 when deployed)')
      .requiredOption('--config <file>', 'fleet config (YAML)')
      .option('--dry-run', 'run the read-only preflight, print the plan, change nothing')
      .option('--detach', 'print the workflow ID and Web UI link and return')
      .option(
        '--approve-before-cutover',
        'wait for `nsdeploy approve` before switching the LBs (overrides the config)',
      ),
  ).action(async (opts) => {
    const cfg = loadFleetConfig(opts.config);
    await withClient({ ...opts, config: opts.config }, (client, target) =>
      startDeploy(
        client,
        target,
        cfg,
        { dryRun: opts.dryRun, detach: opts.detach, approveBeforeCutover: opts.approveBeforeCutover },
        out,
      ),
    );
  });

  connectionOptions(
    program
      .command('start-lb-replacement')
      .description(
        "Replace the load balancers: new LBs that take the old ones' public addresses (ipSwap, same region), " +
          'or that the zone and glue move to (glue: you change it, TTL drain, proof of no traffic); retire ' +
          '(follows it)',
      )
      .requiredOption('--config <file>', 'fleet config (YAML); needs `parents:`')
      .option(
        '--strategy <glue|ipSwap>',
        "force a strategy (default: ipSwap when every new LB is in its old LB's region, else glue); " +
          'ipSwap across regions is refused',
      )
      .option(
        '--dry-run',
        'run the read-only preflight (fleet, zone, delegation at every parent), print the plan, change nothing',
      )
      .option('--detach', 'print the workflow ID and Web UI link and return'),
  ).action(async (opts) => {
    const cfg = loadFleetConfig(opts.config);
    await withClient({ ...opts, config: opts.config }, (client, target) =>
      startLbReplacement(
        client,
        target,
        cfg,
        { dryRun: opts.dryRun, detach: opts.detach, strategy: opts.strategy },
        out,
      ),
    );
  });

  connectionOptions(
    program
      .command('glue-updated <workflow-id>')
      .description(
        'Tell an LB replacement that you changed the glue at the registrar ' +
          '(it checks every parent; the parents decide)',
      )
      .option('--by <name>', 'who changed it, recorded in the workflow', process.env.USER)
      .option('--note <text>', 'e.g. the registrar ticket, recorded in the workflow')
      .option('--check', 'wait for the workflow to check every parent and print what each serves'),
  ).action(async (workflowId: string, opts) => {
    await withClient(opts, (client) =>
      glueUpdated(client, workflowId, { by: opts.by, note: opts.note, check: opts.check }, out),
    );
  });

  connectionOptions(
    program
      .command('update-lbs')
      .description(
        'Update the LBs in place with the proxy role (+ proxyVars), one at a time: plan, apply, verify through it; ' +
          'stops at the first failure (exit 1)',
      )
      .requiredOption('--config <file>', 'fleet config (YAML)')
      .option('--dry-run', "show each LB's plan (ansible --check --diff), change nothing")
      .option('--detach', 'print the workflow ID and Web UI link and return'),
  ).action(async (opts) => {
    const cfg = loadFleetConfig(opts.config);
    await withClient({ ...opts, config: opts.config }, (client, target) =>
      startLbUpdate(client, target, cfg, { dryRun: opts.dryRun, detach: opts.detach }, out),
    );
  });

  connectionOptions(
    program
      .command('zone-push')
      .description(
        'Serve changed zone files on the live nameservers in seconds: plan (refused over the thresholds), ' +
          'then one server at a time, canary first (named-checkzone, rndc reload, every record verified), ' +
          'rolled back on any failure',
      )
      .requiredOption('--config <file>', 'fleet config (YAML)')
      .option('--dry-run', 'show the plan (every RRset that changes, the serials), change nothing')
      .option('--force', 'push a plan over the thresholds (policies.zonePush)')
      .option('--approve', 'wait for `nsdeploy approve` once the canary serves the change (overrides the config)')
      .option('--detach', 'print the workflow ID and Web UI link and return'),
  ).action(async (opts) => {
    const cfg = loadFleetConfig(opts.config);
    await withClient({ ...opts, config: opts.config }, (client, target) =>
      startZonePush(
        client,
        target,
        cfg,
        { dryRun: opts.dryRun, force: opts.force, approve: opts.approve, detach: opts.detach },
        out,
      ),
    );
  });

  connectionOptions(
    program
      .command('follow <workflow-id>')
      .description('Follow a running deploy, LB replacement or zone push until it ends'),
  ).action(async (workflowId: string, opts) => {
    await withClient(opts, (client) => followDeploy(client, workflowId, out));
  });

  for (const [name, approve] of [
    ['approve', true],
    ['reject', false],
  ] as const) {
    connectionOptions(
      program
        .command(`${name} <workflow-id>`)
        .description(
          approve
            ? 'Approve a deploy waiting before cutover, or a zone push waiting after its canary'
            : 'Reject a deploy waiting before cutover, or a zone push after its canary (it rolls back)',
        )
        .option('--by <name>', 'who decides, recorded in the workflow', process.env.USER)
        .option('--reason <text>', 'why, recorded in the workflow'),
    ).action(async (workflowId: string, opts) => {
      const status = await withClient(opts, (client) => decide(client, workflowId, approve, opts.by, opts.reason));
      out(`${name === 'approve' ? 'Approved' : 'Rejected'}: ${workflowId} (phase ${status.phase})`);
    });
  }

  connectionOptions(
    program
      .command('abort <workflow-id>')
      .description('Abort a deploy: what it changed is undone (non-cancellably), then it ends as cancelled'),
  ).action(async (workflowId: string, opts) => {
    await withClient(opts, async (client) => {
      await client.workflow.getHandle(workflowId).cancel();
      out(`Abort requested for ${workflowId}; follow the rollback with: nsdeploy follow ${workflowId}`);
    });
  });

  connectionOptions(
    program
      .command('start-wait')
      .description('Start a standalone extendable wait (e.g. a delayed teardown) and follow it until it ends')
      .requiredOption('--config <file>', 'fleet config (YAML)')
      .requiredOption('--label <text>', 'what the wait is for, shown in the Web UI')
      .requiredOption('--duration <duration>', 'how long to wait, e.g. "2d", "12h"')
      .option('--detach', 'print the workflow ID and return instead of following'),
  ).action(async (opts) => {
    const cfg = loadFleetConfig(opts.config);
    await withClient(opts, (client, target) =>
      startWait(
        client,
        target,
        { fleet: cfg.fleet, label: opts.label, duration: opts.duration, detach: opts.detach },
        out,
      ),
    );
  });

  for (const [name, what] of [
    ['extend-wait', 'a running wait (drain timer, delayed teardown)'],
    ['extend-drain', "an LB replacement's drain timer"],
  ] as const) {
    connectionOptions(
      program
        .command(`${name} <workflow-id>`)
        .description(`Move the end of ${what}; earlier only with --force`)
        .option('--by <duration>', 'move the end by this much, e.g. "12h" (negative shortens: "-2h")')
        .option('--until <time>', 'new end as ISO 8601 time with zone, e.g. 2026-12-01T09:00:00Z')
        .option('--force', 'allow moving the end earlier than it is now (below the TTL-derived bound)')
        .option('--reason <text>', 'why, recorded in the workflow'),
    ).action(async (workflowId: string, opts) => {
      const status = await withClient(opts, (client) =>
        changeWait(client, workflowId, {
          extendBy: opts.by,
          until: opts.until,
          force: opts.force,
          reason: opts.reason,
        }),
      );
      out(`${status.label}: now ends at ${status.end}${status.changes.at(-1)?.forced ? ' (forced)' : ''}`);
    });
  }

  connectionOptions(
    program.command('status <workflow-id>').description('Show a workflow: state, phase, and any wait in progress'),
  ).action(async (workflowId: string, opts) => {
    await withClient(opts, async (client, target) => {
      const handle = client.workflow.getHandle(workflowId);
      const desc = await handle.describe();
      out(`${workflowId}: ${desc.status.name} (${desc.type}), started ${desc.startTime.toISOString()}`);
      out(`Web UI: ${workflowUrl(target, workflowId)}`);
      const status = await handle.query(anyStatusQuery).catch(() => undefined);
      if (status) {
        out(`phase: ${status.phase}${status.error ? ` — ${status.error}` : ''}`);
        const glue = 'glue' in status ? status.glue : undefined;
        if (glue && status.phase.startsWith('glue'))
          for (const l of glueLines(status.phase, glue.change, workflowId)) out(l);
        for (const p of glue?.parents ?? []) out(`  parent ${p.parent}: ${p.serves} — ${p.detail}`);
        for (const e of status.events.slice(-10)) out(`  ${e}`);
      }
      if (desc.status.name === 'RUNNING') {
        const wait = await waitStatus(client, workflowId).catch(() => undefined);
        if (wait && !wait.done)
          out(`${wait.label}: ends ${wait.end} (${formatDuration(Date.parse(wait.end) - Date.now())} left)`);
      }
    });
  });

  registerMonitorCommands(program, { connectionOptions, withClient, out });
  registerFleetCommands(program, { connectionOptions, withClient, out });
  registerCodecServerCommand(program);
  return program;
}
