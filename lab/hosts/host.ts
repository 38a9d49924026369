// Start and stop one lab host: its disk, its network namespace and veth, its PID 1 (sshd).
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { hostCidrs, parseLabCidr } from './addresses';
import { prepareDisk } from './disk';
import { launchHost, tail } from './launcher';
import { plugHost, unplugHost } from './network';
import type { LabConfig } from './paths';
import { assertLabel, hostDir, netnsName, vethName } from './paths';
import { commandOf, isAlive, pidsInPidNamespaceOf, processMemory, terminate, waitUntil } from './processes';
import type { HostRecord } from './registry';
import { regionIsolation } from './regions';
import { readRegistry, recordedLabConfig, updateRegistry, withLabLock } from './registry';
import type { HostKey } from './sshd';
import { checkHostKey } from './sshd';
import { waitForSsh } from './waitForSsh';

export interface StartHostOptions {
  label: string;
  /** IPv4 addresses in 198.18.0.0/15, e.g. a "public" and a "private" one. */
  addresses: string[];
  hostKey: HostKey;
  /** root's authorized_keys lines. */
  authorizedKeys: string[];
  /** The lab's state directory (where createLabNetwork() recorded the network). */
  stateDir?: string;
  readyTimeoutMs?: number;
  /**
   * The instance's region. With `privateRanges`, the lab network drops this host's packets to and
   * from the other regions' private ranges, as Linode's private network stops at the data centre.
   */
  region?: string;
  /** Every region's private range (region → CIDR), e.g. the emulator's DEFAULT_PRIVATE_CIDRS. */
  privateRanges?: Record<string, string>;
}

export interface LabHost {
  label: string;
  addresses: string[];
  netns: string;
  region: string | null;
  /** The host's sshd (its PID 1), as seen from this machine's PID namespace. */
  pid: number;
  stop(): Promise<void>;
}

export interface LabHostStatus {
  label: string;
  addresses: string[];
  netns: string;
  region: string | null;
  /** The other regions' private ranges this host does not reach. */
  unreachable: string[];
  pid: number | null;
  running: boolean;
  hostDir: string;
}

export interface LabOptions {
  stateDir?: string;
}

/** Launchers this process started, so their exit is observed (and reaped) here. */
const launchers = new Map<string, ChildProcess>();

function logFile(record: HostRecord): string {
  return path.join(record.hostDir, 'host.log');
}

function handle(config: LabConfig, record: HostRecord): LabHost {
  if (!record.sshd) throw new Error(`lab host ${record.label} has no sshd`);
  return {
    label: record.label,
    addresses: [...record.addresses],
    netns: record.netns,
    region: record.isolation?.region ?? null,
    pid: record.sshd.pid,
    stop: () => stopHost(record.label, { stateDir: config.stateDir }),
  };
}

const sameKey = (a: string, b: string) =>
  a.trim().split(' ').slice(0, 2).join(' ') === b.trim().split(' ').slice(0, 2).join(' ');

/**
 * Starts a lab host and resolves once its sshd answers on every address. Idempotent: a host
 * already running with the same addresses and host key is returned as is (the emulator calls
 * this again on reboot); one running with a different spec is restarted. The host's disk
 * (its /etc/bind, /etc/nginx, …) survives stop/start, like a real disk.
 */
