// Per-instance SSH host keys: generated here, injected at creation through cloud-init user
// data, and pinned in known_hosts, so SSH to a new host is verified from the first connection.
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

export interface HostKeyPair {
  /** OpenSSH private key (secret: goes only into the instance's user data). */
  privateKeyOpenSSH: string;
  /** "ssh-ed25519 AAAA… comment" */
  publicKey: string;
}

export async function generateHostKey(comment: string): Promise<HostKeyPair> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-hostkey-'));
  try {
    const file = path.join(dir, 'key');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
    return {
      privateKeyOpenSSH: fs.readFileSync(file, 'utf8'),
      publicKey: fs.readFileSync(`${file}.pub`, 'utf8').trim(),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * cloud-config that installs the host key and root's authorized keys. Debian 12 images on
 * Linode run cloud-init with Linode Metadata; the lab reads the same document.
 */
export function cloudConfigFor(opts: { hostname: string; hostKey: HostKeyPair; authorizedKeys: string[] }): string {
  return (
    '#cloud-config\n' +
    stringify({
      hostname: opts.hostname,
      ssh_deletekeys: true,
      ssh_genkeytypes: [],
      ssh_keys: { ed25519_private: opts.hostKey.privateKeyOpenSSH, ed25519_public: opts.hostKey.publicKey },
      disable_root: false,
      ssh_pwauth: false,
      users: [{ name: 'root', ssh_authorized_keys: opts.authorizedKeys }],
    })
  );
}

/** Reads the client's public key next to its private key file (`<file>.pub`). */
export function readPublicKey(privateKeyFile: string): string {
  const pub = `${privateKeyFile}.pub`;
  try {
    return fs.readFileSync(pub, 'utf8').trim();
  } catch {
    throw new Error(`SSH public key ${pub} not found (expected next to ssh.privateKeyFile)`);
  }
}
