// CLI for the whole fleet: `nsdeploy fleet create` builds everything the config describes (in an
// account that may be empty) and follows it to the registrar step.
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { loadFleetConfig, zoneNames, type FleetConfig } from '../config';
import { fleetCreateWorkflowId, labelsOf } from '../shared';
import type { TemporalTarget } from '../temporal/connection';
import { fleetCreate } from '../workflows/fleetCreate';
import { followDeploy } from './deployCommands';
import { fleetCreateInput } from './fleetCreateInput';
import type { MonitorCommandHelpers } from './monitorCommands';
import { startExclusive } from './startExclusive';

type Out = (line: string) => void;

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

export function registerFleetCommands(program: Command, deps: MonitorCommandHelpers): void {
  const fleet = program.command('fleet').description('The whole fleet at once');
  deps
    .connectionOptions(
      fleet
        .command('create')
        .description(
          'Build every LB, nameserver and firewall the config describes (an empty account is fine; ' +
            'a re-run continues), verify every zone through each LB, then show the registrar step ' +
            'and wait until every parent serves the delegation',
        )
        .requiredOption('--config <file>', 'fleet config (YAML)')
        .option('--detach', 'print the workflow ID and Web UI link and return'),
    )
    .action(async (opts) => {
      const cfg = loadFleetConfig(opts.config);
      await deps.withClient({ ...opts, config: opts.config }, (client, target) =>
        startFleetCreate(client, target, cfg, { detach: opts.detach }, deps.out),
      );
    });
}
