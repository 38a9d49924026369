// Creating the -next instances of a blue-green change, shared by the NS deploy and the LB
// replacement: all in parallel, idempotent (label + deploy tag), each one's undo registered
// before its create (its answer may be lost although it exists), creates never cut in half by
// an abort, then running and answering SSH with the pinned key, within the policy's bounds.
import type { InstanceInfo, InstanceSpec, LinodeTarget } from '../../activities/linode';
import type { SshTarget } from '../../activities/ssh';
import type { Saga } from './saga';
import { step, waitingUpTo, whole } from './steps';
import { formatDuration } from '../../shared/duration';

export interface NewInstancesRequest {
  saga: Saga;
  linode: LinodeTarget;
  labels: string[];
  spec: (label: string) => InstanceSpec;
  bootTimeoutMs?: number;
  sshTimeoutMs?: number;
  sshTo: (i: InstanceInfo) => SshTarget;
  /** Called once every create has answered, before the waits (e.g. to show the new hosts). */
  onCreated?: (created: InstanceInfo[]) => void;
}

export async function createNewInstances(r: NewInstancesRequest): Promise<InstanceInfo[]> {
  const created = await Promise.allSettled(
    r.labels.map((label) => {
      r.saga.add(`delete ${label}`, async () => {
        await step('quick', `delete ${label}`, 'deleteIfOwned', r.linode, label, r.spec(label).deployTag);
      });
      return whole(() => step('quick', `create ${label}`, 'ensureInstance', r.linode, r.spec(label)));
    }),
  );
  const failed = created.find((c) => c.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const made = (created as PromiseFulfilledResult<InstanceInfo>[]).map((c) => c.value);
  r.onCreated?.(made);
  const bootMs = r.bootTimeoutMs ?? 15 * 60_000;
  const sshMs = r.sshTimeoutMs ?? 5 * 60_000;
  const running = await Promise.all(made.map((i) => step(waitingUpTo(bootMs), `wait until ${i.label} runs (up to ${formatDuration(bootMs)})`, 'waitForRunning', r.linode, i.id, bootMs)));
  await Promise.all(running.map((i) => step(waitingUpTo(sshMs), `SSH to ${i.label} with its pinned key (up to ${formatDuration(sshMs)})`, 'waitForSsh', r.sshTo(i), sshMs)));
  return running;
}
