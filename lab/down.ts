// npm run lab:down — removes everything the lab started: instances (and so their hosts), the
// emulator, the parent servers and resolver, leftover hosts, the lab network, and the lab's
// state under .lab/.
import fs from 'node:fs';
import { destroyLabNetwork, leftovers, teardownAll } from './hosts';
import { stopAlertReceiver } from './alertReceiver';
import { emulatorPid, resetEmulator, stopEmulator } from './emulatorProcess';
import { labPaths } from './labPaths';
import { dnsLabLeftovers, stopParents, stopResolver } from './parent';

const say = (line: string) => process.stdout.write(line + '\n');

export async function labDown(): Promise<string[]> {
  if (emulatorPid()) {
    await resetEmulator().catch((err: unknown) =>
      say(`emulator reset failed (${String(err)}); tearing hosts down directly`),
    );
    await stopEmulator();
    say('Linode emulator stopped.');
  }
  if (await stopAlertReceiver()) say('Alert receiver stopped.');
  // The parents and the resolver sit on the lab bridge: they go before it.
  await stopResolver({ stateDir: labPaths.resolverState });
  await stopParents({ stateDir: labPaths.parentState });
  await teardownAll({ stateDir: labPaths.hostsState });
  await destroyLabNetwork({ stateDir: labPaths.hostsState });
  const left = [...(await leftovers({ stateDir: labPaths.hostsState })), ...(await dnsLabLeftovers())];
  if (left.length === 0) fs.rmSync(labPaths.dir, { recursive: true, force: true });
  return left;
}

if (require.main === module) {
  labDown()
    .then((left) => {
      if (left.length) {
        process.stderr.write(`lab:down left these behind:\n${left.map((l) => `  ${l}`).join('\n')}\n`);
        process.exitCode = 1;
      } else say('Lab is down: no hosts, parent servers, resolver, namespaces, interfaces, mounts or processes left.');
    })
    .catch((err: unknown) => {
      process.stderr.write(`lab:down failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    });
}
