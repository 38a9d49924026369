// CLI for the whole fleet: `fleet create` builds everything the config describes (in an account
// that may be empty) and follows it to the registrar step; `fleet adopt` brings a fleet that runs
// without nsdeploy under it, and `fleet confirm-keys` gives it the fingerprints it waits for.
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { loadFleetConfig, zoneNames, type FleetConfig } from '../config';
import {
  confirmHostKeysUpdate,
  fleetAdoptWorkflowId,
  fleetCreateWorkflowId,
  labelsOf,
  type FleetAdoptInput,
  type FleetAdoptResult,
} from '../shared';
import type { TemporalTarget } from '../temporal/connection';
import { fleetAdopt } from '../workflows/fleetAdopt';
import { fleetCreate } from '../workflows/fleetCreate';
import { followDeploy } from './deployCommands';
import { fleetSpecOf } from './deployInput';
import { fleetCreateInput } from './fleetCreateInput';
import type { MonitorCommandHelpers } from './monitorCommands';
import { refusedAsError } from './refusedAsError';
import { startExclusive } from './startExclusive';

type Out = (line: string) => void;

export function fleetAdoptInput(cfg: FleetConfig, opts: { dryRun?: boolean } = {}): FleetAdoptInput {
  const p = cfg.policies;
  return {
    ...fleetSpecOf(cfg),
    proxyVars: cfg.proxyVars as Record<string, unknown>,
    policies: {
      approval: { timeoutMs: p.approval.timeout, onTimeout: 'abort' },
      verify: { transports: p.gate.transports, concurrency: p.gate.concurrency },
    },
    ...(opts.dryRun && { dryRun: true }),
  };
}

export async function startFleetCreate(
  client: Client,
  target: TemporalTarget,
  cfg: FleetConfig,
  opts: { detach?: boolean },
  out: Out,
) {
  const workflowId = fleetCreateWorkflowId(cfg.fleet);
  const input = fleetCreateInput(cfg);
  await startExclusive(
    client,
    target,
    {
      workflow: fleetCreate,
      workflowId,
      args: [input],
      fleet: cfg.fleet,
      what: 'a fleet create',
      aloneInFleet: true,
      staticSummary: `Fleet create: ${cfg.fleet} serving ${zoneNames(cfg)}`,
      staticDetails:
        `LBs ${labelsOf(input.loadBalancers)}, nameservers ${labelsOf(input.nameservers)}` +
        `${input.firewall ? ', each with its Cloud Firewall' : ''}; every record verified through each LB; ` +
        'then the NS and glue records to publish at the registrar.',
    },
    out,
  );
  if (opts.detach) return undefined;
  return followDeploy(client, workflowId, out);
}

export async function startAdopt(
  client: Client,
  target: TemporalTarget,
  cfg: FleetConfig,
  opts: { dryRun?: boolean; detach?: boolean },
  out: Out,
): Promise<FleetAdoptResult | undefined> {
  const workflowId = fleetAdoptWorkflowId(cfg.fleet);
  const input = fleetAdoptInput(cfg, opts);
  await startExclusive(
    client,
    target,
    {
      workflow: fleetAdopt,
      workflowId,
      args: [input],
      fleet: cfg.fleet,
      what: 'an adoption',
      aloneInFleet: !opts.dryRun,
      staticSummary: `${opts.dryRun ? 'Plan of the adoption' : 'Adoption'} of fleet ${cfg.fleet}`,
      staticDetails:
        `Find ${labelsOf([...input.nameservers, ...input.loadBalancers])} by label, pin their host keys once you ` +
        'confirm the fingerprints, tag them, and on approval apply the roles.',
    },
    out,
  );
  if (opts.detach) return undefined;
  out(`  when it asks: nsdeploy fleet confirm-keys ${workflowId} --fingerprint <host>=SHA256:… (one per host)`);
  return (await followDeploy(client, workflowId, out)) as FleetAdoptResult;
}

/** "ns1=SHA256:abc" → ["ns1", "SHA256:abc"]. */
function parseFingerprint(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new Error(`--fingerprint ${value}: expected <host>=<fingerprint>, e.g. ns1=SHA256:AbC…`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

export function registerFleetCommands(program: Command, h: MonitorCommandHelpers): void {
  const fleet = program
    .command('fleet')
    .description('The whole fleet: build it (create), or bring one that runs without nsdeploy under it (adopt)');
  h.connectionOptions(
    fleet
      .command('create')
      .description(
        'Build every LB, nameserver and firewall the config describes (an empty account is fine; ' +
          'a re-run continues), verify every zone through each LB, then show the registrar step ' +
          'and wait until every parent serves the delegation',
      )
      .requiredOption('--config <file>', 'fleet config (YAML)')
      .option('--detach', 'print the workflow ID and Web UI link and return'),
  ).action(async (opts) => {
    const cfg = loadFleetConfig(opts.config);
    await h.withClient({ ...opts, config: opts.config }, (client, target) =>
      startFleetCreate(client, target, cfg, { detach: opts.detach }, h.out),
    );
  });

  h.connectionOptions(
    fleet
      .command('adopt')
      .description(
        'Adopt a fleet that runs without nsdeploy: find its hosts by label, pin each host key once you confirm ' +
          "its fingerprint, tag them, show the roles' --check --diff, apply them on approval",
      )
      .requiredOption('--config <file>', 'fleet config (YAML)')
      .option('--dry-run', 'find the hosts and scan their keys, print the plan, change nothing')
      .option('--detach', 'print the workflow ID and Web UI link and return'),
  ).action(async (opts) => {
    const cfg = loadFleetConfig(opts.config);
    await h.withClient({ ...opts, config: opts.config }, (client, target) =>
      startAdopt(client, target, cfg, { dryRun: opts.dryRun, detach: opts.detach }, h.out),
    );
  });

  h.connectionOptions(
    fleet
      .command('confirm-keys <workflow-id>')
      .description(
        "Give an adoption each host's key fingerprint, read out of band (Lish console: " +
          'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub); refused, nothing pinned, unless every one matches',
      )
      .requiredOption('--fingerprint <host=SHA256:…>', 'one per host (repeat the option)', parseFingerprint)
      .option('--by <name>', 'who read them, recorded in the workflow', process.env.USER),
  ).action(async (workflowId: string, opts) => {
    const status = await h.withClient(opts, (client) =>
      refusedAsError(() =>
        client.workflow
          .getHandle(workflowId)
          .executeUpdate(confirmHostKeysUpdate, { args: [{ fingerprints: opts.fingerprint, by: opts.by }] }),
      ),
    );
    h.out(`Confirmed: ${workflowId} (phase ${status.phase})`);
  });
}
