// Lab hosts for tests and benchmarks: a private lab per test file or benchmark (own state dir,
// bridge, subnet and netns prefix, so it never meets the demo lab), SSH keys, known_hosts,
// ssh/dig/ansible runs.
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HostKey, LabConfig } from '../lab/hosts';

export const isRoot = process.getuid?.() === 0;

export const ANSIBLE_DIR = path.resolve(__dirname, '../ansible');

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
  const config: LabConfig = {
    stateDir: path.join(dir, 'state'),
    bridge: `nsdt${octet}`,
    bridgeCidr: `${net}.1/24`,
    netnsPrefix: `nsdt${octet}-`,
  };
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

export async function ssh(
  lab: TestLab,
  knownHosts: string,
  address: string,
  command: string,
  extra: string[] = [],
): Promise<execa.ExecaReturnValue> {
  return execa(
    'ssh',
    [
      '-i',
      lab.clientKeyFile,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=5',
      ...extra,
      `root@${address}`,
      command,
    ],
    { reject: false, stdin: 'ignore' },
  );
}

export async function dig(server: string, name: string, type: string, options: string[] = []): Promise<string> {
  const result = await execa('dig', [`@${server}`, name, type, '+time=2', '+tries=1', ...options], { reject: false });
  return result.stdout;
}

// The recap parser is the Ansible activity's own, so tests read results as the deploy does.
import { defaultAnsibleStrategy, parseRecap, type HostRecap as Recap } from '../src/activities/ansible';

/** Runs a playbook of ansible/ as the deploy does; SSH masters live in the lab's own dir. */
export async function ansiblePlaybook(
  lab: TestLab,
  playbook: string,
  inventory: string,
  args: string[] = [],
): Promise<{ stdout: string; exitCode: number; recap: Record<string, Recap> }> {
  const result = await execa('ansible-playbook', ['-i', inventory, playbook, ...args], {
    cwd: ANSIBLE_DIR,
    reject: false,
    stdin: 'ignore',
    env: {
      ANSIBLE_CONFIG: path.join(ANSIBLE_DIR, 'ansible.cfg'),
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_SSH_CONTROL_PATH_DIR: controlPathDir(lab),
      // The strategy production runs (Mitogen when installed; NSDEPLOY_MITOGEN=off for Ansible's own).
      ...defaultAnsibleStrategy().env,
    },
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
