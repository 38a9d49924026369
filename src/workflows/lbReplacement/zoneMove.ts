// The zone moves to the new LBs: the operator's zone file is edited (only the old LBs'
// addresses and the serial, proven by named-compilezone, backup kept), then served by a child
// NS deploy over all four LBs. Its undo restores the file, serves it again and waits out the
// TTLs before the new LBs may go.
import { ApplicationFailure, executeChild, sleep, workflowInfo } from '@temporalio/workflow';
import type { InstanceInfo } from '../../activities/linode';
import { deployWorkflowId, type LbReplacementInput, type NsDeployInput } from '../../shared';
import { formatDuration } from '../../shared/duration';
import type { FleetContext } from '../lib/fleetContext';
import type { Saga } from '../lib/saga';
import { step } from '../lib/steps';
import { verifyEach, viaPublic } from '../lib/verify';
import { nsBlueGreen } from '../nsBlueGreen';
import type { LbPreflight } from './preflight';
import type { LbTracker } from './tracker';

export interface ZoneMove {
  ctx: FleetContext;
  saga: Saga;
  t: LbTracker;
  input: LbReplacementInput;
  pre: LbPreflight;
  newLbs: InstanceInfo[];
  backupFile: string;
}

/** Moves the zone's records at the old LBs to the new ones and serves it; returns old → new address. */
export async function moveZoneToNewLbs(m: ZoneMove): Promise<Record<string, string>> {
  const { ctx, saga, t, input, pre, newLbs, backupFile } = m;
  const { oldLbs } = pre;
  const moves = Object.fromEntries(oldLbs.map((l, i) => [l.publicIPv4, newLbs[i].publicIPv4]));
  const allLbs = [...input.loadBalancers, ...newLbs.map((l) => l.label)];
  const nsDeploy = (note: string): Promise<unknown> => {
    const { fleet, domain, zoneFile, linode, ssh, nameservers, nextSuffix } = input;
    const policies = input.nsDeployPolicies;
    const child: NsDeployInput = {
      fleet,
      domain,
      zoneFile,
      linode,
      ssh,
      nameservers,
      loadBalancers: allLbs,
      nextSuffix,
      policies,
    };
    t.event(`NS deploy ${deployWorkflowId(fleet)} (child): ${note}`);
    const staticSummary = `NS deploy for ${workflowInfo().workflowId}: ${note}`;
    return executeChild(nsBlueGreen, { workflowId: deployWorkflowId(fleet), args: [child], staticSummary });
  };

  let zoneServed = false;
  saga.add('restore the zone and wait out its TTLs', async () => {
    await step('quick', `restore ${input.zoneFile}`, 'restoreZoneFile', { zoneFile: input.zoneFile, backupFile });
    if (!zoneServed) return;
    await nsDeploy('serve the original zone again');
    // Resolvers may hold the new LBs' addresses (zone and glue) for the TTLs: keep the new LBs until then.
    const summary = `caches forget the new LBs' addresses before they go (${formatDuration(pre.drain.totalMs)})`;
    await sleep(pre.drain.totalMs, { summary });
  });
  const request = { zoneFile: input.zoneFile, domain: input.domain, moves, backupFile };
  const moved = await step(
    'quick',
    `move ${Object.keys(moves).join(', ')} in ${input.zoneFile}`,
    'moveZoneAddresses',
    request,
  );
  const edits = moved.edits.map((e) => `${e.name} ${e.type} ${e.from} → ${e.to}`);
  t.status.zone = { serialBefore: moved.serialBefore, serialAfter: moved.serialAfter, moved: edits };
  zoneServed = true; // from here on the servers may serve it, even if the deploy fails late
  await nsDeploy(`serve serial ${moved.serialAfter} (${moved.edits.length} record(s) moved to the new LBs)`);

  const everyLb = [...oldLbs, ...newLbs];
  const after = await verifyEach(ctx, everyLb.map(viaPublic), input.policies.gate, 'verify the new zone');
  const stale = everyLb.filter((_, i) => !after[i].ok).map((l) => l.label);
  if (stale.length > 0) {
    throw ApplicationFailure.nonRetryable(`the changed zone is not served through ${stale.join(', ')}`, 'VerifyFailed');
  }
  t.event(`serial ${moved.serialAfter} served through all ${everyLb.length} LBs`);
  return moves;
}
