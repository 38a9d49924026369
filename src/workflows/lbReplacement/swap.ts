// One LB's address swap (ipSwap): the old LB's public address moves to its replacement and the
// replacement's to the old LB, in one Linode IP assignment; then every record is verified at the
// moved address and the query counters prove who answers there: the new LB's rose, the old
// one's stayed still. Its undo (registered first, stops the undo if it fails: a new LB deleted
// while it holds the address would lose it) swaps back and verifies the old LB there again.
import { ApplicationFailure, sleep } from '@temporalio/workflow';
import type { InstanceInfo } from '../../activities/linode';
import type { LbReplacementInput, SwapView } from '../../shared';
import { formatDuration, iso } from '../../shared/duration';
import type { FleetContext } from '../lib/fleetContext';
import type { Saga } from '../lib/saga';
import { step } from '../lib/steps';
import { requireClean, verifyThrough, viaPublic } from '../lib/verify';
import type { LbTracker } from './tracker';

/**
 * How long the old LB's nginx may still end (and log) sessions it began before the swap: the
 * proxy role's TCP proxy_timeout (10 s) plus the log flush. Its counter is read from then on.
 */
export const SESSION_TAIL_MS = 12_000;

export interface SwapRun {
  ctx: FleetContext;
  saga: Saga;
  t: LbTracker;
  input: LbReplacementInput;
  /** The quiet window after the swap, before the counters are read and the next LB moves. */
  quietMs: number;
}

/** Gives `to[0]` address `addresses[0]` and `to[1]` `addresses[1]`; returns both as they are then. */
function assign(r: SwapRun, region: string, to: InstanceInfo[], addresses: string[], summary: string) {
  const assignments = to.map((i, n) => ({ linodeId: i.id, address: addresses[n] }));
  return step('quick', summary, 'assignPublicAddresses', r.ctx.linode, { region, assignments });
}

/** Swaps the addresses of `oldLb` and `newLb`; returns [old, new] as they are after the swap. */
export async function swapAddresses(
  r: SwapRun,
  view: SwapView,
  oldLb: InstanceInfo,
  newLb: InstanceInfo,
): Promise<[InstanceInfo, InstanceInfo]> {
  const { ctx, saga, t, input } = r;
  const region = oldLb.region ?? newLb.region!;
  const { address, otherAddress } = view;
  saga.add(
    `swap ${address} back to ${oldLb.label}`,
    async () => {
      const back = `swap back: ${address} → ${oldLb.label}, ${otherAddress} → ${newLb.label}`;
      const [old] = await assign(r, region, [oldLb, newLb], [address, otherAddress], back);
      const again = await verifyThrough(ctx, viaPublic(old), input.policies.gate, 'verify after the swap back');
      requireClean([viaPublic(old)], [again], `verification of ${old.label} at ${address}`, 'VerifyFailed');
      Object.assign(view, { state: 'swapped-back', at: iso(Date.now()) });
      t.event(`swapped back: ${old.label} answers every record at ${address} again`);
    },
    { stopOnFailure: true },
  );

  t.phase('swap', `${address} → ${newLb.label}, ${otherAddress} → ${oldLb.label}`);
  const summary = `swap: ${address} → ${newLb.label}, ${otherAddress} → ${oldLb.label}`;
  const [moved, old] = await assign(r, region, [newLb, oldLb], [address, otherAddress], summary);
  const since = Date.now();
  Object.assign(view, { state: 'swapped', at: iso(since) });
  t.event(`swapped: ${newLb.label} holds ${moved.publicIPv4}, ${oldLb.label} holds ${old.publicIPv4}`);

  const at = viaPublic(moved);
  const result = await verifyThrough(ctx, at, input.policies.gate, `verify at ${address}`);
  requireClean([at], [result], `verification at the moved address ${address}`, 'VerifyFailed');
  // The quiet window; the old LB's sessions from before the swap end (and are logged) within it.
  const tailEnd = since + SESSION_TAIL_MS;
  const quiet = Math.max(r.quietMs, tailEnd - Date.now());
  await sleep(quiet, { summary: `quiet window after ${moved.label} took ${address} (${formatDuration(quiet)})` });
  const count = (h: InstanceInfo, from: number, what: string) =>
    step('quick', `queries at ${h.label} ${what}`, 'lbQueryCount', ctx.sshTo(h), { sinceEpochMs: from });
  // Each at the public address it holds now (assignPublicAddresses pinned it to that host's key).
  const [atNew, atOld] = await Promise.all([
    count(moved, since, 'since the swap'),
    count(old, tailEnd, `since ${iso(tailEnd)}`),
  ]);
  const proof =
    `${result.recordsChecked} records at ${address}; since the swap ${moved.label} answered ` +
    `${atNew.queries} queries; ${old.label} ${atOld.queries} once its sessions ended`;
  const { maxQueries } = input.policies.proof;
  if (atNew.queries === 0 || atOld.queries > maxQueries) {
    const why = atNew.queries === 0 ? `${moved.label} logged none of them` : `${old.label} still answers`;
    throw ApplicationFailure.nonRetryable(
      `${address} is not served by ${moved.label}: ${proof} (${why})`,
      'SwapUnproven',
    );
  }
  Object.assign(view, { state: 'verified', proof, at: iso(Date.now()) });
  t.event(`${address} served by ${moved.label}: ${proof}`);
  return [old, moved];
}
