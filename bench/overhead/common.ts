// What the overhead benchmark's parts share: rounding, medians, timing, CPU time, and a private dev server.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import type { DevServerFlag } from '../../testkit/temporalTools';
import { createLocalEnv } from '../../testkit/temporalEnv';

export const round = (n: number, digits = 2) => Number(n.toFixed(digits));

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Milliseconds since `t0` (process.hrtime.bigint()). */
export const msSince = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** A private dev server (the project's CLI, a free port) with `flags`: in memory, or on the SQLite file `dbFile`. */
export const devServer = (flags: readonly DevServerFlag[], dbFile?: string): Promise<TestWorkflowEnvironment> =>
  createLocalEnv({ flags, dbFilename: dbFile });

const CLOCK_TICKS_PER_SECOND = Number(execSync('getconf CLK_TCK').toString().trim());

/** CPU time (user + system) a process has used so far, in ms, from /proc/<pid>/stat. */
export function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND; // utime, stime
}

/** The PID of the dev server listening at `address` (a `temporal server start-dev --port <port>` process). */
export function devServerPid(address: string): number {
  const port = address.split(':').pop()!;
  for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let args: string[];
    try {
      args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (args.includes('start-dev') && args[args.indexOf('--port') + 1] === port) return Number(entry);
  }
  throw new Error(`no dev server process listens on port ${port}`);
}
