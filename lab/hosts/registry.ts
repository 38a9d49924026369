// The lab's record of what it created (lab-hosts.json in the state directory), so that
// listHosts(), stopHost() and teardownAll() work from any process, including after the process
// that started the hosts is gone. Every change is a read-modify-write under an in-process lock
// and an atomic rename, so concurrent startHost() calls cannot lose each other's records.
import fs from 'node:fs';
import path from 'node:path';
import type { LabConfig } from './paths';
import { labConfig, registryFile } from './paths';
import type { ProcessId } from './processes';
import type { RegionIsolation } from './regions';

export interface NetworkRecord {
  bridge: string;
  bridgeCidr: string;
  netnsPrefix: string;
  /** /run/netns was not a mount point before the lab: teardown may unmount it when empty. */
  createdRunNetnsMount: boolean;
}

export interface HostRecord {
  label: string;
  addresses: string[];
  netns: string;
  veth: string;
  hostDir: string;
  hostKeyPublic: string;
  /** Its region and the other regions' private ranges the network drops (absent: reaches everything). */
  isolation?: RegionIsolation | null;
  /** `ip netns exec … unshare …`: the process this lab spawned; its child is the host's sshd. */
  launcher: ProcessId | null;
  /** The host's sshd, PID 1 of the host's PID namespace (PID as seen from the root namespace). */
  sshd: ProcessId | null;
  status: 'starting' | 'running' | 'stopped';
}

export interface Registry {
  network: NetworkRecord | null;
  hosts: Record<string, HostRecord>;
}

export function readRegistry(config: LabConfig): Registry {
  try {
    return JSON.parse(fs.readFileSync(registryFile(config), 'utf8')) as Registry;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { network: null, hosts: {} };
    throw e;
  }
}

function writeRegistry(config: LabConfig, registry: Registry): void {
  const file = registryFile(config);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(registry, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

const locks = new Map<string, Promise<unknown>>();

/** Serializes lab operations per state directory within this process. */
export async function withLabLock<T>(config: LabConfig, fn: () => Promise<T>): Promise<T> {
  const key = config.stateDir;
  const previous = locks.get(key) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(fn);
  locks.set(key, next);
  try {
    return await next;
  } finally {
    if (locks.get(key) === next) locks.delete(key);
  }
}

/** Applies `change` to the registry on disk (call inside withLabLock). */
export function updateRegistry(config: LabConfig, change: (registry: Registry) => void): Registry {
  const registry = readRegistry(config);
  change(registry);
  writeRegistry(config, registry);
  return registry;
}

/** The lab config for a state directory: names and subnet as createLabNetwork() recorded them. */
export function recordedLabConfig(options: Partial<LabConfig>): LabConfig {
  const base = labConfig(options);
  const network = readRegistry(base).network;
  return network
    ? labConfig({
        ...options,
        bridge: network.bridge,
        bridgeCidr: network.bridgeCidr,
        netnsPrefix: network.netnsPrefix,
      })
    : base;
}
