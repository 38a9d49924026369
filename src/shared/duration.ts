// Durations as people write them ("90m", "2d") and as the Web UI shows them ("1d 2h 3m").
// Pure: used by workflows, the config loader and the CLI alike.
import ms from 'ms';

/** Parses a duration such as "90m", "12h", "2d" or "-1h"; throws naming the bad value. */
export function parseDuration(value: string, field: string): number {
  const parsed = typeof value === 'string' ? ms(value.trim() as ms.StringValue) : undefined;
  if (typeof parsed !== 'number' || !Number.isFinite(parsed)) {
    throw new Error(`${field}: "${value}" is not a duration (examples: "90m", "12h", "2d", "-1h")`);
  }
  return parsed;
}

/** "1d 2h 3m 4s", leaving out zero parts ("0s" for nothing). */
export function formatDuration(msValue: number): string {
  const sign = msValue < 0 ? '-' : '';
  let rest = Math.abs(Math.round(msValue / 1000));
  const d = Math.floor(rest / 86400);
  rest -= d * 86400;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  const parts = [d && `${d}d`, h && `${h}h`, m && `${m}m`, (s || (!d && !h && !m)) && `${s}s`].filter(Boolean);
  return sign + parts.join(' ');
}

export const iso = (t: number): string => new Date(t).toISOString();
