// What every step needs to reach the fleet, built once from a workflow's input: the Linode
// target, SSH to a host, the zone, and this run's deploy tag. Paths and env var names only.
import { workflowInfo } from '@temporalio/workflow';
import type { InstanceInfo, LinodeTarget } from '../../activities/linode';
import type { SshTarget } from '../../activities/ssh';
import type { SshSettings, ZoneRef } from '../../shared';

export interface FleetContext {
  fleet: string;
  linode: LinodeTarget;
  /** Every zone the fleet serves, as the DNS activities take them. */
  zones: { origin: string; file: string }[];
  /** Tag on every instance this run creates: a retry or an undo finds exactly those. */
  deployTag: string;
  sshTo(host: Pick<InstanceInfo, 'publicIPv4' | 'label'>): SshTarget;
}

export interface FleetInput {
  fleet: string;
  zones: ZoneRef[];
  linode: { apiUrl?: string; tokenEnv: string };
  ssh: SshSettings;
}

export function fleetContext(input: FleetInput): FleetContext {
  const { user, privateKeyFile, knownHostsFile } = input.ssh;
  return {
    fleet: input.fleet,
    linode: { apiUrl: input.linode.apiUrl, tokenEnv: input.linode.tokenEnv, knownHostsFile, privateKeyFile },
    zones: input.zones.map((z) => ({ origin: z.domain, file: z.file })),
    deployTag: `nsdeploy-${workflowInfo().runId.slice(0, 8)}`,
    sshTo: (host) => ({ address: host.publicIPv4, name: host.label, user, privateKeyFile, knownHostsFile }),
  };
}
