// The overhead benchmark's workflows (bench only, never registered by nsdeploy's worker): N
// no-op activities one after another, or all at once, called either the way nsdeploy's
// workflows call their activities (src/workflows/lib/steps.ts: the 'quick' options plus a
// one-line summary per call) or with the least an activity needs (a start-to-close timeout).
// What is left of the wall time is Temporal's orchestration.
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import { quick } from '../../src/workflows/lib/steps';

export interface OverheadActivities {
  noop(i: number): Promise<number>;
}

/** How each activity is called: as nsdeploy's `step()` does, or with Temporal's minimum. */
export type OverheadCalls = 'steps' | 'minimal';

const minimal: ActivityOptions = { startToCloseTimeout: '2m' };
const { noop } = proxyActivities<OverheadActivities>(minimal);
const call = (calls: OverheadCalls, i: number) =>
  calls === 'steps' ? noop.executeWithOptions({ ...quick, summary: `no-op ${i}` }, [i]) : noop(i);

/** `n` activities in sequence; returns their sum as a check that every one ran. */
export async function overheadSequential(n: number, calls: OverheadCalls = 'steps'): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await call(calls, i);
  return sum;
}

/** `n` activities scheduled together in one workflow task. */
export async function overheadParallel(n: number, calls: OverheadCalls = 'steps'): Promise<number> {
  const results = await Promise.all(Array.from({ length: n }, (_, i) => call(calls, i)));
  return results.reduce((a, x) => a + x, 0);
}