export async function startHost(options: StartHostOptions): Promise<LabHost> {
  assertLabel(options.label);
  const config = recordedLabConfig({ stateDir: options.stateDir });
  return withLabLock(config, async () => {
    const registry = readRegistry(config);
    const network = registry.network;
    if (!network) throw new Error(`no lab network in ${config.stateDir}: call createLabNetwork() first`);
    hostCidrs(options.addresses, parseLabCidr(network.bridgeCidr));
    const isolation = options.region
      ? options.privateRanges
        ? regionIsolation(options.region, options.privateRanges)
        : { region: options.region, unreachable: [] }
      : null;
    const existing = registry.hosts[options.label];
    if (existing?.sshd && isAlive(existing.sshd)) {
      const same =
        existing.addresses.join() === options.addresses.join() &&
        sameKey(existing.hostKeyPublic, options.hostKey.publicKey) &&
        JSON.stringify(existing.isolation ?? null) === JSON.stringify(isolation);
      if (same) return handle(config, existing);
    }
    if (existing) await stopUnlocked(config, existing);
    for (const other of Object.values(registry.hosts)) {
      const shared = other.label === options.label ? [] : other.addresses.filter((a) => options.addresses.includes(a));
      if (shared.length > 0)
        throw new Error(`lab address ${shared.join(', ')} already belongs to lab host ${other.label}`);
    }

    const record: HostRecord = {
      label: options.label,
      addresses: [...options.addresses],
      netns: netnsName(config, options.label),
      veth: vethName(config, options.label),
      hostDir: hostDir(config, options.label),
      hostKeyPublic: options.hostKey.publicKey.trim(),
      isolation,
      launcher: null,
      sshd: null,
      status: 'starting',
    };
    // Recorded before anything is created, so teardownAll() finds a half-started host too.
    updateRegistry(config, (r) => {
      r.hosts[record.label] = record;
    });
    try {
      fs.mkdirSync(record.hostDir, { recursive: true });
      await checkHostKey(options.hostKey, record.hostDir);
      await prepareDisk(record.hostDir, {
        label: record.label,
        addresses: record.addresses,
        hostKey: options.hostKey,
        authorizedKeys: options.authorizedKeys,
      });
      const neighbours = Object.values(readRegistry(config).hosts)
        .filter((h) => h.label !== record.label && h.status !== 'stopped')
        .map((h) => h.netns);
      await plugHost(network, config, record, neighbours);
      const launched = await launchHost(record.netns, record.label, record.hostDir, logFile(record));
      const key = `${config.stateDir}\0${record.label}`;
      launchers.set(key, launched.child);
      launched.child.once('exit', () => {
        if (launchers.get(key) === launched.child) launchers.delete(key);
      });
      record.launcher = launched.launcher;
      record.sshd = launched.sshd;
      updateRegistry(config, (r) => {
        r.hosts[record.label] = record;
      });
      const sshd = launched.sshd;
      await waitForSsh(record.addresses, options.readyTimeoutMs ?? 15_000, () => isAlive(sshd));
      record.status = 'running';
      updateRegistry(config, (r) => {
        r.hosts[record.label] = record;
      });
      return handle(config, record);
    } catch (e) {
      const log = tail(logFile(record));
      await stopUnlocked(config, record).catch(() => undefined);
      throw new Error(
        `lab host ${record.label} did not start: ${(e as Error).message}${log ? `\n--- host log ---\n${log}` : ''}`,
      );
    }
  });
}

/** Unlocked: ends the host's processes and removes its netns and veth; keeps its disk. */
export async function stopUnlocked(config: LabConfig, record: HostRecord): Promise<void> {
  // Killing the host's PID 1 makes the kernel end every other process of the host.
  if (record.sshd) await terminate(record.sshd);
  const launcher = record.launcher;
  if (launcher && !(await waitUntil(() => !isAlive(launcher), 5000))) await terminate(launcher, 100);
  await unplugHost(record);
  record.sshd = null;
  record.launcher = null;
  record.status = 'stopped';
  updateRegistry(config, (r) => {
    if (r.hosts[record.label]) r.hosts[record.label] = record;
  });
}

/** Stops a host (like a shutdown: its disk stays for the next startHost). */
export async function stopHost(label: string, options: LabOptions = {}): Promise<void> {
  const config = recordedLabConfig({ stateDir: options.stateDir });
  await withLabLock(config, async () => {
    const record = readRegistry(config).hosts[label];
    if (record) await stopUnlocked(config, record);
  });
}

/** Stops a host and deletes its disk and record (the instance was deleted). */
export async function destroyHost(label: string, options: LabOptions = {}): Promise<void> {
  const config = recordedLabConfig({ stateDir: options.stateDir });
  await withLabLock(config, async () => destroyUnlocked(config, label));
}

export async function destroyUnlocked(config: LabConfig, label: string): Promise<void> {
  const record = readRegistry(config).hosts[label];
  if (!record) return;
  await stopUnlocked(config, record);
  fs.rmSync(record.hostDir, { recursive: true, force: true });
  updateRegistry(config, (r) => {
    delete r.hosts[label];
  });
}

export function listHosts(options: LabOptions = {}): LabHostStatus[] {
  const config = recordedLabConfig({ stateDir: options.stateDir });
  return Object.values(readRegistry(config).hosts).map((r) => {
    const running = r.sshd !== null && isAlive(r.sshd);
    return {
      label: r.label,
      addresses: [...r.addresses],
      netns: r.netns,
      region: r.isolation?.region ?? null,
      unreachable: r.isolation?.unreachable ?? [],
      pid: running && r.sshd ? r.sshd.pid : null,
      running,
      hostDir: r.hostDir,
    };
  });
}

export interface HostMemory {
  label: string;
  processes: Array<{ pid: number; command: string; rssBytes: number; pssBytes: number }>;
  totalRssBytes: number;
  totalPssBytes: number;
}

/** Resident memory of every process of a running host (for sizing the lab). */
export function hostMemory(label: string, options: LabOptions = {}): HostMemory {
  const record = readRegistry(recordedLabConfig({ stateDir: options.stateDir })).hosts[label];
  if (!record?.sshd || !isAlive(record.sshd)) throw new Error(`lab host ${label} is not running`);
  const processes = pidsInPidNamespaceOf(record.sshd.pid).map((pid) => ({
    pid,
    command: commandOf(pid),
    ...processMemory(pid),
  }));
  const total = (key: 'rssBytes' | 'pssBytes') => processes.reduce((sum, p) => sum + p[key], 0);
  return { label, processes, totalRssBytes: total('rssBytes'), totalPssBytes: total('pssBytes') };
}
