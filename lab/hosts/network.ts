// The lab network: one bridge in the root namespace holding the lab's own address (so this
// machine reaches every host), and per host a network namespace joined to the bridge by a veth
// pair. Hosts get addresses but no default route, so nothing can leave 198.18.0.0/15.
import fs from 'node:fs';
import { hostCidrs, parseLabCidr } from './addresses';
import type { LabConfig } from './paths';
import { labConfig, macAddress, vethAlias } from './paths';
import type { HostRecord, NetworkRecord } from './registry';
import { readRegistry, recordedLabConfig, updateRegistry, withLabLock } from './registry';
import { isolateHost, unisolateHost } from './regions';
import { run } from './run';

export type LabNetworkOptions = Partial<LabConfig>;

async function linkExists(name: string): Promise<boolean> {
  return (await run('ip', ['link', 'show', 'dev', name], { allowFailure: true })).exitCode === 0;
}

export async function netnsExists(name: string): Promise<boolean> {
  return (await listNetns()).includes(name);
}

export async function listNetns(): Promise<string[]> {
  const out = (await run('ip', ['netns', 'list'])).stdout;
  return out
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter(Boolean);
}

function runNetnsIsMountPoint(): boolean {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === '/run/netns');
}

/** Creates (or finds) the lab bridge with its address. Safe to call again. */
export async function createLabNetwork(options: LabNetworkOptions = {}): Promise<NetworkRecord> {
  const existing = readRegistry(labConfig({ stateDir: options.stateDir })).network;
  const differs = (['bridge', 'bridgeCidr', 'netnsPrefix'] as const).filter(
    (k) => existing && options[k] !== undefined && options[k] !== existing[k],
  );
  if (existing && differs.length > 0) {
    throw new Error(
      `lab in ${options.stateDir ?? 'the default state dir'} already uses bridge ${existing.bridge} (${existing.bridgeCidr}, ${existing.netnsPrefix}*): tear it down first`,
    );
  }
  const config = recordedLabConfig(options);
  const { address } = parseLabCidr(config.bridgeCidr);
  return withLabLock(config, async () => {
    const network: NetworkRecord = readRegistry(config).network ?? {
      bridge: config.bridge,
      bridgeCidr: config.bridgeCidr,
      netnsPrefix: config.netnsPrefix,
      createdRunNetnsMount: !runNetnsIsMountPoint(),
    };
    updateRegistry(config, (r) => {
      r.network = network;
    });
    if (!(await linkExists(config.bridge))) {
      // Another lab's bridge with our address would make the lab unreachable: refuse.
      const holder = (await run('ip', ['-4', '-o', 'addr', 'show', 'to', `${address}/32`])).stdout.trim();
      if (holder) throw new Error(`address ${address} is already on another interface: ${holder}`);
      await run('ip', ['link', 'add', config.bridge, 'address', macAddress(config, config.bridge), 'type', 'bridge']);
    }
    const addrs = (await run('ip', ['-4', '-o', 'addr', 'show', 'dev', config.bridge])).stdout;
    if (!addrs.includes(` ${config.bridgeCidr} `))
      await run('ip', ['addr', 'add', config.bridgeCidr, 'dev', config.bridge]);
    await run('ip', ['link', 'set', config.bridge, 'up']);
    return network;
  });
}

/** Removes the bridge (and with it its address). Hosts must be gone: see teardownAll(). */
export async function destroyLabNetwork(options: LabNetworkOptions = {}): Promise<void> {
  const config = recordedLabConfig(options);
  await withLabLock(config, async () => {
    const registry = readRegistry(config);
    const running = Object.keys(registry.hosts);
    if (running.length > 0)
      throw new Error(`lab network still has hosts (${running.join(', ')}): stop them or use teardownAll()`);
    await removeNetwork(config, registry.network);
  });
}

/** Unlocked: removes the bridge and, if the lab made it, the /run/netns mount point. */
export async function removeNetwork(config: LabConfig, network: NetworkRecord | null): Promise<void> {
  const bridge = network?.bridge ?? config.bridge;
  if (await linkExists(bridge)) await run('ip', ['link', 'del', 'dev', bridge]);
  // `ip netns add` makes /run/netns a shared mount point the first time; undo that only if
  // the lab made it and no namespace (ours or anyone's) is left in it.
  if (network?.createdRunNetnsMount && runNetnsIsMountPoint() && (await listNetns()).length === 0) {
    await run('umount', ['/run/netns'], { allowFailure: true });
  }
  updateRegistry(config, (r) => {
    r.network = null;
  });
}

/**
 * Unlocked: netns + veth pair + addresses for one host. `neighbours` are the other hosts'
 * namespaces: their ARP entries for this host's addresses are dropped, in case an address
 * moved to this host from another one.
 */
export async function plugHost(
  network: NetworkRecord,
  config: LabConfig,
  host: HostRecord,
  neighbours: string[],
): Promise<void> {
  const cidrs = hostCidrs(host.addresses, parseLabCidr(network.bridgeCidr));
  if (!(await linkExists(network.bridge)))
    throw new Error(`lab bridge ${network.bridge} is missing: call createLabNetwork() first`);
  await unplugHost(host); // leftovers of an earlier run of the same host
  await run('ip', ['netns', 'add', host.netns]);
  await run('ip', [
    'link',
    'add',
    host.veth,
    'type',
    'veth',
    'peer',
    'name',
    'eth0',
    'address',
    macAddress(config, host.label),
    'netns',
    host.netns,
  ]);
  await run('ip', ['link', 'set', host.veth, 'alias', vethAlias(config, host.label)]);
  // Region isolation is in place before the host's end comes up: no packet ever slips through.
  await isolateHost(config, host);
  await run('ip', ['link', 'set', host.veth, 'master', network.bridge, 'up']);
  for (const cidr of cidrs) await run('ip', ['-n', host.netns, 'addr', 'add', cidr, 'dev', 'eth0']);
  await run('ip', ['-n', host.netns, 'link', 'set', 'eth0', 'up']);
  await run('ip', ['-n', host.netns, 'link', 'set', 'lo', 'up']);
  for (const address of host.addresses) {
    await run('ip', ['neigh', 'flush', 'to', address, 'dev', network.bridge], { allowFailure: true });
    for (const ns of neighbours) await run('ip', ['-n', ns, 'neigh', 'flush', 'to', address], { allowFailure: true });
  }
}

/** Unlocked: removes the host's netns and veth (deleting either end deletes the pair) and its isolation. */
export async function unplugHost(host: Pick<HostRecord, 'netns' | 'veth'>): Promise<void> {
  await unisolateHost(host);
  if (await netnsExists(host.netns)) await run('ip', ['netns', 'del', host.netns]);
  // Deleting the netns destroys the pair asynchronously: the veth may vanish under our feet.
  if (await linkExists(host.veth)) {
    const result = await run('ip', ['link', 'del', 'dev', host.veth], { allowFailure: true });
    if (result.exitCode !== 0 && (await linkExists(host.veth)))
      throw new Error(`cannot delete ${host.veth}: ${result.stderr.trim()}`);
  }
}
