// Compensations registered next to the step they undo, run newest first on failure or abort.
// They run in a non-cancellable scope: an abort must not interrupt putting things back.
import { CancellationScope, log } from '@temporalio/workflow';

export class Saga {
  private readonly steps: { name: string; undo: () => Promise<void> }[] = [];

  /** Register how to undo what was just done. */
  add(name: string, undo: () => Promise<void>): void {
    this.steps.push({ name, undo });
  }

  /** Forget every compensation: past this point the change is committed. */
  commit(): void {
    this.steps.length = 0;
  }

  get pending(): string[] {
    return this.steps.map((s) => s.name);
  }

  /** Undo everything, newest first; one failing compensation does not stop the others. */
  async compensate(onStep: (name: string, error?: unknown) => void): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      while (this.steps.length > 0) {
        const step = this.steps.pop()!;
        try {
          await step.undo();
          onStep(step.name);
        } catch (err) {
          log.error('compensation failed', { step: step.name, error: String(err) });
          onStep(step.name, err);
        }
      }
    });
  }
}
