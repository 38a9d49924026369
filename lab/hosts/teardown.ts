// Removing everything a lab created, and proving it: teardownAll() works from the registry;
// leftovers() looks at the system itself (namespaces, links, processes, mounts, addresses).
import fs from 'node:fs';
import { parseLabCidr } from './addresses';
import { destroyUnlocked } from './host';
import { listNetns, removeNetwork } from './network';
import type { LabConfig } from './paths';
import { hostsRoot, vethAlias } from './paths';
import { isAlive, pidsWithCommandLineContaining, pidsWithMountsFrom } from './processes';
import { isolationLeftovers } from './regions';
import { readRegistry, recordedLabConfig, withLabLock } from './registry';
import { run } from './run';

export type TeardownOptions = Partial<LabConfig>;

/** Stops and deletes every host of the lab, then its bridge. Touches nothing it did not record. */
export async function teardownAll(options: TeardownOptions = {}): Promise<void> {
  const config = recordedLabConfig(options);
  await withLabLock(config, async () => {
    const registry = readRegistry(config);
    const errors: string[] = [];
    for (const label of Object.keys(registry.hosts)) {
      await destroyUnlocked(config, label).catch((e: Error) => errors.push(`${label}: ${e.message}`));
    }
    await removeNetwork(config, registry.network).catch((e: Error) => errors.push(`network: ${e.message}`));
    try {
      fs.rmdirSync(hostsRoot(config));
    } catch {
      // absent, or holds files this lab did not record: leave them
    }
    if (errors.length > 0) throw new Error(`lab teardown incomplete:\n${errors.join('\n')}`);
  });
}

/** Everything of this lab still present on the machine, one line each; [] when clean. */
export async function leftovers(options: TeardownOptions = {}): Promise<string[]> {
  const config = recordedLabConfig(options);
  const found: string[] = [];
  const registry = readRegistry(config);

  for (const record of Object.values(registry.hosts)) found.push(`registry: host ${record.label} (${record.status})`);
  for (const record of Object.values(registry.hosts)) {
    for (const id of [record.sshd, record.launcher])
      if (id && isAlive(id)) found.push(`process ${id.pid} (recorded for ${record.label})`);
  }

  for (const ns of await listNetns()) if (ns.startsWith(config.netnsPrefix)) found.push(`network namespace ${ns}`);

  const links = (await run('ip', ['-o', 'link', 'show'])).stdout.split('\n');
  const aliasPrefix = vethAlias(config, '');
  for (const line of links) {
    const name = /^\d+: ([^:@]+)[@:]/.exec(line)?.[1];
    if (!name) continue;
    if (name === config.bridge) found.push(`bridge ${name}`);
    else if (line.includes(`master ${config.bridge} `) || line.includes(`alias ${aliasPrefix}`))
      found.push(`interface ${name}`);
  }

  found.push(...(await isolationLeftovers(config)));

  const { address } = parseLabCidr(config.bridgeCidr);
  const holders = (await run('ip', ['-4', '-o', 'addr', 'show', 'to', `${address}/32`])).stdout.trim();
  if (holders) found.push(`address ${address}: ${holders}`);

  const root = hostsRoot(config);
  // The sshd and everything under it hold bind mounts from the host directories; the launcher
  // names them on its command line.
  const ownPids = new Set([...pidsWithMountsFrom(root), ...pidsWithCommandLineContaining(`${root}/`)]);
  for (const pid of ownPids) found.push(`process ${pid} uses this lab's host directories`);

  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const mountPoint = line.split(' ')[4];
    if (mountPoint?.startsWith(`/run/netns/${config.netnsPrefix}`) || mountPoint?.startsWith(`${config.stateDir}/`))
      found.push(`mount ${mountPoint}`);
  }
  return found;
}
