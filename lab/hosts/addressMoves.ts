// Moving addresses between lab hosts, as Linode does when IPs are assigned (POST
// /networking/ips/assign): an address leaves one host's eth0 before it is added to the other's,
// and every neighbour entry for it (on the bridge and in every host) is flushed, so the next
// packet to it is resolved afresh and reaches the new host at once. (On a real network the new
// host's gratuitous ARP does that; here every neighbour is on this machine, so the lab clears
// their caches itself.)
import { hostCidrs, parseLabCidr } from './addresses';
import { readRegistry, recordedLabConfig, updateRegistry, withLabLock } from './registry';
import { run } from './run';

export interface HostAddresses {
  label: string;
  /** Every address the host holds afterwards. */
  addresses: string[];
}

/**
 * Gives each named host exactly `addresses`. Hosts that are not running only have their record
 * changed (they start with the new addresses). Hosts the lab does not know are skipped. Refuses
 * an address that a host not named here still holds.
 */
export async function setHostAddresses(changes: HostAddresses[], options: { stateDir?: string } = {}): Promise<void> {
  const config = recordedLabConfig({ stateDir: options.stateDir });
  await withLabLock(config, async () => {
    const registry = readRegistry(config);
    if (!registry.network) throw new Error(`no lab network in ${config.stateDir}`);
    const subnet = parseLabCidr(registry.network.bridgeCidr);
    const known = changes.filter((c) => registry.hosts[c.label]);
    const named = new Set(known.map((c) => c.label));
    for (const c of known) {
      hostCidrs(c.addresses, subnet);
      for (const other of Object.values(registry.hosts)) {
        const clash = named.has(other.label) ? [] : other.addresses.filter((a) => c.addresses.includes(a));
        if (clash.length > 0) throw new Error(`lab address ${clash.join(', ')} belongs to lab host ${other.label}`);
      }
    }
    const isUp = (label: string) => registry.hosts[label].status !== 'stopped' && registry.hosts[label].sshd !== null;
    const cidr = (a: string) => `${a}/${subnet.prefix}`;
    const moved = new Set<string>();
    // Every address leaves its old host before any is added: a swap never holds one twice.
    for (const c of known) {
      const record = registry.hosts[c.label];
      for (const a of record.addresses.filter((x) => !c.addresses.includes(x))) {
        moved.add(a);
        if (isUp(c.label)) await run('ip', ['-n', record.netns, 'addr', 'del', cidr(a), 'dev', 'eth0']);
      }
    }
    for (const c of known) {
      const record = registry.hosts[c.label];
      for (const a of c.addresses.filter((x) => !record.addresses.includes(x))) {
        moved.add(a);
        if (isUp(c.label)) await run('ip', ['-n', record.netns, 'addr', 'add', cidr(a), 'dev', 'eth0']);
      }
    }
    updateRegistry(config, (r) => {
      for (const c of known) if (r.hosts[c.label]) r.hosts[c.label].addresses = [...c.addresses];
    });
    const running = Object.values(registry.hosts).filter((h) => isUp(h.label));
    for (const a of moved) {
      await run('ip', ['neigh', 'flush', 'to', a, 'dev', registry.network.bridge], { allowFailure: true });
      for (const h of running) await run('ip', ['-n', h.netns, 'neigh', 'flush', 'to', a], { allowFailure: true });
    }
  });
}
