// Cutover of one LB: its undo (switch back to what it had) is registered before the switch,
// the switch is never cut in half by an abort, and the LB must then answer every record from
// the new servers only (by NSID).
import { ApplicationFailure } from '@temporalio/workflow';
import type { InstanceInfo } from '../../activities/linode';
import type { Transports } from '../../shared';
import type { FleetContext } from '../lib/fleetContext';
import type { Saga } from '../lib/saga';
import { step, whole } from '../lib/steps';
import { verifyThrough, viaPublic } from '../lib/verify';
import type { DeployTracker } from './tracker';
import { serverIdOf } from './configure';

/** A new nameserver an LB is to forward to; over its public address when it is in another region. */
export interface NewUpstream {
  server: InstanceInfo;
  viaPublic: boolean;
}

const addressOf = (s: InstanceInfo, viaPublic: boolean) => (viaPublic ? s.publicIPv4 : (s.privateIPv4 ?? s.publicIPv4));

/**
 * Switches the LBs: the first `canaryLbs` one at a time, each proven before the next, then the
 * others together. A failure in that last wave waits for the wave's other switches to settle
 * (each has its undo registered), so the rollback never races a switch still in flight.
 */
export async function switchLbs(
  canaryLbs: number,
  lbs: InstanceInfo[],
  switchOne: (lb: InstanceInfo, index: number) => Promise<void>,
): Promise<void> {
  for (const [i, lb] of lbs.slice(0, canaryLbs).entries()) await switchOne(lb, i);
  const rest = await Promise.allSettled(lbs.slice(canaryLbs).map((lb, i) => switchOne(lb, canaryLbs + i)));
  const failed = rest.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Switches one LB to its new nameservers (its undo registered first) and proves it answers from them only. */
export async function switchLb(
  ctx: FleetContext,
  saga: Saga,
  t: DeployTracker,
  lb: InstanceInfo,
  to: NewUpstream[],
  probe: Transports,
): Promise<void> {
  const ssh = ctx.sshTo(lb);
  const previous = await step('quick', `read ${lb.label} upstreams`, 'readUpstreams', ssh);
  saga.add(`switch ${lb.label} back`, async () => {
    await step('quick', `switch ${lb.label} back to the old servers`, 'switchUpstreams', ssh, { upstreams: previous });
    t.status.switched = t.status.switched.filter((l) => l !== lb.label);
  });
  const upstreams = to.map(({ server, viaPublic }) => ({ address: addressOf(server, viaPublic), port: 53 }));
  const ids = to.map((u) => serverIdOf(u.server));
  await whole(() => step('quick', `switch ${lb.label} to ${ids.join(', ')}`, 'switchUpstreams', ssh, { upstreams }));

  const through = await verifyThrough(ctx, viaPublic(lb), probe);
  const strangers = through.nsids.filter((n) => !ids.includes(n));
  if (!through.ok || strangers.length > 0 || through.nsids.length === 0) {
    const why = [
      `${through.differences.length} difference(s)`,
      ...(strangers.length ? [`answered by ${strangers.join(', ')}`] : []),
      ...(through.nsids.length === 0 ? ['no NSID seen'] : []),
    ];
    throw ApplicationFailure.nonRetryable(
      `verification through ${lb.label} failed: ${why.join(', ')}`,
      'CutoverFailed',
    );
  }
  t.status.switched.push(lb.label);
  t.event(`${lb.label} now answers from ${through.nsids.join(', ')}`);
}
