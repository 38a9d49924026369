// The common part of what the operator sees of any workflow here: a status object (returned by
// the `status` query) with a phase, kept in the DeployPhase search attribute, and a bounded
// list of timestamped events; subclasses draw the Web UI's current details from it.
import { upsertSearchAttributes } from '@temporalio/workflow';
import { DEPLOY_PHASE, FLEET } from '../../shared';

const MAX_EVENTS = 40;

export abstract class PhaseTracker<S extends { phase: string; fleet: string; events: string[] }> {
  constructor(readonly status: S) {
    upsertSearchAttributes([{ key: FLEET, value: status.fleet }, { key: DEPLOY_PHASE, value: status.phase }]);
  }

  phase(phase: S['phase'], note?: string): void {
    this.status.phase = phase;
    upsertSearchAttributes([{ key: DEPLOY_PHASE, value: phase }]);
    this.event(note ? `${phase}: ${note}` : phase);
  }

  event(text: string): void {
    const at = new Date(Date.now()).toISOString().slice(11, 19);
    this.status.events.push(`${at} ${text}`);
    if (this.status.events.length > MAX_EVENTS) this.status.events.splice(0, this.status.events.length - MAX_EVENTS);
    this.render();
  }

  /** Redraws the current details (Markdown) from the status. */
  abstract render(): void;
}
