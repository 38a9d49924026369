// Commands on fleet hosts through the system `ssh` client: the pinned known_hosts only
// (strictSshOptions: StrictHostKeyChecking=yes, BatchMode), the worker's key only, no
// connection masters left behind. SSH-level failures become SshErrors that say which host,
// which command and what went wrong; the remote command's own exit status is returned to the
// caller, which knows what it means.
import execa from 'execa';
import fs from 'node:fs';
import { RemoteCommandError, SshError } from './errors';
import { strictSshOptions } from './knownHosts';

/** A host to run commands on. Paths only: the key itself is never read or passed around. */
export interface SshTarget {
  address: string;
  /** Default root. */
  user?: string;
  /** Default 22. */
  port?: number;
  privateKeyFile: string;
  knownHostsFile: string;
  /** The host's label (e.g. "ns1-next"), for messages only. */
  name?: string;
}

export interface RemoteResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunOptions {
  /** Short description of the remote command for error messages, e.g. "cat /etc/…". */
  what: string;
  /** Sent on the command's stdin. */
  input?: string;
  /** Whole command, connection included. Default 60 s. */
  timeoutMs?: number;
  /** TCP connect timeout (s); default that of strictSshOptions (10 s). */
  connectTimeoutSec?: number;
  /** Aborting kills the ssh client (activity cancellation). */
  signal?: AbortSignal;
}

/** How much command output an error message may quote. */
const MAX_QUOTED_OUTPUT = 600;

/** One-line, bounded excerpt of command output for an error message (keeps the end, where errors are). */
export function bounded(text: string, max = MAX_QUOTED_OUTPUT): string {
  const oneLine = text
    .replace(/\r/g, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' | ');
  return oneLine.length <= max ? oneLine : `…${oneLine.slice(oneLine.length - max + 1)}`;
}

/** Quotes a word for a POSIX shell. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** First line of a remote script: the system's PATH, sbin included, whatever the login shell set. */
export const SYSTEM_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH';

const USER = /^[a-z_][a-z0-9_.-]{0,31}$/i;
// An IPv4/IPv6 address or a DNS name: nothing ssh could read as an option or a second word.
const ADDRESS = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/;

const userOf = (t: SshTarget) => t.user ?? 'root';
export const describeTarget = (t: SshTarget) => {
  const userAtHost = `${userOf(t)}@${t.address}${t.port && t.port !== 22 ? `:${t.port}` : ''}`;
  return t.name ? `${t.name} (${userAtHost})` : userAtHost;
};

/** Refuses targets that cannot work (non-retryable: a retry would not fix them). */
export function checkTarget(t: SshTarget): void {
  const bad = (msg: string) =>
    new SshError(`SSH target ${JSON.stringify(t?.address)}: ${msg}`, { type: 'SshConfigError', nonRetryable: true });
  if (!t || typeof t.address !== 'string' || !ADDRESS.test(t.address))
    throw bad('address must be an IP address or host name');
  if (t.user !== undefined && !USER.test(t.user)) throw bad(`user ${JSON.stringify(t.user)} is not a valid user name`);
  if (t.port !== undefined && !(Number.isInteger(t.port) && t.port > 0 && t.port < 65536))
    throw bad(`port ${t.port} is not a TCP port`);
  if (!t.privateKeyFile || !fs.existsSync(t.privateKeyFile))
    throw bad(`private key file ${t.privateKeyFile} does not exist on the worker`);
  if (!t.knownHostsFile || !fs.existsSync(t.knownHostsFile)) {
    throw bad(
      `known_hosts file ${t.knownHostsFile} does not exist on the worker, so no host key is pinned ` +
        '(nsdeploy never accepts an unpinned key)',
    );
  }
}

/** The ssh command line: pinned host keys, our key only, no agent, no connection sharing. */
export function sshArgs(t: SshTarget, command: string, opts: { connectTimeoutSec?: number } = {}): string[] {
  return [
    // ssh keeps the first value it reads for an option, so these come before strictSshOptions.
    ...(opts.connectTimeoutSec !== undefined
      ? ['-o', `ConnectTimeout=${Math.max(1, Math.ceil(opts.connectTimeoutSec))}`]
      : []),
    ...strictSshOptions(t.knownHostsFile),
    '-i',
    t.privateKeyFile,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'IdentityAgent=none',
    '-o',
    'PreferredAuthentications=publickey',
    '-o',
    'ControlMaster=no',
    '-o',
    'ControlPath=none',
    '-o',
    'ServerAliveInterval=5',
    '-o',
    'ServerAliveCountMax=3',
    '-T',
    ...(t.port && t.port !== 22 ? ['-p', String(t.port)] : []),
    '--',
    `${userOf(t)}@${t.address}`,
    command,
  ];
}

export type SshFailureKind =
  'host-key' | 'auth' | 'refused' | 'unreachable' | 'timeout' | 'closed' | 'key-file' | 'other';

