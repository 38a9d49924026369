// Pure rules for changing a wait's end: what a request means and why it is refused.
// Kept free of Temporal APIs so the same rules are unit-tested and used by the update validator.
import { formatDuration, iso, parseDuration } from '../../shared/duration';
import type { ChangeWaitRequest } from '../../shared/wait';

export interface WaitLimits {
  startedAtMs: number;
  currentEndMs: number;
  /** Longest the whole wait may last from its start; catches "extend by 200d" typos. */
  maxTotalMs: number;
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Returns the new end (epoch ms) a request asks for, or throws an Error whose message says
 * exactly what is wrong. `nowMs` is workflow time.
 */
export function resolveNewEnd(req: ChangeWaitRequest, limits: WaitLimits, nowMs: number): number {
  if (req === null || typeof req !== 'object')
    throw new Error('request: expected an object like { "extendBy": "12h" }');
  const hasBy = req.extendBy !== undefined;
  const hasUntil = req.until !== undefined;
  if (hasBy === hasUntil)
    throw new Error(
      'request: give exactly one of extendBy (e.g. "12h") or until (ISO time, e.g. "2026-12-01T09:00:00Z")',
    );
  if (req.force !== undefined && typeof req.force !== 'boolean') throw new Error('force: must be true or false');
  if (req.reason !== undefined && (typeof req.reason !== 'string' || req.reason.length > 500))
    throw new Error('reason: must be text of at most 500 characters');

  let newEnd: number;
  if (hasBy) {
    if (typeof req.extendBy !== 'string') throw new Error('extendBy: must be a duration string such as "12h"');
    const delta = parseDuration(req.extendBy, 'extendBy');
    if (delta === 0) throw new Error('extendBy: must not be zero');
    newEnd = limits.currentEndMs + delta;
  } else {
    if (typeof req.until !== 'string' || !ISO_WITH_ZONE.test(req.until) || Number.isNaN(Date.parse(req.until))) {
      throw new Error(
        `until: "${String(req.until)}" is not an ISO 8601 time with a zone (e.g. "2026-12-01T09:00:00Z")`,
      );
    }
    newEnd = Date.parse(req.until);
  }

  if (newEnd === limits.currentEndMs) throw new Error(`the wait already ends at ${iso(newEnd)}`);
  if (newEnd < limits.currentEndMs && !req.force) {
    throw new Error(
      `this would shorten the wait from ${iso(limits.currentEndMs)} to ${iso(newEnd)}; ` +
        'the end was chosen to be safe, so shortening needs force: true (nsdeploy extend-wait --force)',
    );
  }
  if (newEnd <= nowMs && !req.force) throw new Error(`the new end ${iso(newEnd)} is in the past (now ${iso(nowMs)})`);
  const latest = limits.startedAtMs + limits.maxTotalMs;
  if (newEnd > latest) {
    throw new Error(
      `the new end ${iso(newEnd)} is beyond the longest allowed wait of ${formatDuration(limits.maxTotalMs)} ` +
        `from its start (${iso(latest)})`,
    );
  }
  return newEnd;
}
