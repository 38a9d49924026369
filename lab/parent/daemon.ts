// A lab DNS daemon (named, unbound) in its network namespace. It must outlive `npm run lab:up`,
// so it runs detached in the foreground of its own session and is known by PID + start time
// (lab/hosts/processes.ts): only that process is ever signalled.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { isAlive, processId, terminate, type ProcessId } from '../hosts/processes';
import { tail } from '../hosts/launcher';

/** `ip netns exec` execs the command in place, so the PID we get is the daemon's own. */
export async function spawnInNetns(netns: string, argv: string[], logFile: string): Promise<ProcessId> {
  const log = fs.openSync(logFile, 'a');
  try {
    const child = spawn('ip', ['netns', 'exec', netns, ...argv], { detached: true, stdio: ['ignore', log, log] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.unref();
    const id = child.pid === undefined ? null : processId(child.pid);
    if (!id) throw new Error(`${argv[0]} in ${netns} ended at once: ${tail(logFile)}`);
    return id;
  } finally {
    fs.closeSync(log);
  }
}

export function running(id: ProcessId | null | undefined): boolean {
  return !!id && isAlive(id);
}

export async function stopDaemon(id: ProcessId | null | undefined): Promise<void> {
  if (id) await terminate(id, 5000);
}

/** SIGHUP to that process only (named: reload configuration and changed zones). */
export function hangUp(id: ProcessId): void {
  if (!isAlive(id)) throw new Error(`process ${id.pid} is not running`);
  process.kill(id.pid, 'SIGHUP');
}

export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  onTimeout: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(`${what} within ${timeoutMs} ms${onTimeout() ? `: ${onTimeout()}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
