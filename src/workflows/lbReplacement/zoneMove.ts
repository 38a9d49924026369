// The zones move to the new LBs: in every zone file with records at the old LBs' addresses those
// records are edited (only them and the serial, proven by named-compilezone, backup kept), then
// served by a child NS deploy over all the LBs. The undo restores the files, serves them again
// and waits out the TTLs before the new LBs may go.
import { ApplicationFailure, executeChild, sleep, workflowInfo } from '@temporalio/workflow';
import type { InstanceInfo } from '../../activities/linode';
import { deployWorkflowId, type LbReplacementInput, type NsDeployInput, type ZoneMoveView } from '../../shared';
import { formatDuration } from '../../shared/duration';
import type { FleetContext } from '../lib/fleetContext';
import type { Saga } from '../lib/saga';
import { step } from '../lib/steps';
import { verifyEach, viaPublic } from '../lib/verify';
import { nsBlueGreen } from '../nsBlueGreen';
import type { LbPreflight } from './preflight';
import { nextLbs } from './shape';
import type { LbTracker } from './tracker';

export interface ZoneMove {
  ctx: FleetContext;
  saga: Saga;
  t: LbTracker;
  input: LbReplacementInput;
  pre: LbPreflight;
  newLbs: InstanceInfo[];
}

/** The backup of a zone file this replacement edits (kept until it is final). */
export const zoneBackupOf = (ctx: FleetContext, file: string) => `${file}.${ctx.deployTag}.orig`;

/** Moves every zone's records at the old LBs to the new ones and serves them; returns old → new address. */
export async function moveZonesToNewLbs(m: ZoneMove): Promise<Record<string, string>> {
  const { ctx, saga, t, input, pre, newLbs } = m;
  const { oldLbs } = pre;
  const moves = Object.fromEntries(oldLbs.map((l, i) => [l.publicIPv4, newLbs[i].publicIPv4]));
  const nsDeploy = (note: string): Promise<unknown> => {
    const { fleet, zones, linode, ssh, nameservers, nextSuffix } = input;
    const loadBalancers = [...input.loadBalancers, ...nextLbs(input)];
    const policies = input.nsDeployPolicies;
    const child: NsDeployInput = { fleet, zones, linode, ssh, nameservers, loadBalancers, nextSuffix, policies };
    if (input.firewall) child.firewall = input.firewall; // its new servers get the fleet's firewall
    t.event(`NS deploy ${deployWorkflowId(fleet)} (child): ${note}`);
    const staticSummary = `NS deploy for ${workflowInfo().workflowId}: ${note}`;
    return executeChild(nsBlueGreen, { workflowId: deployWorkflowId(fleet), args: [child], staticSummary });
  };

  let served = false;
  saga.add('restore the zone and wait out its TTLs', async () => {
    for (const { zone } of pre.moving) {
      const backupFile = zoneBackupOf(ctx, zone.file);
      await step('quick', `restore ${zone.file}`, 'restoreZoneFile', { zoneFile: zone.file, backupFile });
    }
    if (!served) return;
    await nsDeploy('serve the original zone again');
    // Resolvers may hold the new LBs' addresses (zone and glue) for the TTLs: keep the new LBs until then.
    const summary = `caches forget the new LBs' addresses before they go (${formatDuration(pre.drain.totalMs)})`;
    await sleep(pre.drain.totalMs, { summary });
  });
  const views: ZoneMoveView[] = [];
  for (const { zone } of pre.moving) {
    const request = { zoneFile: zone.file, domain: zone.domain, moves, backupFile: zoneBackupOf(ctx, zone.file) };
    const summary = `move ${Object.keys(moves).join(', ')} in ${zone.file}`;
    const moved = await step('quick', summary, 'moveZoneAddresses', request);
    const edits = moved.edits.map((e) => `${e.name} ${e.type} ${e.from} → ${e.to}`);
    views.push({ domain: zone.domain, serialBefore: moved.serialBefore, serialAfter: moved.serialAfter, moved: edits });
    t.status.zones = views;
  }
  served = true; // from here on the servers may serve them, even if the deploy fails late
  const serials = views.map((v) => `${v.domain} serial ${v.serialAfter}`).join(', ');
  const count = views.reduce((n, v) => n + v.moved.length, 0);
  await nsDeploy(`serve ${serials} (${count} record(s) moved to the new LBs)`);

  const everyLb = [...oldLbs, ...newLbs];
  const after = await verifyEach(ctx, everyLb.map(viaPublic), input.policies.gate, 'verify the new zone');
  const stale = everyLb.filter((_, i) => !after[i].ok).map((l) => l.label);
  if (stale.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `the changed zones are not served through ${stale.join(', ')}`,
      'VerifyFailed',
    );
  }
  t.event(`${serials} served through all ${everyLb.length} LBs`);
  return moves;
}

/** The change is final: the zone files keep the moved records. */
export async function keepZoneMoves(ctx: FleetContext, pre: LbPreflight): Promise<void> {
  for (const { zone } of pre.moving) {
    await step('quick', 'keep the zone change', 'discardZoneBackup', { backupFile: zoneBackupOf(ctx, zone.file) });
  }
}
