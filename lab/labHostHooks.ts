// Emulator lifecycle hooks that make every emulated instance a real lab host: when it boots,
// a host appears with the instance's addresses and the SSH host key and authorized keys from
// its cloud-init user data; when it stops or is deleted, the host goes. Loaded by the emulator
// with `--hooks lab/labHostHooks.ts`.
import { parse } from 'yaml';
import { createLabNetwork, destroyHost, startHost, stopHost } from './hosts';
import type { InstanceLifecycleHooks, LabInstance } from './linode-emulator/hooks';
import { labPaths } from './labPaths';

interface CloudConfig {
  ssh_keys?: { ed25519_private?: string; ed25519_public?: string };
  users?: { name?: string; ssh_authorized_keys?: string[] }[];
  ssh_authorized_keys?: string[];
}

/** The host's name inside the lab: stable across renames (ns1-next → ns1). */
export const hostLabelOf = (instance: Pick<LabInstance, 'id'>) => `linode-${instance.id}`;

export function hostSpecFromUserData(instance: LabInstance, userData: string | null) {
  if (!userData) throw new Error(`instance ${instance.label} has no user data: the lab needs a cloud-config with ssh_keys`);
  const cfg = parse(userData) as CloudConfig;
  const priv = cfg.ssh_keys?.ed25519_private;
  const pub = cfg.ssh_keys?.ed25519_public;
  if (!priv || !pub) throw new Error(`instance ${instance.label}: cloud-config has no ssh_keys.ed25519_private/ed25519_public`);
  const authorizedKeys = [...(cfg.ssh_authorized_keys ?? []), ...(cfg.users ?? []).filter((u) => u.name === 'root').flatMap((u) => u.ssh_authorized_keys ?? [])];
  return {
    label: hostLabelOf(instance),
    addresses: [instance.ipv4.public, ...(instance.ipv4.private ? [instance.ipv4.private] : [])],
    hostKey: { privateKeyOpenSSH: priv, publicKey: pub },
    authorizedKeys,
  };
}

export function labHostHooks(stateDir = labPaths.hostsState): InstanceLifecycleHooks {
  let network: Promise<unknown> | undefined;
  return {
    async onRunning(instance, userData) {
      network ??= createLabNetwork({ stateDir });
      await network;
      await startHost({ ...hostSpecFromUserData(instance, userData), stateDir });
    },
    async onStopped(instance) {
      await stopHost(hostLabelOf(instance), { stateDir });
    },
    async onDeleted(instance) {
      await destroyHost(hostLabelOf(instance), { stateDir });
    },
  };
}

export const hooks = labHostHooks();
