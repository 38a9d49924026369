// Starts a host's PID 1 inside its network namespace and new mount/UTS/PID namespaces, and
// keeps the launcher as a child of this process (supervised, never detached). The launcher is
// `unshare --fork`, which ignores SIGTERM; the host is stopped through its sshd instead.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { mountPairs } from './disk';
import { HOST_INIT_SCRIPT } from './paths';
import type { ProcessId } from './processes';
import { childPids, processId, waitUntil } from './processes';

export interface Launched {
  child: ChildProcess;
  launcher: ProcessId;
  /** The host's sshd: PID 1 in the host, this PID in the root namespace. */
  sshd: ProcessId;
}

export function launcherArgs(netns: string, label: string, hostDir: string): string[] {
  return [
    'netns',
    'exec',
    netns,
    'unshare',
    '--mount',
    '--uts',
    '--pid',
    '--fork',
    '--mount-proc',
    '--propagation',
    'private',
    '/bin/sh',
    HOST_INIT_SCRIPT,
    label,
    ...mountPairs(hostDir).flat(),
    '--',
    '/usr/sbin/sshd',
    '-D',
    '-e',
  ];
}

export function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export async function launchHost(netns: string, label: string, hostDir: string, logFile: string): Promise<Launched> {
  const log = fs.openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn('ip', launcherArgs(netns, label, hostDir), { stdio: ['ignore', log, log] });
  } finally {
    fs.closeSync(log);
  }
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const launcher = child.pid === undefined ? null : processId(child.pid);
  if (!launcher) throw new Error(`lab host ${label}: launcher ended at once: ${tail(logFile)}`);
  // unshare forks the host's PID 1 right away; it becomes sshd by exec, keeping its PID.
  await waitUntil(() => exited || childPids(launcher.pid).length > 0, 5000, 10);
  const first = childPids(launcher.pid)[0];
  const sshd = first === undefined ? null : processId(first);
  if (!sshd) {
    if (!exited) child.kill('SIGKILL');
    throw new Error(`lab host ${label}: the host did not start: ${tail(logFile)}`);
  }
  return { child, launcher, sshd };
}