/** What an ssh client's stderr (exit status 255) says went wrong. */
export function classifySshError(stderr: string): SshFailureKind {
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No \S+ host key is known for/i.test(stderr))
    return 'host-key';
  if (
    /UNPROTECTED PRIVATE KEY FILE|no such identity/i.test(stderr) ||
    /Load key .*: (?:invalid format|Permission denied|No such file)/i.test(stderr)
  )
    return 'key-file';
  if (/Permission denied \(|Too many authentication failures|No more authentication methods/i.test(stderr))
    return 'auth';
  if (/Connection refused/i.test(stderr)) return 'refused';
  if (/timed out|Timeout, server .* not responding/i.test(stderr)) return 'timeout';
  if (
    /No route to host|Network is unreachable/i.test(stderr) ||
    /Could not resolve hostname|Name or service not known|Temporary failure in name resolution/i.test(stderr)
  )
    return 'unreachable';
  if (/Connection closed|Connection reset|kex_exchange_identification|Broken pipe|closed by remote host/i.test(stderr))
    return 'closed';
  return 'other';
}

/** The error for an SSH-level failure (not the remote command's). */
export function sshFailure(t: SshTarget, what: string, kind: SshFailureKind, stderr: string): SshError {
  const where = `SSH to ${describeTarget(t)} (${what})`;
  const said = bounded(stderr);
  switch (kind) {
    case 'host-key': {
      const why = /No \S+ host key is known for/i.test(stderr)
        ? `no host key is pinned for ${t.address} in ${t.knownHostsFile}`
        : `the host's key does not match the key pinned for ${t.address} in ${t.knownHostsFile}`;
      return new SshError(
        `${where}: Host key verification failed: ${why}. nsdeploy never accepts an unpinned key; ` +
          "pin the instance's injected key or find out why the host presents another one",
        { type: 'SshHostKeyVerificationFailed', nonRetryable: true },
      );
    }
    case 'key-file':
      return new SshError(`${where}: the private key file ${t.privateKeyFile} cannot be used: ${said}`, {
        type: 'SshConfigError',
        nonRetryable: true,
      });
    case 'auth':
      return new SshError(
        `${where}: the host refused the key ${t.privateKeyFile} (${said}); ` +
          `is its public half in ${userOf(t)}'s authorized_keys?`,
        { type: 'SshAuthFailed', nonRetryable: true },
      );
    default:
      return new SshError(`${where}: ${said || 'ssh failed without a message'}`, {
        type: kind === 'timeout' ? 'SshTimeout' : 'SshUnreachable',
        nonRetryable: false,
      });
  }
}

/**
 * Runs `command` (a shell command line, run by the remote user's shell) on the target.
 * Resolves with the remote exit status and output; throws an SshError when SSH itself fails
 * (host key, key, connection, timeout).
 */
export async function runSsh(t: SshTarget, command: string, opts: RunOptions): Promise<RemoteResult> {
  checkTarget(t);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const child = execa('ssh', sshArgs(t, command, { connectTimeoutSec: opts.connectTimeoutSec }), {
    reject: false,
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 4 * 2 ** 20,
    stripFinalNewline: false,
    env: { LC_ALL: 'C' },
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
  });
  const onAbort = () => child.kill('SIGKILL');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let result: execa.ExecaReturnValue;
  try {
    if (opts.signal?.aborted) onAbort();
    result = await child;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  if (opts.signal?.aborted) throw cancelledError(opts.signal, `SSH to ${describeTarget(t)} (${opts.what}): cancelled`);
  if (result.timedOut) {
    throw new SshError(
      `SSH to ${describeTarget(t)} (${opts.what}): no result within ${Math.round(timeoutMs / 1000)} s` +
        `${stderr ? ` (${bounded(stderr)})` : ''}`,
      { type: 'SshTimeout', nonRetryable: false },
    );
  }
  if (typeof result.exitCode !== 'number') {
    const why = bounded((result as { shortMessage?: string }).shortMessage ?? stderr);
    throw new SshError(`SSH to ${describeTarget(t)} (${opts.what}): could not run ssh: ${why}`, {
      type: 'SshConfigError',
      nonRetryable: true,
    });
  }
  if (result.exitCode === 255) {
    const kind = classifySshError(stderr);
    // 255 is also a possible remote exit status; without an ssh message it is the command's.
    if (kind !== 'other' || stdout === '') throw sshFailure(t, opts.what, kind, stderr);
  }
  return { stdout, stderr, exitCode: result.exitCode };
}

/** Failure for a remote command that ran but did not succeed. */
export function remoteFailure(
  t: SshTarget,
  what: string,
  r: RemoteResult,
  opts: { type?: string; nonRetryable?: boolean; message?: string } = {},
): RemoteCommandError {
  const output = bounded(r.stderr || r.stdout);
  return new RemoteCommandError(
    `${opts.message ?? `\`${what}\` failed`} on ${describeTarget(t)} (exit status ${r.exitCode})` +
      `${output ? `: ${output}` : ''}`,
    { type: opts.type ?? 'RemoteCommandFailed', nonRetryable: opts.nonRetryable ?? false },
  );
}

/**
 * What to throw once the signal has aborted: the abort's own reason when it is an Error (an
 * activity's cancellation, so it is reported as such), else an SshError 'SshCancelled'.
 */
export function cancelledError(signal: AbortSignal, message: string): Error {
  return signal.reason instanceof Error ? signal.reason : new SshError(message, { type: 'SshCancelled' });
}

/** setTimeout as a promise that an abort ends early (with a rejection). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelledError(signal, 'cancelled'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelledError(signal!, 'cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
