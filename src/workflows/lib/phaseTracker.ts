// A status tracker for a change that moves through phases: each phase is kept in the
// DeployPhase search attribute (filter the Web UI with `DeployPhase = "drain"`) and logged.
import { upsertSearchAttributes } from '@temporalio/workflow';
import { DEPLOY_PHASE, FLEET, type StatusBase } from '../../shared';
import { StatusTracker } from './statusTracker';

export abstract class PhaseTracker<S extends StatusBase> extends StatusTracker<S> {
  constructor(status: S) {
    super(status);
    upsertSearchAttributes([
      { key: FLEET, value: status.fleet },
      { key: DEPLOY_PHASE, value: status.phase },
    ]);
  }

  phase(phase: S['phase'], note?: string): void {
    this.status.phase = phase;
    upsertSearchAttributes([{ key: DEPLOY_PHASE, value: phase }]);
    this.event(note ? `${phase}: ${note}` : phase);
  }
}
