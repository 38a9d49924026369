// SSH as the lab e2e tests use it: the fleet's key and known_hosts, host keys checked
// (StrictHostKeyChecking=yes, never "no"), no prompt. A failure rejects unless `reject: false`,
// with which a test can assert a refusal.
import execa from 'execa';

export interface LabSshConfig {
  ssh: { privateKeyFile: string; knownHostsFile: string };
}

export interface LabSshOptions {
  /** Another known_hosts file than the fleet's (e.g. one pinning a wrong key). */
  knownHostsFile?: string;
  /** Resolve with a non-zero exit code instead of rejecting. Default true, as execa's. */
  reject?: boolean;
}

export function labSsh(cfg: LabSshConfig, address: string, command: string, opts: LabSshOptions = {}) {
  return execa(
    'ssh',
    [
      '-i',
      cfg.ssh.privateKeyFile,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      `UserKnownHostsFile=${opts.knownHostsFile ?? cfg.ssh.knownHostsFile}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      `root@${address}`,
      command,
    ],
    { reject: opts.reject ?? true },
  );
}
