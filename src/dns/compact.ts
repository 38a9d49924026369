// Keep a comparison small enough for Temporal history: a cap on the number of differences and
// skipped checks, on the values listed per difference, and on the length of each value (a
// 4 KB TXT record is not worth repeating). Counts of what was left out stay in the result.
import type { Difference, ZoneComparison } from './difference';

export interface CompactLimits {
  maxDifferences?: number;
  maxSkipped?: number;
  maxValuesPerDifference?: number;
  maxValueLength?: number;
}

export interface CompactZoneComparison extends ZoneComparison {
  /** Differences beyond maxDifferences, not listed. */
  differencesOmitted: number;
  skippedOmitted: number;
}

export const COMPACT_DEFAULTS: Required<CompactLimits> = {
  maxDifferences: 200,
  maxSkipped: 50,
  maxValuesPerDifference: 10,
  maxValueLength: 200,
};

function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (${value.length} chars)`;
}

function clipList(values: string[], l: Required<CompactLimits>): string[] {
  const shown = values.slice(0, l.maxValuesPerDifference).map((v) => clip(v, l.maxValueLength));
  return values.length > shown.length ? [...shown, `… and ${values.length - shown.length} more`] : shown;
}

function compactDifference(d: Difference, l: Required<CompactLimits>): Difference {
  if (d.kind === 'data')
    return { ...d, expectedOnly: clipList(d.expectedOnly, l), actualOnly: clipList(d.actualOnly, l) };
  if (d.kind === 'error') return { ...d, message: clip(d.message, l.maxValueLength * 2) };
  return d;
}

export function compactComparison(c: ZoneComparison, limits: CompactLimits = {}): CompactZoneComparison {
  const l = { ...COMPACT_DEFAULTS, ...limits };
  return {
    ...c,
    differences: c.differences.slice(0, l.maxDifferences).map((d) => compactDifference(d, l)),
    differencesOmitted: Math.max(0, c.differences.length - l.maxDifferences),
    skipped: c.skipped.slice(0, l.maxSkipped),
    skippedOmitted: Math.max(0, c.skipped.length - l.maxSkipped),
  };
}
