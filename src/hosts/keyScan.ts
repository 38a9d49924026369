// A host's SSH keys as it presents them (ssh-keyscan), with their SHA256 fingerprints as
// `ssh-keygen -l` prints them: what an operator compares with the fingerprint read out of band
// (Linode's Lish console) before nsdeploy pins anything. A scan alone proves nothing: a man in
// the middle would answer it too; only the operator's confirmation does.
import execa from 'execa';
import { TypedError } from '../ssh/errors';

export interface ScannedKey {
  type: string;
  publicKey: string;
  fingerprint: string;
}

/** Fingerprints of public key lines ("ssh-ed25519 AAAA…"), in their order. */
export async function fingerprintsOf(publicKeys: string[]): Promise<string[]> {
  if (publicKeys.length === 0) return [];
  const r = await execa('ssh-keygen', ['-l', '-E', 'sha256', '-f', '-'], {
    input: publicKeys.join('\n') + '\n',
    reject: false,
  });
  if (r.exitCode !== 0) throw new TypedError(`ssh-keygen -l: ${r.stderr}`, { type: 'KeyScanFailed' });
  // "256 SHA256:abc… comment (ED25519)"
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(/\s+/)[1]);
}

export async function scanHostKeys(address: string, opts: { timeoutSec?: number } = {}): Promise<ScannedKey[]> {
  const r = await execa('ssh-keyscan', ['-T', String(opts.timeoutSec ?? 5), '-t', 'ed25519,ecdsa,rsa', address], {
    reject: false,
    timeout: 30_000,
  });
  const publicKeys = r.stdout
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.split(/\s+/).slice(1, 3).join(' '));
  if (publicKeys.length === 0)
    throw new TypedError(`ssh-keyscan ${address}: no host key (${r.stderr.trim().split('\n').pop() ?? 'no answer'})`, {
      type: 'KeyScanFailed',
    });
  const prints = await fingerprintsOf(publicKeys);
  return publicKeys.map((publicKey, i) => ({ type: publicKey.split(' ')[0], publicKey, fingerprint: prints[i] }));
}
