// The end of a blue-green change, once it is committed: the old instances are deleted, then the
// new ones take the live names (ns1-next → ns1), so the config stays true.
import type { InstanceInfo } from '../../activities/linode';
import type { FleetContext } from './fleetContext';
import { step } from './steps';

interface Retiring {
  phase(phase: 'retire' | 'rename', note?: string): void;
}

/** Deletes `old`, then renames `fresh[i]` to `names[i]`; returns the renamed instances. */
export async function retireAndRename(
  ctx: FleetContext,
  t: Retiring,
  old: InstanceInfo[],
  fresh: InstanceInfo[],
  names: string[],
): Promise<InstanceInfo[]> {
  t.phase('retire', old.map((i) => i.label).join(', '));
  await Promise.all(old.map((i) => step('quick', `delete ${i.label}`, 'deleteInstance', ctx.linode, i.id)));
  t.phase('rename');
  return Promise.all(
    fresh.map((i, n) =>
      step('quick', `rename ${i.label} to ${names[n]}`, 'renameInstance', ctx.linode, i.id, names[n]),
    ),
  );
}
