// npm run lab:status — what the lab is running: emulator, instances, hosts and their processes,
// the parent servers (with the glue they serve, asked over DNS) and the resolver.
import { listHosts } from './hosts';
import { alertPaths, alertReceiverPid, alertReceiverUrl, readAlerts } from './alertReceiver';
import { emulatorPid, emulatorUrl } from './emulatorProcess';
import { labPaths } from './labPaths';
import { describeParentView, listParents, resolverStatus, showParents } from './parent';

async function main(): Promise<void> {
  const pid = emulatorPid();
  console.log(pid ? `Linode emulator: running, pid ${pid}, ${emulatorUrl()}/v4` : 'Linode emulator: not running');
  if (pid) {
    const state = (await (await fetch(`${emulatorUrl()}/__admin/state`)).json()) as {
      instances: {
        id: number;
        label: string;
        region: string;
        status: string;
        ipv4Public?: string;
        ipv4Private?: string;
        tags: string[];
      }[];
    };
    console.log(`Instances (${state.instances.length}):`);
    for (const i of state.instances)
      console.log(
        `  ${String(i.id).padStart(4)} ${i.label.padEnd(12)} ${i.region.padEnd(8)} ${i.status.padEnd(12)} ` +
          `${i.ipv4Public ?? ''} ${i.ipv4Private ?? ''} [${i.tags.join(',')}]`,
      );
  }
  const alertPid = alertReceiverPid();
  console.log(
    `Alert receiver: ${alertPid ? `running, pid ${alertPid}, ${alertReceiverUrl()}` : 'not running'}; ${readAlerts().length} alert(s) in ${alertPaths.alerts}`,
  );
  const hosts = listHosts({ stateDir: labPaths.hostsState });
  console.log(`Lab hosts (${hosts.length}):`);
  for (const h of hosts)
    console.log(
      `  ${h.label.padEnd(16)} ${(h.region ?? '-').padEnd(8)} ` +
        `${h.running ? `running, sshd pid ${h.pid}` : 'stopped'.padEnd(20)} ${h.addresses.join(' ')} netns ${h.netns}` +
        (h.unreachable.length ? ` (other regions' private ranges dropped: ${h.unreachable.join(', ')})` : ''),
    );
  const parents = listParents({ stateDir: labPaths.parentState });
  console.log(`Parent servers (${parents.length}):`);
  if (parents.length > 0) {
    for (const view of await showParents({ stateDir: labPaths.parentState }))
      for (const line of describeParentView(view)) console.log(`  ${line}`);
  }
  const resolver = resolverStatus({ stateDir: labPaths.resolverState });
  console.log(
    resolver
      ? `Resolver (unbound): ${resolver.running ? `running, pid ${resolver.pid}` : 'NOT RUNNING'}, ${resolver.address}, stub for the TLD at ${resolver.parents.join(' ')}`
      : 'Resolver: not running',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`lab:status failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
