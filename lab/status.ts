// npm run lab:status — what the lab is running: emulator, instances, hosts and their processes.
import { listHosts } from './hosts';
import { emulatorPid, emulatorUrl } from './emulatorProcess';
import { labPaths } from './labPaths';

async function main(): Promise<void> {
  const pid = emulatorPid();
  console.log(pid ? `Linode emulator: running, pid ${pid}, ${emulatorUrl()}/v4` : 'Linode emulator: not running');
  if (pid) {
    const state = (await (await fetch(`${emulatorUrl()}/__admin/state`)).json()) as { instances: { id: number; label: string; status: string; ipv4Public?: string; ipv4Private?: string; tags: string[] }[] };
    console.log(`Instances (${state.instances.length}):`);
    for (const i of state.instances) console.log(`  ${String(i.id).padStart(4)} ${i.label.padEnd(12)} ${i.status.padEnd(12)} ${i.ipv4Public ?? ''} ${i.ipv4Private ?? ''} [${i.tags.join(',')}]`);
  }
  const hosts = listHosts({ stateDir: labPaths.hostsState });
  console.log(`Lab hosts (${hosts.length}):`);
  for (const h of hosts) console.log(`  ${h.label.padEnd(12)} ${h.running ? `running, sshd pid ${h.pid}` : 'stopped'.padEnd(20)} ${h.addresses.join(' ')} netns ${h.netns}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`lab:status failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
