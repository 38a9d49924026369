// CLI for the zone push: start it (alone in its fleet), follow it server by server with the
// deploy's follower (events, approval prompt, outcome), and print the plan of a dry run.
import type { Client } from '@temporalio/client';
import { zoneFiles, zoneNames, type FleetConfig } from '../config';
import { labelsOf, zonePushWorkflowId, type ZonePushResult } from '../shared';
import type { TemporalTarget } from '../temporal/connection';
import { zonePush } from '../workflows/zonePush';
import { followDeploy } from './deployCommands';
import { startExclusive } from './startExclusive';
import { zonePushInput, type ZonePushOptions } from './zonePushInput';

type Out = (line: string) => void;

export async function startZonePush(
  client: Client,
  target: TemporalTarget,
  cfg: FleetConfig,
  opts: ZonePushOptions & { detach?: boolean },
  out: Out,
): Promise<ZonePushResult | undefined> {
  const workflowId = zonePushWorkflowId(cfg.fleet);
  const input = zonePushInput(cfg, opts);
  await startExclusive(
    client,
    target,
    {
      workflow: zonePush,
      workflowId,
      args: [input],
      fleet: cfg.fleet,
      what: 'a zone push',
      aloneInFleet: !opts.dryRun,
      staticSummary: `${opts.dryRun ? 'Plan of a zone push' : 'Zone push'} of ${zoneNames(cfg)} on fleet ${cfg.fleet}`,
      staticDetails:
        `Serve ${zoneFiles(cfg)} on ${labelsOf(input.nameservers)} one at a time (canary first): ` +
        `named-checkzone, rndc reload, every record verified; then through ${labelsOf(input.loadBalancers)}.`,
    },
    out,
  );
  if (opts.detach) return undefined;
  return (await followDeploy(client, workflowId, out)) as ZonePushResult;
}
