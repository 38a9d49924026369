// What the operator sees of any workflow: a status object (the `status` query's answer) with a
// bounded list of timestamped events, and the Web UI's current details drawn from it.
import { setCurrentDetails } from '@temporalio/workflow';
import type { StatusBase } from '../../shared';

const MAX_EVENTS = 40;

export abstract class StatusTracker<S extends StatusBase> {
  constructor(readonly status: S) {}

  event(text: string): void {
    const at = new Date(Date.now()).toISOString().slice(11, 19);
    this.status.events.push(`${at} ${text}`);
    if (this.status.events.length > MAX_EVENTS) this.status.events.splice(0, this.status.events.length - MAX_EVENTS);
    this.render();
  }

  /** Redraws the current details (Markdown): the workflow's own lines, then error and recent events. */
  render(): void {
    const s = this.status;
    const tail = [...(s.error ? ['', `**Error:** ${s.error}`] : []), '', 'Recent:', ''];
    setCurrentDetails([...this.details(), ...tail, ...s.events.slice(-8).map((e) => `- ${e}`)].join('\n'));
  }

  /** The workflow's own lines of the current details, above the error and the recent events. */
  protected abstract details(): string[];
}
