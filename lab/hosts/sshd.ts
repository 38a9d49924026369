// What makes a lab host's sshd its own: the host key the caller generated (the deploy pins its
// public half in known_hosts, as with cloud-init user data in production), the root account's
// authorized keys, and an sshd_config listening on every address the host holds, now or later
// (as a fresh Debian sshd does: an address a Linode IP assignment moves here is served at once).
import fs from 'node:fs';
import path from 'node:path';
import { run } from './run';

export interface HostKey {
  /** ed25519 private key in OpenSSH format ("-----BEGIN OPENSSH PRIVATE KEY-----"). */
  privateKeyOpenSSH: string;
  /** "ssh-ed25519 AAAA… [comment]" */
  publicKey: string;
}

export const HOST_KEY_PATH = '/etc/ssh/ssh_host_ed25519_key';

export function renderSshdConfig(label: string): string {
  return [
    `# Lab host ${label}: sshd as on a fresh Debian 12 host with an injected ed25519 host key.`,
    '# Drop-ins come first so that they win (sshd keeps the first value it reads), as on Debian.',
    'Include /etc/ssh/sshd_config.d/*.conf',
    '# Every IPv4 address of the host (its own network namespace), not the ones it started with.',
    'ListenAddress 0.0.0.0:22',
    `HostKey ${HOST_KEY_PATH}`,
    'PidFile /run/sshd.pid',
    '# No PAM: a lab host has no login session machinery (no systemd-logind).',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'AcceptEnv LANG LC_*',
    '# Ansible transfers files over sftp.',
    'Subsystem sftp /usr/lib/openssh/sftp-server',
    '',
  ].join('\n');
}

/** Refuses a key pair whose halves do not match, or that is not ed25519. */
export async function checkHostKey(hostKey: HostKey, scratchDir: string): Promise<void> {
  if (!/^ssh-ed25519 [A-Za-z0-9+/=]+( .*)?$/.test(hostKey.publicKey.trim()))
    throw new Error('lab host key must be an ed25519 public key ("ssh-ed25519 AAAA…")');
  const file = path.join(scratchDir, 'hostkey.check');
  fs.writeFileSync(file, ensureNewline(hostKey.privateKeyOpenSSH), { mode: 0o600 });
  try {
    const derived = (await run('ssh-keygen', ['-y', '-f', file])).stdout.trim().split(' ').slice(0, 2).join(' ');
    if (derived !== hostKey.publicKey.trim().split(' ').slice(0, 2).join(' '))
      throw new Error('lab host key: the public key does not match the private key');
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** Writes sshd_config and the host key into the host's /etc/ssh (a directory of its disk). */
export function writeSshdFiles(etcSsh: string, label: string, hostKey: HostKey): void {
  fs.mkdirSync(path.join(etcSsh, 'sshd_config.d'), { recursive: true });
  fs.writeFileSync(path.join(etcSsh, 'sshd_config'), renderSshdConfig(label), { mode: 0o644 });
  const key = path.join(etcSsh, path.basename(HOST_KEY_PATH));
  fs.writeFileSync(key, ensureNewline(hostKey.privateKeyOpenSSH), { mode: 0o600 });
  fs.chmodSync(key, 0o600);
  fs.writeFileSync(`${key}.pub`, ensureNewline(hostKey.publicKey.trim()), { mode: 0o644 });
}

/** root's ~/.ssh/authorized_keys in the host's /root. */
export function writeAuthorizedKeys(rootHome: string, keys: string[]): void {
  const sshDir = path.join(rootHome, '.ssh');
  fs.mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(sshDir, 0o700);
  const file = path.join(sshDir, 'authorized_keys');
  fs.writeFileSync(
    file,
    keys
      .map((k) => k.trim())
      .filter(Boolean)
      .map((k) => `${k}\n`)
      .join(''),
    { mode: 0o600 },
  );
  fs.chmodSync(file, 0o600);
}
