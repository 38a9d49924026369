// The LB replacement by IP swap, as a runbook: new LBs in the old LBs' region, configured to
// listen on the address they will receive as well as their own, every record verified through
// each; then one LB at a time its old LB's public address moves to it (verified, counters
// proven), a short quiet window, the next. Nothing changes in DNS: no zone edit, no glue, no
// drain. While one address moves, resolvers retry the other NS address. Then the old LBs go.
import { ApplicationFailure } from '@temporalio/workflow';
import type { InstanceInfo } from '../../activities/linode';
import { hostView, labelsOf, type LbReplacementInput, type SwapView } from '../../shared';
import { formatDuration } from '../../shared/duration';
import type { ApprovalGate } from '../lib/approvalGate';
import type { FleetContext } from '../lib/fleetContext';
import { syncFleetFirewalls } from '../lib/firewalls';
import { createNewInstances } from '../lib/newInstances';
import { retireAndRename } from '../lib/retire';
import type { Saga } from '../lib/saga';
import { configureLbs, verifyNewLbs } from './newLbs';
import type { LbPreflight } from './preflight';
import { nextLbs } from './shape';
import { swapAddresses } from './swap';
import type { LbTracker } from './tracker';

export const DEFAULT_SWAP_QUIET_MS = 10_000;

export interface IpSwapReplacement {
  ctx: FleetContext;
  saga: Saga;
  t: LbTracker;
  input: LbReplacementInput;
  pre: LbPreflight;
  approvals: ApprovalGate;
  /** Ends with both LB sets running (retirement not approved): the failure to throw. */
  notRetired: (reason: string, type: string) => Promise<ApplicationFailure>;
}

/** Runs the ipSwap replacement to its end; returns the new LBs under the live names. */
export async function replaceByIpSwap(r: IpSwapReplacement): Promise<InstanceInfo[]> {
  const { ctx, saga, t, input, pre } = r;
  const { policies } = input;
  let oldLbs = pre.oldLbs;

  // 1. New LBs in the old LBs' regions (idempotent, each undo registered before its create).
  const next = nextLbs(input);
  t.phase('create', next.map((l) => `${l.label} (${l.region})`).join(', '));
  const bounds = { bootTimeoutMs: policies.bootTimeoutMs, sshTimeoutMs: policies.sshTimeoutMs };
  const firewalls = await syncFleetFirewalls(ctx, input, 'before the new LBs', (e) => t.event(e));
  const firewallId = firewalls?.lb;
  let newLbs = await createNewInstances({ ctx, saga, linode: input.linode, hosts: next, firewallId, ...bounds });
  t.status.newLbs = newLbs.map(hostView);
  // The nameservers accept DNS from the new LBs (their private addresses) before these forward anything.
  await syncFleetFirewalls(ctx, input, 'the new LBs may query the nameservers', (e) => t.event(e));

  // 2. Each listens on its old LB's address too (ip_nonlocal_bind), its slots on its private address.
  const noPrivate = newLbs.filter((l) => !l.privateIPv4).map((l) => l.label);
  if (noPrivate.length > 0) {
    const why = `no private address on ${noPrivate.join(', ')} for the upstream slots (which must not move)`;
    throw ApplicationFailure.nonRetryable(why, 'ConfigError');
  }
  t.phase('configure', `Ansible proxy, listening on ${oldLbs.map((l) => l.publicIPv4).join(', ')} too`);
  await configureLbs(ctx, input, oldLbs, newLbs, true, (i) => ({
    proxy_listen_addresses: [oldLbs[i].publicIPv4, newLbs[i].publicIPv4],
    proxy_upstream_slot_address: newLbs[i].privateIPv4,
    proxy_nonlocal_bind: true,
  }));
  t.phase('verify', 'every record through each new LB at its own address');
  t.event(await verifyNewLbs(ctx, input, newLbs));

  // 3. One LB at a time: swap, verify at the moved address, quiet window, prove who answers there.
  const swaps: SwapView[] = oldLbs.map((l, i) => ({
    oldLb: l.label,
    newLb: newLbs[i].label,
    address: l.publicIPv4,
    otherAddress: newLbs[i].publicIPv4,
    state: 'pending',
  }));
  t.status.swaps = swaps;
  const quietMs = policies.swapQuietMs ?? DEFAULT_SWAP_QUIET_MS;
  for (let i = 0; i < swaps.length; i++) {
    const [old, moved] = await swapAddresses({ ctx, saga, t, input, quietMs }, swaps[i], oldLbs[i], newLbs[i]);
    oldLbs = oldLbs.map((l, n) => (n === i ? old : l));
    newLbs = newLbs.map((l, n) => (n === i ? moved : l));
    t.status.oldLbs = oldLbs.map(hostView);
    t.status.newLbs = newLbs.map(hostView);
  }

  // 4. Optional approval, then the old LBs (holding the new LBs' first addresses) go.
  if (policies.approval.beforeRetire) {
    const answer = await r.approvals.ask(policies.approval, `retire ${labelsOf(oldLbs)}?`);
    if (!answer.go) {
      const what = answer.decision === 'rejected' ? 'rejected' : 'not approved in time';
      throw await r.notRetired(
        `retirement ${what}: the new LBs serve the addresses, the old LBs keep running`,
        'NotRetired',
      );
    }
  }
  saga.commit();
  const names = input.loadBalancers.map((l) => l.label);
  newLbs = await retireAndRename(ctx, t, oldLbs, newLbs, names);
  t.status.oldLbs = [];
  t.status.newLbs = newLbs.map(hostView);
  await syncFleetFirewalls(ctx, input, 'the old LBs are gone', (e) => t.event(e));
  const served = newLbs.map((l) => `${l.label} ${l.publicIPv4}`).join(', ');
  t.phase(
    'done',
    `${served}: same addresses, glue unchanged (${swaps.length} swap(s), ${formatDuration(quietMs)} apart)`,
  );
  return newLbs;
}
