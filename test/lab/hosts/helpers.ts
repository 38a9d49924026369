// Shared by the lab host tests: a private lab per test file (own state dir, bridge, subnet and
// netns prefix, so it never meets the demo lab), SSH keys, known_hosts, ssh/dig/ansible runs.
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HostKey, LabConfig, LabHost } from '../../../lab/hosts';
import { createLabNetwork, startHost } from '../../../lab/hosts';

export { isRoot } from '../../helpers/requires';

/** The small zone the lab-host tests serve (example.test, serial 2026112301). */
export const ZONE = `$ORIGIN example.test.
$TTL 300
@   IN SOA ns1.example.test. hostmaster.example.test. (
        2026112301 ; serial
        7200 900 1209600 300 )
    IN NS ns1
    IN NS ns2
ns1 IN A 192.0.2.53
ns2 IN A 192.0.2.54
www IN A 192.0.2.10
`;

export const ANSIBLE_DIR = path.resolve(__dirname, '../../../ansible');

export interface TestLab {
  dir: string;
  config: LabConfig;
  /** First three octets of the lab's /24, e.g. "198.19.252". */
  net: string;
  clientKeyFile: string;
  clientPublicKey: string;
}

/** A lab of its own in 198.19.<octet>.0/24, inside the lab range but apart from the default lab. */
export async function makeTestLab(name: string, octet: number): Promise<TestLab> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `nsdeploy-${name}-`));
  const net = `198.19.${octet}`;
  const config: LabConfig = { stateDir: path.join(dir, 'state'), bridge: `nsdt${octet}`, bridgeCidr: `${net}.1/24`, netnsPrefix: `nsdt${octet}-` };
  const clientKeyFile = path.join(dir, 'id_ed25519');
  const client = await generateKeyPair(clientKeyFile, 'nsdeploy-test-client');
  return { dir, config, net, clientKeyFile, clientPublicKey: client.publicKey };
}

export async function generateKeyPair(file: string, comment: string): Promise<HostKey> {
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  return { privateKeyOpenSSH: fs.readFileSync(file, 'utf8'), publicKey: fs.readFileSync(`${file}.pub`, 'utf8').trim() };
}

export function knownHostsLine(addresses: string[], publicKey: string): string {
  return `${addresses.join(',')} ${publicKey.split(' ').slice(0, 2).join(' ')}\n`;
}

export async function ssh(lab: TestLab, knownHosts: string, address: string, command: string, extra: string[] = []): Promise<execa.ExecaReturnValue> {
  return execa('ssh', [
    '-i', lab.clientKeyFile, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', ...extra, `root@${address}`, command,
  ], { reject: false, stdin: 'ignore' });
}

export async function dig(server: string, name: string, type: string, options: string[] = []): Promise<string> {
  const result = await execa('dig', [`@${server}`, name, type, '+time=2', '+tries=1', ...options], { reject: false });
  return result.stdout;
}

// The recap parser is the Ansible activity's own, so tests read results as the deploy does.
import { parseRecap, type HostRecap as Recap } from '../../../src/activities/ansible';

export { parseRecap, type Recap };

/** Runs a playbook of ansible/ as the deploy does; SSH masters live in the lab's own dir. */
export async function ansiblePlaybook(lab: TestLab, playbook: string, inventory: string, args: string[] = []): Promise<{ stdout: string; exitCode: number; recap: Record<string, Recap> }> {
  const result = await execa('ansible-playbook', ['-i', inventory, playbook, ...args], {
    cwd: ANSIBLE_DIR,
    reject: false,
    stdin: 'ignore',
    env: { ANSIBLE_CONFIG: path.join(ANSIBLE_DIR, 'ansible.cfg'), ANSIBLE_NOCOLOR: '1', ANSIBLE_SSH_CONTROL_PATH_DIR: controlPathDir(lab) },
  });
  const stdout = `${result.stdout}\n${result.stderr}`;
  return { stdout, exitCode: result.exitCode, recap: parseRecap(result.stdout) };
}

