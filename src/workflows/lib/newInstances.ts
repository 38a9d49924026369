// Creating the -next instances of a blue-green change, shared by the NS deploy and the LB
// replacement: all in parallel, idempotent (label + deploy tag), each one's undo registered
// before its create (its answer may be lost although it exists), creates never cut in half by
// an abort, then running and answering SSH with the pinned key, within the policy's bounds.
import type { InstanceInfo, InstanceSpec } from '../../activities/linode';
import { fleetTag, type HostRef, type LinodeSettings } from '../../shared';
import { formatDuration } from '../../shared/duration';
import type { FleetContext } from './fleetContext';
import type { Saga } from './saga';
import { step, waitingUpTo, whole } from './steps';

export interface NewInstancesRequest {
  ctx: FleetContext;
  saga: Saga;
  linode: LinodeSettings;
  /** The instances to create, each in its region. */
  hosts: HostRef[];
  bootTimeoutMs?: number;
  sshTimeoutMs?: number;
  /** The Cloud Firewall every one of them gets at create (their role's), if the fleet has them. */
  firewallId?: number;
  /** Called once every create has answered, before the waits (e.g. to show the new hosts). */
  onCreated?: (created: InstanceInfo[]) => void;
}

export async function createNewInstances(r: NewInstancesRequest): Promise<InstanceInfo[]> {
  const { ctx, linode } = r;
  const spec = ({ label, region }: HostRef): InstanceSpec => ({
    label,
    region,
    type: linode.type,
    image: linode.image,
    tags: [...linode.tags, fleetTag(ctx.fleet)],
    deployTag: ctx.deployTag,
    ...(r.firewallId !== undefined ? { firewallId: r.firewallId } : {}),
  });
  const created = await Promise.allSettled(
    r.hosts.map((host) => {
      const { label } = host;
      r.saga.add(`delete ${label}`, async () => {
        await step('quick', `delete ${label}`, 'deleteIfOwned', ctx.linode, label, ctx.deployTag);
      });
      return whole(() => step('quick', `create ${label} in ${host.region}`, 'ensureInstance', ctx.linode, spec(host)));
    }),
  );
  const failed = created.find((c) => c.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const made = (created as PromiseFulfilledResult<InstanceInfo>[]).map((c) => c.value);
  r.onCreated?.(made);
  const bootMs = r.bootTimeoutMs ?? 15 * 60_000;
  const sshMs = r.sshTimeoutMs ?? 5 * 60_000;
  const running = await Promise.all(
    made.map((i) => {
      const summary = `wait until ${i.label} runs (up to ${formatDuration(bootMs)})`;
      return step(waitingUpTo(bootMs), summary, 'waitForRunning', ctx.linode, i.id, bootMs);
    }),
  );
  await Promise.all(
    running.map((i) => {
      const summary = `SSH to ${i.label} with its pinned key (up to ${formatDuration(sshMs)})`;
      return step(waitingUpTo(sshMs), summary, 'waitForSsh', ctx.sshTo(i), sshMs);
    }),
  );
  return running;
}
