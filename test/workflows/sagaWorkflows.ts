// Workflow code for test/workflows/saga.test.ts (bundled on its own): the Saga of
// src/workflows/lib/saga.ts driven by a plan of compensations, reporting what ran, in order.
// Deterministic workflow code: no Node built-ins, no I/O (one activity, faked by the test).
import { CancellationScope, defineQuery, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import { Saga } from '../../src/workflows/lib/saga';

export interface SagaStepPlan {
  name: string;
  /** The compensation throws "<name> broke". */
  fails?: boolean;
  stopOnFailure?: boolean;
  /** The compensation first awaits the `undoActivity` activity, then sleeps this long. */
  activityThenSleepMs?: number;
}

export interface SagaPlan {
  steps: SagaStepPlan[];
  /** commit() once this many steps are registered (the rest are registered after it). */
  commitAfter?: number;
}

export interface SagaReport {
  /** Compensations that reached their end (and the activity of a slow one), in order. */
  ran: string[];
  /** What compensate() reported for each step, in order: "name", or "name: error". */
  reported: string[];
  /** saga.pending right before compensate(), and after it. */
  pendingBefore: string[];
  pendingAfter: string[];
  /** The workflow saw a cancellation request. */
  cancelRequested: boolean;
  /** compensate() returned. */
  compensated: boolean;
}

export interface SagaActivities {
  undoActivity(name: string): Promise<void>;
}

const { undoActivity } = proxyActivities<SagaActivities>({ startToCloseTimeout: '1m' });

export const sagaReportQuery = defineQuery<SagaReport>('sagaReport');

/** Registers the plan's compensations, then runs them (saga.compensate) and reports. */
export async function sagaCompensate(plan: SagaPlan): Promise<SagaReport> {
  const report: SagaReport = {
    ran: [],
    reported: [],
    pendingBefore: [],
    pendingAfter: [],
    cancelRequested: false,
    compensated: false,
  };
  setHandler(sagaReportQuery, () => report);
  CancellationScope.current().cancelRequested.catch(() => {
    report.cancelRequested = true;
  });

  const saga = new Saga();
  plan.steps.forEach((s, i) => {
    if (plan.commitAfter === i) saga.commit();
    saga.add(
      s.name,
      async () => {
        if (s.activityThenSleepMs !== undefined) {
          await undoActivity(s.name);
          report.ran.push(`${s.name}: activity done`);
          await sleep(s.activityThenSleepMs);
        }
        if (s.fails) throw new Error(`${s.name} broke`);
        report.ran.push(s.name);
      },
      { stopOnFailure: s.stopOnFailure },
    );
  });
  if (plan.commitAfter === plan.steps.length) saga.commit();

  report.pendingBefore = saga.pending;
  await saga.compensate((name, err) => {
    report.reported.push(err === undefined ? name : `${name}: ${err instanceof Error ? err.message : String(err)}`);
  });
  report.pendingAfter = saga.pending;
  report.compensated = true;
  return report;
}
