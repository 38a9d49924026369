// After the cutover: the soak keeps probing through every LB (any failure rolls back), and the
// drain waits, within a bound, until the old servers' query counters stop rising.
import { ApplicationFailure, sleep } from '@temporalio/workflow';
import type { InstanceInfo } from '../../activities/linode';
import type { NsDeployPolicies } from '../../shared';
import { formatDuration } from '../../shared/duration';
import type { FleetContext } from '../lib/fleetContext';
import { step } from '../lib/steps';
import { verifyEach, viaPublic } from '../lib/verify';

/** Probes every record through each LB every so often until the soak ends; answers only from its `ids`. */
export async function soak(
  ctx: FleetContext,
  lbs: InstanceInfo[],
  ids: (lb: InstanceInfo) => string[],
  p: NsDeployPolicies,
): Promise<void> {
  const soakEnd = Date.now() + p.soakMs;
  const every = p.soakProbeEveryMs ?? Math.max(5_000, Math.floor(p.soakMs / 6));
  while (Date.now() < soakEnd) {
    await sleep(Math.min(every, soakEnd - Date.now()), { summary: `soak until ${new Date(soakEnd).toISOString()}` });
    const probes = await verifyEach(ctx, lbs.map(viaPublic), p.gate, 'soak probe');
    const bad = probes
      .map((probe, i) => ({ probe, lb: lbs[i] }))
      .filter(({ probe, lb }) => !probe.ok || probe.nsids.some((n) => !ids(lb).includes(n)));
    if (bad.length > 0) {
      const what = bad.map(
        (b) => `${b.lb.label} (${b.probe.differences.length} differences, NSIDs ${b.probe.nsids.join(',')})`,
      );
      throw ApplicationFailure.nonRetryable(`soak failed through ${what.join(', ')}`, 'SoakFailed');
    }
  }
}

/** Waits until no old server's query counter rises between two reads, at most `maxMs`; says who still got queries. */
export async function waitUntilQuiet(
  ctx: FleetContext,
  servers: InstanceInfo[],
  maxMs: number,
  event: (text: string) => void,
): Promise<void> {
  const counters = () =>
    Promise.all(servers.map((s) => step('quick', `query counter of ${s.label}`, 'nsQueryCounter', ctx.sshTo(s))));
  const deadline = Date.now() + maxMs;
  let last = await counters();
  for (;;) {
    await sleep(5_000, { summary: 'wait for the old servers to go quiet' });
    const now = await counters();
    const rising = servers.filter((_, i) => now[i].queries > last[i].queries);
    if (rising.length === 0) return;
    if (Date.now() >= deadline) {
      const who = rising.map((s) => s.label).join(', ');
      event(
        `still receiving queries after ${formatDuration(maxMs)}: ${who}; retiring anyway (clients go through the LBs)`,
      );
      return;
    }
    last = now;
  }
}
