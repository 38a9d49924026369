// What the overhead benchmark's parts share: rounding, medians, timing, and a private dev server.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../../src/shared';
import { devServerArgs, temporalCliPath, type DevServerFlag } from '../../testkit/temporalTools';

export const round = (n: number, digits = 2) => Number(n.toFixed(digits));

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Milliseconds since `t0` (process.hrtime.bigint()). */
export const msSince = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** A private dev server (the project's CLI, a free port) with `flags`: in memory, or on the SQLite file `dbFile`. */
export function devServer(flags: readonly DevServerFlag[], dbFile?: string): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      searchAttributes: SEARCH_ATTRIBUTES,
      ip: '127.0.0.1',
      extraArgs: devServerArgs(flags),
      ...(dbFile && { dbFilename: dbFile }),
    },
  });
}
