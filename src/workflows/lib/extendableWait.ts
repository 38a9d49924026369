// A durable wait that an operator can see and move: the building block of the LB drain timer
// and of delayed teardowns. The end is shown in the timer summary and the current details,
// `waitStatus` reports it, and the `changeWait` update moves it (earlier only with force).
import { condition, setCurrentDetails, setHandler } from '@temporalio/workflow';
import { changeWaitUpdate, waitStatusQuery, type WaitChange, type WaitStatus } from '../../shared';
import { formatDuration, iso } from '../../shared/duration';
import { resolveNewEnd } from './waitRules';

export interface ExtendableWaitOptions {
  /** What is being waited for, e.g. "drain of lb1, lb2"; shown in the UI. */
  label: string;
  durationMs: number;
  /** Longest total wait an update may set, from the start. Default: 30 days. */
  maxTotalMs?: number;
  /** Extra lines for the current details (e.g. why the duration was chosen). */
  details?: string;
  /**
   * How often the workflow wakes to refresh "time left" in the UI and the query. Workflow
   * time only advances when the workflow runs, so this bounds how stale `remainingMs` can be.
   * Default: 1 hour (72 short timers for a 3-day drain).
   */
  refreshEveryMs?: number;
}

const DEFAULT_MAX_TOTAL_MS = 30 * 24 * 3600 * 1000;
const DEFAULT_REFRESH_MS = 3600 * 1000;

export async function extendableWait(opts: ExtendableWaitOptions): Promise<WaitStatus> {
  const startedAt = Date.now();
  const plannedEnd = startedAt + opts.durationMs;
  const maxTotalMs = opts.maxTotalMs ?? DEFAULT_MAX_TOTAL_MS;
  let end = plannedEnd;
  let done = false;
  const changes: WaitChange[] = [];

  const status = (): WaitStatus => ({
    label: opts.label,
    startedAt: iso(startedAt),
    plannedEnd: iso(plannedEnd),
    end: iso(end),
    remainingMs: done ? 0 : Math.max(0, end - Date.now()),
    asOf: iso(Date.now()),
    done,
    changes: [...changes],
  });

  setHandler(waitStatusQuery, status);
  setHandler(
    changeWaitUpdate,
    (req) => {
      const to = resolveNewEnd(req, { startedAtMs: startedAt, currentEndMs: end, maxTotalMs }, Date.now());
      changes.push({ at: iso(Date.now()), from: iso(end), to: iso(to), forced: to < end, reason: req.reason });
      end = to;
      return status();
    },
    {
      validator: (req) => {
        if (done) throw new Error(`the wait "${opts.label}" has already ended`);
        resolveNewEnd(req, { startedAtMs: startedAt, currentEndMs: end, maxTotalMs }, Date.now());
      },
    },
  );

  for (;;) {
    const remaining = end - Date.now();
    if (remaining <= 0) break;
    const endSeen = end;
    showDetails(opts, end, remaining, changes);
    // Wakes early when an update moves the end, and at least every refresh period so the
    // time left shown stays fresh; each pass re-arms a timer towards the current end.
    await condition(() => end !== endSeen, Math.min(remaining, opts.refreshEveryMs ?? DEFAULT_REFRESH_MS), {
      summary: `${opts.label}: wait until ${iso(end)}`,
    });
  }
  done = true;
  setCurrentDetails(`**${opts.label}**: wait ended at ${iso(Date.now())}` + changeLines(changes));
  return status();
}

function showDetails(opts: ExtendableWaitOptions, end: number, remaining: number, changes: WaitChange[]): void {
  setCurrentDetails(
    `**${opts.label}**: waiting until **${iso(end)}** (${formatDuration(remaining)} left).\n\n` +
      'Move the end with the `changeWait` update (`nsdeploy extend-wait <workflow-id> --by 12h`; ' +
      'earlier only with `--force`).' +
      (opts.details ? `\n\n${opts.details}` : '') +
      changeLines(changes),
  );
}

function changeLines(changes: WaitChange[]): string {
  if (changes.length === 0) return '';
  return (
    '\n\nChanges:\n\n' +
    changes
      .map((c) => `- ${c.at}: ${c.from} → ${c.to}${c.forced ? ' (forced)' : ''}${c.reason ? ` — ${c.reason}` : ''}`)
      .join('\n')
  );
}
