// Compensations registered next to the step they undo, run newest first on failure or abort.
// They run in a non-cancellable scope: an abort must not interrupt putting things back.
import { CancellationScope, log } from '@temporalio/workflow';

export class Saga {
  private readonly steps: { name: string; undo: () => Promise<void>; stopOnFailure: boolean }[] = [];

  /**
   * Register how to undo what was just done. With `stopOnFailure`, a failure of this undo
   * leaves the older steps undone (e.g. never delete LBs the glue may still point at).
   */
  add(name: string, undo: () => Promise<void>, opts: { stopOnFailure?: boolean } = {}): void {
    this.steps.push({ name, undo, stopOnFailure: opts.stopOnFailure ?? false });
  }

  /** Forget every compensation: past this point the change is committed. */
  commit(): void {
    this.steps.length = 0;
  }

  get pending(): string[] {
    return this.steps.map((s) => s.name);
  }

  /**
   * Undo everything, newest first; one failing compensation does not stop the others, unless
   * it was registered with `stopOnFailure` (then the rest stay pending and are reported).
   */
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
          if (step.stopOnFailure) return;
        }
      }
    });
  }
}
