// Where a lab keeps its state and how its kernel objects are named. Everything a lab creates is
// derived from its LabConfig, so two labs (e.g. the demo and a test run) never touch each
// other's hosts, namespaces, interfaces or files.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface LabConfig {
  /** Host disks, logs and the registry (lab-hosts.json) live here. */
  stateDir: string;
  /** The lab bridge in the root network namespace; every host's veth is plugged into it. */
  bridge: string;
  /** The bridge's own address: the machine's way into the lab (198.18.0.0/15 only). */
  bridgeCidr: string;
  /** Network namespaces are named <netnsPrefix><label>. */
  netnsPrefix: string;
}

export const DEFAULT_LAB_CONFIG: LabConfig = {
  stateDir: path.resolve(__dirname, '../../.lab/hosts'),
  bridge: 'nsdlab0',
  bridgeCidr: '198.18.0.1/15',
  netnsPrefix: 'nsdlab-',
};

export function labConfig(overrides: Partial<LabConfig> = {}): LabConfig {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const config = {
    ...DEFAULT_LAB_CONFIG,
    ...defined,
    stateDir: path.resolve(overrides.stateDir ?? DEFAULT_LAB_CONFIG.stateDir),
  };
  if (!/^[a-z][a-z0-9]{1,14}$/.test(config.bridge))
    throw new Error(`lab bridge name "${config.bridge}" must be 2-15 lowercase letters/digits`);
  if (!/^[a-z][a-z0-9-]{1,30}$/.test(config.netnsPrefix))
    throw new Error(`lab netns prefix "${config.netnsPrefix}" must be lowercase letters, digits, "-"`);
  return config;
}

/** Linode's label alphabet; also safe as a file name, netns name and hostname. */
export function assertLabel(label: string): void {
  if (!/^[A-Za-z][A-Za-z0-9._-]{0,63}$/.test(label) || /--|__|\.\./.test(label)) {
    throw new Error(`invalid lab host label "${label}": letters, digits, ".", "-", "_", starting with a letter`);
  }
}

export function registryFile(config: LabConfig): string {
  return path.join(config.stateDir, 'lab-hosts.json');
}

/** Root of all host directories: anything mounted from below here belongs to this lab. */
export function hostsRoot(config: LabConfig): string {
  return path.join(config.stateDir, 'hosts');
}

export function hostDir(config: LabConfig, label: string): string {
  return path.join(hostsRoot(config), label);
}

export function netnsName(config: LabConfig, label: string): string {
  return `${config.netnsPrefix}${label}`;
}

/** Interface names are limited to 15 characters; labels are not, so hash them. */
export function vethName(config: LabConfig, label: string): string {
  return `nsdv${createHash('sha1').update(`${config.stateDir}\0${config.bridge}\0${label}`).digest('hex').slice(0, 10)}`;
}

/**
 * A fixed, locally administered MAC per name: a host restarted with a new veth keeps its MAC,
 * so neighbours' ARP caches stay right (a bridge would otherwise also change its MAC with its
 * ports).
 */
export function macAddress(config: LabConfig, name: string): string {
  const bytes = createHash('sha1').update(`mac\0${config.stateDir}\0${config.bridge}\0${name}`).digest().subarray(0, 5);
  return ['02', ...[...bytes].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/** Set as the interface alias of every veth, so leftovers() finds them without the registry. */
export function vethAlias(config: LabConfig, label: string): string {
  return `nsdeploy-lab:${config.bridge}:${label}`;
}

/** The shell helper that becomes a host's PID 1 (next to this file; from dist/, in the sources). */
export const HOST_INIT_SCRIPT =
  [path.join(__dirname, 'host-init.sh'), path.resolve(__dirname, '../../../lab/hosts/host-init.sh')].find((f) =>
    fs.existsSync(f),
  ) ?? path.join(__dirname, 'host-init.sh');
