// The overhead benchmark's workflows (bench only, never registered by nsdeploy's worker): N
// no-op activities one after another, or all at once, each called the way nsdeploy's
// workflows call their activities (src/workflows/lib/steps.ts: the 'quick' options plus a
// one-line summary per call). What is left of the wall time is Temporal's orchestration.
import { proxyActivities } from '@temporalio/workflow';
import { quick } from '../../src/workflows/lib/steps';

export interface OverheadActivities {
  noop(i: number): Promise<number>;
}

const { noop } = proxyActivities<OverheadActivities>(quick);
const call = (i: number) => noop.executeWithOptions({ ...quick, summary: `no-op ${i}` }, [i]);

/** `n` activities in sequence; returns their sum as a check that every one ran. */
export async function overheadSequential(n: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await call(i);
  return sum;
}

/** `n` activities scheduled together in one workflow task. */
export async function overheadParallel(n: number): Promise<number> {
  const results = await Promise.all(Array.from({ length: n }, (_, i) => call(i)));
  return results.reduce((a, x) => a + x, 0);
}
