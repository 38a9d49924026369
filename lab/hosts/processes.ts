// Process identity and signalling. A PID alone can be reused after its process ends, so every
// PID the lab records comes with the process's start time (field 22 of /proc/<pid>/stat), and
// the lab only ever signals a PID whose start time still matches.
import fs from 'node:fs';

export interface ProcessId {
  pid: number;
  startTime: number;
}

interface ProcStat {
  state: string;
  startTime: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: split after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], startTime: Number(fields[19]) };
  } catch {
    return null;
  }
}

export function processId(pid: number): ProcessId | null {
  const stat = readStat(pid);
  return stat ? { pid, startTime: stat.startTime } : null;
}

/** True while the recorded process exists and has not exited (zombies count as ended). */
export function isAlive(id: ProcessId): boolean {
  const stat = readStat(id.pid);
  return stat !== null && stat.startTime === id.startTime && stat.state !== 'Z' && stat.state !== 'X';
}

export function childPids(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitUntil(check: () => boolean, timeoutMs: number, intervalMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
  return true;
}

function signal(id: ProcessId, sig: NodeJS.Signals): void {
  if (!isAlive(id)) return;
  try {
    process.kill(id.pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** SIGTERM, then SIGKILL after graceMs; resolves once the process has ended. */
export async function terminate(id: ProcessId, graceMs = 3000): Promise<void> {
  signal(id, 'SIGTERM');
  if (await waitUntil(() => !isAlive(id), graceMs)) return;
  signal(id, 'SIGKILL');
  if (!(await waitUntil(() => !isAlive(id), 5000))) throw new Error(`process ${id.pid} did not end after SIGKILL`);
}

function nsInode(pid: number, ns: 'pid' | 'net' | 'mnt'): string | null {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/${ns}`);
  } catch {
    return null;
  }
}

/** The PID namespace `pid` is in (its ns/pid link), or null once it has ended. */
export const pidNamespaceOf = (pid: number): string | null => nsInode(pid, 'pid');

function allPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/**
 * Every process by PID namespace (its ns/pid link), in one pass over /proc: a sampler that
 * sizes many hosts at once would otherwise read every process's link once per host.
 */
export function pidsByPidNamespace(): Map<string, number[]> {
  const byNamespace = new Map<string, number[]>();
  for (const pid of allPids()) {
    const ns = pidNamespaceOf(pid);
    if (!ns) continue; // ended meanwhile
    const pids = byNamespace.get(ns);
    if (pids) pids.push(pid);
    else byNamespace.set(ns, [pid]);
  }
  return byNamespace;
}

/** Every process in the same PID namespace as `pid` (for a lab host: all its processes). */
export function pidsInPidNamespaceOf(pid: number): number[] {
  const target = pidNamespaceOf(pid);
  return target ? (pidsByPidNamespace().get(target) ?? []) : [];
}

/** The command name of a process ('?' once it has ended). */
export function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/**
 * Resident memory of a process from /proc/<pid>/status (0 once it has ended). Cheap: unlike
 * smaps_rollup (processMemory) it walks no page tables, so sampling a busy lab does not hold up
 * the processes sampled nor the sampler's own thread.
 */
export function processRssBytes(pid: number): number {
  try {
    return kilobytes(fs.readFileSync(`/proc/${pid}/status`, 'utf8'), 'VmRSS');
  } catch {
    return 0;
  }
}

export interface ProcessMemory {
  rssBytes: number;
  /** Proportional set size: shared pages split between their users, so sums do not double count. */
  pssBytes: number;
}

function kilobytes(text: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) * 1024 : 0;
}

export function processMemory(pid: number): ProcessMemory {
  try {
    const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return { rssBytes: kilobytes(rollup, 'Rss'), pssBytes: kilobytes(rollup, 'Pss') };
  } catch {
    return { rssBytes: 0, pssBytes: 0 };
  }
}

interface MountEntry {
  device: string;
  root: string;
  mountPoint: string;
}

function parseMountinfo(text: string): MountEntry[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const f = line.split(' ');
      return { device: f[2], root: f[3], mountPoint: f[4] };
    });
}

/**
 * Where `dir` lives inside its filesystem (device + path from that filesystem's root), which
 * is how bind mounts taken from it appear in any process's mountinfo.
 */
function filesystemLocation(dir: string): { device: string; path: string } | null {
  const mounts = parseMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
  const holder = mounts
    .filter((m) => dir === m.mountPoint || dir.startsWith(m.mountPoint === '/' ? '/' : `${m.mountPoint}/`))
    .sort((a, b) => b.mountPoint.length - a.mountPoint.length)[0];
  if (!holder) return null;
  const rest = dir.slice(holder.mountPoint === '/' ? 0 : holder.mountPoint.length);
  return { device: holder.device, path: `${holder.root === '/' ? '' : holder.root}${rest}` || '/' };
}

/** Processes whose mount table holds a bind mount taken from below `dir` (a lab host's directories). */
export function pidsWithMountsFrom(dir: string): number[] {
  const location = filesystemLocation(dir);
  if (!location) return [];
  return allPids().filter((p) => {
    try {
      return parseMountinfo(fs.readFileSync(`/proc/${p}/mountinfo`, 'utf8')).some(
        (m) => m.device === location.device && (m.root === location.path || m.root.startsWith(`${location.path}/`)),
      );
    } catch {
      return false;
    }
  });
}

/** Processes whose command line mentions `text` (e.g. a launcher of this lab). */
export function pidsWithCommandLineContaining(text: string): number[] {
  return allPids().filter((p) => {
    if (p === process.pid) return false;
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text);
    } catch {
      return false;
    }
  });
}
