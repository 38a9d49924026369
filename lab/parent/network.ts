// A lab DNS service (parent server, resolver) gets a network namespace on a lab bridge, like a
// lab host, through the hosts' own plumbing (lab/hosts/network.ts). Its label starts with "_":
// Linode labels start with a letter, so no emulated instance can ever claim the same netns,
// veth or MAC address.
import fs from 'node:fs';
import { labConfig, netnsName, vethAlias, vethName, type LabConfig } from '../hosts/paths';
import { listNetns, plugHost, unplugHost } from '../hosts/network';
import { run } from '../hosts/run';
import { labPaths } from '../labPaths';

/** The lab the service joins: its bridge, subnet and netns prefix (default: the demo lab). */
export type ServiceNetwork = LabConfig;

export function serviceNetwork(overrides: Partial<LabConfig> = {}): ServiceNetwork {
  return labConfig({ stateDir: labPaths.hostsState, ...overrides });
}

export interface ServiceSlot {
  /** "_parent1", "_resolver" */
  label: string;
  address: string;
  netns: string;
  veth: string;
}

export function serviceSlot(network: ServiceNetwork, name: string, address: string): ServiceSlot {
  const label = `_${name}`;
  return { label, address, netns: netnsName(network, label), veth: vethName(network, label) };
}

/** Netns + veth on the lab bridge + address; the bridge must exist (the lab or the test made it). */
export async function plugService(network: ServiceNetwork, slot: ServiceSlot): Promise<void> {
  const record = {
    label: slot.label,
    addresses: [slot.address],
    netns: slot.netns,
    veth: slot.veth,
    hostDir: '',
    hostKeyPublic: '',
    launcher: null,
    sshd: null,
    status: 'starting' as const,
  };
  const networkRecord = {
    bridge: network.bridge,
    bridgeCidr: network.bridgeCidr,
    netnsPrefix: network.netnsPrefix,
    createdRunNetnsMount: false,
  };
  await plugHost(networkRecord, network, record, []);
}

export async function unplugService(slot: Pick<ServiceSlot, 'netns' | 'veth'>): Promise<void> {
  await unplugHost(slot);
}

/**
 * What of the lab's DNS services is still on the machine: their namespaces, veths, and
 * processes started from `stateDirs` (named and unbound name their config file there).
 */
export async function serviceLeftovers(network: ServiceNetwork, stateDirs: string[]): Promise<string[]> {
  const found: string[] = [];
  const prefix = `${network.netnsPrefix}_`;
  for (const ns of await listNetns()) if (ns.startsWith(prefix)) found.push(`network namespace ${ns}`);
  const alias = vethAlias(network, '_');
  for (const line of (await run('ip', ['-o', 'link', 'show'])).stdout.split('\n')) {
    const name = /^\d+: ([^:@]+)[@:]/.exec(line)?.[1];
    if (name && line.includes(`alias ${alias}`)) found.push(`interface ${name}`);
  }
  for (const pid of fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number)) {
    if (pid === process.pid) continue;
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const dir = stateDirs.find((d) => cmdline.includes(`${d}/`));
    if (dir) found.push(`process ${pid} (${cmdline.split('\0')[0]}) runs from ${dir}`);
  }
  return found;
}