function controlPathDir(lab: TestLab): string {
  return path.join(lab.dir, 'cp');
}

/** Ends the SSH connection masters Ansible left (ControlPersist), so no client process lingers. */
export async function closeSshMasters(lab: TestLab): Promise<void> {
  const dir = controlPathDir(lab);
  if (!fs.existsSync(dir)) return;
  for (const socket of fs.readdirSync(dir)) {
    await execa('ssh', ['-O', 'exit', '-o', `ControlPath=${path.join(dir, socket)}`, 'lab-host'], { reject: false });
  }
}

/** PIDs among `pids` that still exist. */
export function livePids(pids: number[]): number[] {
  return pids.filter((pid) => fs.existsSync(`/proc/${pid}`));
}

/** The small fleet two lab test files share: two nameservers and one LB, by last octet. */
export const TEST_FLEET = { ns1: 11, ns2: 12, lb1: 21 } as const;
export type TestFleetLabel = keyof typeof TEST_FLEET;
/** A test fleet host's "public" (.n) and "private" (.100+n) addresses in the lab's /24. */
export const testFleetAddress = (lab: TestLab, label: TestFleetLabel) => ({ public: `${lab.net}.${TEST_FLEET[label]}`, private: `${lab.net}.${100 + TEST_FLEET[label]}` });

export interface TestFleet {
  hosts: LabHost[];
  /** Each host's SSH host key (pinned in known_hosts). */
  keys: Record<TestFleetLabel, HostKey>;
  knownHosts: string;
  zoneFile: string;
  /** Inventory for ansible/site.yml, generated as the deploy does (same variables as production). */
  inventory: string;
}

/**
 * Starts ns1, ns2 and lb1 on the test lab (each with its own pinned host key), writes
 * known_hosts, the zone and the inventory; the LB's upstreams are the given nameservers.
 * Configuring them (running the playbook) is left to the test.
 */
export async function startTestFleet(lab: TestLab, lbUpstreams: ('ns1' | 'ns2')[]): Promise<TestFleet> {
  await createLabNetwork(lab.config);
  const hosts: LabHost[] = [];
  const keys = {} as Record<TestFleetLabel, HostKey>;
  let known = '';
  for (const label of Object.keys(TEST_FLEET) as TestFleetLabel[]) {
    const key = (keys[label] = await generateKeyPair(path.join(lab.dir, `host-${label}`), label));
    const a = testFleetAddress(lab, label);
    hosts.push(await startHost({ label, addresses: [a.public, a.private], hostKey: key, authorizedKeys: [lab.clientPublicKey], stateDir: lab.config.stateDir }));
    known += knownHostsLine([a.public, a.private], key.publicKey);
  }
  const knownHosts = path.join(lab.dir, 'known_hosts');
  fs.writeFileSync(knownHosts, known);
  const zoneFile = path.join(lab.dir, 'example.test.zone');
  fs.writeFileSync(zoneFile, ZONE);
  const inventory = path.join(lab.dir, 'inventory.yml');
  const lb = testFleetAddress(lab, 'lb1').public;
  fs.writeFileSync(inventory, JSON.stringify({
    all: {
      vars: {
        ansible_user: 'root',
        ansible_ssh_private_key_file: lab.clientKeyFile,
        ansible_ssh_common_args: `-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes`,
      },
      children: {
        nameservers: {
          vars: { nameserver_zones: [{ name: 'example.test', file: zoneFile }] },
          hosts: Object.fromEntries((['ns1', 'ns2'] as const).map((l) => [l, { ansible_host: testFleetAddress(lab, l).public, nameserver_listen_addresses: [testFleetAddress(lab, l).private] }])),
        },
        loadbalancers: {
          vars: { proxy_upstreams: lbUpstreams.map((l) => ({ address: testFleetAddress(lab, l).private, port: 53 })) },
          hosts: { lb1: { ansible_host: lb, proxy_listen_addresses: [lb] } },
        },
      },
    },
  }, null, 2));
  return { hosts, keys, knownHosts, zoneFile, inventory };
}
