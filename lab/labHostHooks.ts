// Emulator lifecycle hooks that make every emulated instance a real lab host: when it boots,
// a host appears with the instance's addresses, in the instance's region (the lab network keeps
// it off the other regions' private ranges), with the SSH host key and authorized keys from its
// cloud-init user data; when it stops or is deleted, the host goes. Its Cloud Firewall becomes
// nftables rules in the host, and addresses assigned to it move to it from their old host.
// Loaded by the emulator with `--hooks lab/labHostHooks.ts`.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { applyCloudFirewall, createLabNetwork, destroyHost, setHostAddresses, startHost, stopHost } from './hosts';
import type { InstanceLifecycleHooks, LabInstance } from './linode-emulator/hooks';
import { DEFAULT_PRIVATE_CIDRS } from './linode-emulator/ipam';
import { labPaths } from './labPaths';

interface CloudConfig {
  ssh_keys?: { ed25519_private?: string; ed25519_public?: string };
  users?: { name?: string; ssh_authorized_keys?: string[] }[];
  ssh_authorized_keys?: string[];
}

/** The host's name inside the lab: stable across renames (ns1-next → ns1). */
export const hostLabelOf = (instance: Pick<LabInstance, 'id'>) => `linode-${instance.id}`;

/** Every IPv4 address of an instance, as its host holds them: public ones first, then the private one. */
export const addressesOf = (instance: LabInstance): string[] => [
  instance.ipv4.public,
  ...instance.ipv4.additional,
  ...(instance.ipv4.private ? [instance.ipv4.private] : []),
];

export function hostSpecFromUserData(instance: LabInstance, userData: string | null) {
  if (!userData)
    throw new Error(`instance ${instance.label} has no user data: the lab needs a cloud-config with ssh_keys`);
  const cfg = parse(userData) as CloudConfig;
  const priv = cfg.ssh_keys?.ed25519_private;
  const pub = cfg.ssh_keys?.ed25519_public;
  if (!priv || !pub)
    throw new Error(`instance ${instance.label}: cloud-config has no ssh_keys.ed25519_private/ed25519_public`);
  const authorizedKeys = [
    ...(cfg.ssh_authorized_keys ?? []),
    ...(cfg.users ?? []).filter((u) => u.name === 'root').flatMap((u) => u.ssh_authorized_keys ?? []),
  ];
  return {
    label: hostLabelOf(instance),
    region: instance.region,
    addresses: addressesOf(instance),
    hostKey: { privateKeyOpenSSH: priv, publicKey: pub },
    authorizedKeys,
  };
}

/**
 * Lab faults for hosts, read at each boot from `<stateDir>/faults.json`:
 * `{ "noHost": ["ns1-next"] }` — instances with these labels run in the API but get no host,
 * so nothing answers at their addresses (an image whose network never came up).
 */
export interface HostFaults {
  noHost?: string[];
}
export const hostFaultsFile = (stateDir = labPaths.hostsState) => path.join(stateDir, 'faults.json');
export function writeHostFaults(faults: HostFaults, stateDir = labPaths.hostsState): void {
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(hostFaultsFile(stateDir), JSON.stringify(faults));
}
function readHostFaults(stateDir: string): HostFaults {
  try {
    return JSON.parse(fs.readFileSync(hostFaultsFile(stateDir), 'utf8')) as HostFaults;
  } catch {
    return {};
  }
}

/**
 * @param privateRanges every region's private range, as the emulator hands them out (its
 *   defaults unless started with --private-cidr): a host reaches its own region's only.
 */
export function labHostHooks(
  stateDir = labPaths.hostsState,
  privateRanges: Record<string, string> = { ...DEFAULT_PRIVATE_CIDRS },
): InstanceLifecycleHooks {
  let network: Promise<unknown> | undefined;
  return {
    async onRunning(instance, userData) {
      if (readHostFaults(stateDir).noHost?.includes(instance.label)) return;
      network ??= createLabNetwork({ stateDir });
      await network;
      await startHost({ ...hostSpecFromUserData(instance, userData), privateRanges, stateDir });
      await applyCloudFirewall(hostLabelOf(instance), instance.firewall, { stateDir });
    },
    async onStopped(instance) {
      await stopHost(hostLabelOf(instance), { stateDir });
    },
    async onDeleted(instance) {
      await destroyHost(hostLabelOf(instance), { stateDir });
    },
    async onNetworkChanged(instances) {
      await setHostAddresses(
        instances.map((i) => ({ label: hostLabelOf(i), addresses: addressesOf(i) })),
        { stateDir },
      );
      for (const i of instances) await applyCloudFirewall(hostLabelOf(i), i.firewall, { stateDir });
    },
  };
}

export const hooks = labHostHooks();
