// Workflow code for test/activities/fleetCredentials.test.ts (bundled on its own): one fleet's
// Linode activities, several at once, so that two fleets' activities interleave on one worker.
// Deterministic workflow code: no Node built-ins, no I/O.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../src/activities';
import type { LinodeTarget } from '../../src/activities/linode';

export interface FleetRound {
  target: LinodeTarget;
  /** Label prefix and fleet tag of this fleet's instances. */
  prefix: string;
  instances: number;
}

export interface FleetRoundResult {
  created: { id: number; label: string }[];
  listed: string[];
  deleted: boolean[];
}

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 1 }, // a request sent to the wrong account must show, not be retried away
});

/** Creates `instances` instances at once, waits for them, lists the fleet, deletes them. */
export async function fleetRound(round: FleetRound): Promise<FleetRoundResult> {
  const { target, prefix } = round;
  await acts.checkRegions(target, ['us-east']);
  const labels = Array.from({ length: round.instances }, (_, n) => `${prefix}-ns${n + 1}`);
  const spec = (label: string) => ({
    label,
    region: 'us-east',
    type: 'g6-nanode-1',
    image: 'linode/debian12',
    tags: [prefix],
    deployTag: `${prefix}-deploy`,
  });
  const created = await Promise.all(labels.map((label) => acts.ensureInstance(target, spec(label))));
  await Promise.all(created.map((c) => acts.waitForRunning(target, c.id, 30_000)));
  const listed = (await acts.listInstances(target, prefix)).map((i) => i.label).sort();
  const deleted = await Promise.all(labels.map((label) => acts.deleteIfOwned(target, label, `${prefix}-deploy`)));
  return {
    created: created.map((c) => ({ id: c.id, label: c.label })),
    listed,
    deleted: deleted.map((d) => d.deleted),
  };
}
