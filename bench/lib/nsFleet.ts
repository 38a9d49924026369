// A private fleet of BIND nameservers for a benchmark: lab hosts in their own network
// namespaces on a test bridge (198.19.<octet>.0/24, apart from the default lab and from every
// test's subnet), each with a pinned host key, configured by the production `nameserver` role
// through Ansible — the same recipe as test/lab/hosts/helpers.ts' startTestFleet(), with any
// number of nameservers and no LB. Always torn down by withNsFleet(), and proven gone.
import fs from 'node:fs';
import path from 'node:path';
import type { LabHost } from '../../lab/hosts';
import { createLabNetwork, leftovers, startHost, teardownAll } from '../../lab/hosts';
import {
  ansiblePlaybook,
  closeSshMasters,
  generateKeyPair,
  isRoot,
  knownHostsLine,
  makeTestLab,
  type TestLab,
} from '../../testkit/labHosts';

export interface FleetServer {
  label: string;
  /** Where SSH and Ansible reach it. */
  publicIPv4: string;
  /** Where named listens (what the deploy's gate asks, as for a real new server). */
  privateIPv4: string;
}

export interface NsFleet {
  lab: TestLab;
  servers: FleetServer[];
  zoneFile: string;
  /** Seconds the hosts took to start, and the playbook run. */
  startSeconds: number;
  configureSeconds: number;
}

/**
 * Starts `labels` as nameserver hosts (host n: .10+n public, .110+n private), serves `zone`
 * from each with the nameserver role, runs `fn`, then tears everything down — also when
 * something failed — and throws if anything of the lab is left on the machine.
 */
export async function withNsFleet<T>(
  o: { name: string; octet: number; labels: string[]; origin: string; zoneText: string; say: (s: string) => void },
  fn: (fleet: NsFleet) => Promise<T>,
): Promise<T> {
  if (!isRoot) throw new Error('needs root (network namespaces for the lab hosts)');
  if (o.labels.length > 80) throw new Error('at most 80 nameservers on one /24');
  const lab = await makeTestLab(o.name, o.octet);
  const hosts: LabHost[] = [];
  let result: T | undefined;
  let failure: unknown;
  // Ctrl-C or a kill: still remove the hosts (they run detached from this process).
  const onSignal = (signal: NodeJS.Signals) => {
    o.say(`${signal}: tearing the lab hosts down`);
    void teardownAll(lab.config).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const t0 = Date.now();
    await createLabNetwork(lab.config);
    const servers = o.labels.map((label, i) => ({
      label,
      publicIPv4: `${lab.net}.${11 + i}`,
      privateIPv4: `${lab.net}.${111 + i}`,
    }));
    let known = '';
    o.say(`starting ${servers.length} lab hosts on ${lab.net}.0/24 (bridge ${lab.config.bridge})`);
    for (const s of servers) {
      const key = await generateKeyPair(path.join(lab.dir, `host-${s.label}`), s.label);
      hosts.push(
        await startHost({
          label: s.label,
          addresses: [s.publicIPv4, s.privateIPv4],
          hostKey: key,
          authorizedKeys: [lab.clientPublicKey],
          stateDir: lab.config.stateDir,
        }),
      );
      known += knownHostsLine([s.publicIPv4, s.privateIPv4], key.publicKey);
    }
    const startSeconds = (Date.now() - t0) / 1000;
    const knownHosts = path.join(lab.dir, 'known_hosts');
    fs.writeFileSync(knownHosts, known);
    const zoneFile = path.join(lab.dir, `${o.origin.replace(/\.$/, '')}.zone`);
    fs.writeFileSync(zoneFile, o.zoneText);
    const inventory = path.join(lab.dir, 'inventory.yml');
    fs.writeFileSync(
      inventory,
      JSON.stringify(
        {
          all: {
            vars: {
              ansible_user: 'root',
              ansible_ssh_private_key_file: lab.clientKeyFile,
              ansible_ssh_common_args: `-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes`,
            },
            children: {
              nameservers: {
                vars: { nameserver_zones: [{ name: o.origin.replace(/\.$/, ''), file: zoneFile }] },
                hosts: Object.fromEntries(
                  servers.map((s) => [
                    s.label,
                    {
                      ansible_host: s.publicIPv4,
                      nameserver_listen_addresses: [s.privateIPv4],
                      nameserver_server_id: s.label,
                    },
                  ]),
                ),
              },
            },
          },
        },
        null,
        2,
      ),
    );
    o.say('configuring them with the nameserver role (ansible-playbook nameserver.yml)');
    const t1 = Date.now();
    const run = await ansiblePlaybook(lab, 'nameserver.yml', inventory);
    const configureSeconds = (Date.now() - t1) / 1000;
    if (run.exitCode !== 0)
      throw new Error(`ansible-playbook nameserver.yml failed (exit ${run.exitCode}):\n${run.stdout.slice(-3000)}`);
    await closeSshMasters(lab);
    result = await fn({ lab, servers, zoneFile, startSeconds, configureSeconds });
  } catch (err) {
    failure = err;
  }
  o.say(`tearing the ${hosts.length} lab hosts down`);
  await closeSshMasters(lab).catch(() => undefined);
  const teardown = await teardownAll(lab.config).then(
    () => null,
    (e: unknown) => e as Error,
  );
  const left = await leftovers(lab.config).catch((e: Error) => [`leftovers check failed: ${e.message}`]);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (teardown) o.say(teardown.message);
  if (left.length > 0) o.say(`left on the machine:\n${left.join('\n')}`);
  else fs.rmSync(lab.dir, { recursive: true, force: true });
  if (failure) throw failure;
  if (teardown) throw teardown;
  if (left.length > 0) throw new Error(`lab not completely removed (state in ${lab.dir}):\n${left.join('\n')}`);
  return result as T;
}
