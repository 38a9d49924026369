// The result of comparing a zone with a server: a flat list of differences, each naming the
// server, the transport asked for, the owner name and the type. Plain JSON (it ends up in
// Temporal history).
import type { TransportMode } from './types';

export interface DifferenceBase {
  /** "127.0.0.1:5300" */
  server: string;
  /** The transport the comparison asked for ("auto" = UDP following TC to TCP). */
  transport: TransportMode;
  /** Owner name, absolute, lower case. */
  name: string;
  type: string;
}

export type Difference =
  /** The server has no such RRset: NXDOMAIN, NODATA, or (for a delegation) no referral. */
  | (DifferenceBase & { kind: 'missing'; reason: 'NXDOMAIN' | 'NODATA' | 'NO-REFERRAL'; detail?: string })
  /** RDATA sets differ (normalised comparison); values in presentation form. */
  | (DifferenceBase & { kind: 'data'; expectedOnly: string[]; actualOnly: string[] })
  | (DifferenceBase & { kind: 'ttl'; expected: number; actual: number })
  /** AA clear on data the server should be authoritative for. */
  | (DifferenceBase & { kind: 'not-authoritative' })
  | (DifferenceBase & { kind: 'serial'; expected: number; actual: number })
  /** An rcode other than NOERROR / NXDOMAIN (REFUSED, SERVFAIL, …). */
  | (DifferenceBase & { kind: 'rcode'; rcode: string })
  /** The query failed (timeout, refused, bad answer); `error` is the error class. */
  | (DifferenceBase & { kind: 'error'; error: string; message: string })
  /** UDP-only comparison and the answer had TC set: its data could not be checked. */
  | (DifferenceBase & { kind: 'truncated' })
  /** Present with the right TTL, but we cannot print this type to compare its RDATA. */
  | (DifferenceBase & { kind: 'unsupported-type'; detail: string })
  /** The owner name cannot be encoded by dns-packet (a "." or non-UTF-8 byte inside a label). */
  | (DifferenceBase & { kind: 'unsupported-name'; detail: string });

export type DifferenceKind = Difference['kind'];

/** A check deliberately not made, with the reason (e.g. glue the referral did not carry). */
export interface SkippedCheck {
  name: string;
  type: string;
  transport?: TransportMode;
  reason: string;
}

export interface ZoneComparison {
  server: string;
  origin: string;
  transports: TransportMode[];
  /** No differences. */
  ok: boolean;
  recordsChecked: number;
  rrsetsChecked: number;
  queriesSent: number;
  differences: Difference[];
  skipped: SkippedCheck[];
  /** Distinct NSIDs seen in the answers (more than one: several backends answered). */
  nsids: string[];
  durationMs: number;
}

const KIND_ORDER: DifferenceKind[] = [
  'error',
  'rcode',
  'truncated',
  'missing',
  'not-authoritative',
  'serial',
  'data',
  'ttl',
  'unsupported-type',
  'unsupported-name',
];

/** Stable order (name, type, transport, kind) so that equal comparisons give equal output. */
export function sortDifferences(diffs: Difference[]): Difference[] {
  return [...diffs].sort(
    (a, b) =>
      a.name.localeCompare(b.name) ||
      a.type.localeCompare(b.type) ||
      a.transport.localeCompare(b.transport) ||
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind),
  );
}

/** One line per difference, for logs and error messages. */
export function describeDifference(d: Difference): string {
  const where = `${d.name} ${d.type} @${d.server}/${d.transport}`;
  switch (d.kind) {
    case 'missing':
      return `${where}: missing (${d.reason}${d.detail ? `: ${d.detail}` : ''})`;
    case 'data':
      return (
        `${where}: data differs; expected only [${d.expectedOnly.join(' | ')}], ` +
        `served only [${d.actualOnly.join(' | ')}]`
      );
    case 'ttl':
      return `${where}: TTL ${d.actual}, expected ${d.expected}`;
    case 'not-authoritative':
      return `${where}: answer not authoritative (AA clear)`;
    case 'serial':
      return `${where}: SOA serial ${d.actual}, expected ${d.expected}`;
    case 'rcode':
      return `${where}: rcode ${d.rcode}`;
    case 'error':
      return `${where}: ${d.error}: ${d.message}`;
    case 'truncated':
      return `${where}: UDP answer truncated (TC), data not checked`;
    case 'unsupported-type':
    case 'unsupported-name':
      return `${where}: ${d.kind}: ${d.detail}`;
  }
}

/** Several zones compared on one server, as one comparison (origins listed, counts added up). */
export function mergeComparisons(parts: ZoneComparison[]): ZoneComparison {
  if (parts.length === 1) return parts[0];
  return {
    server: parts[0]?.server ?? '',
    origin: parts.map((p) => p.origin).join(', '),
    transports: [...new Set(parts.flatMap((p) => p.transports))],
    ok: parts.every((p) => p.ok),
    recordsChecked: parts.reduce((n, p) => n + p.recordsChecked, 0),
    rrsetsChecked: parts.reduce((n, p) => n + p.rrsetsChecked, 0),
    queriesSent: parts.reduce((n, p) => n + p.queriesSent, 0),
    differences: sortDifferences(parts.flatMap((p) => p.differences)),
    skipped: parts.flatMap((p) => p.skipped),
    nsids: [...new Set(parts.flatMap((p) => p.nsids))].sort(),
    durationMs: parts.reduce((n, p) => n + p.durationMs, 0),
  };
}
