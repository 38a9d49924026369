// Workflow interceptor for the chaos benchmark (bundled only into the chaos worker, never into
// nsdeploy's own): every time a workflow schedules an activity it tells the worker through a
// sink, and the worker decides whether to die right there (bench/chaos/worker.ts).
import {
  proxySinks,
  type ActivityInput,
  type Next,
  type Sinks,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

export interface ChaosSinks extends Sinks {
  chaos: { boundary(activityType: string, seq: number): void };
}

const { chaos } = proxySinks<ChaosSinks>();

class KillAtBoundary implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
    chaos.boundary(input.activityType, input.seq);
    return next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ outbound: [new KillAtBoundary()] });
