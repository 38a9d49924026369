// What a zone change changes, RRset by RRset: the records the live servers serve against the
// zone file's, both as named-compilezone prints them (zone.ts), so equal data is equal text.
// The SOA is compared without its serial (the serial is chosen separately, serial.ts); a change
// of any other SOA field is a change.
import type { RRsetChange } from '../shared/zonePlan';
import { parseName } from './names';
import type { ZoneRecord } from './zone';

interface RRset {
  name: string;
  type: string;
  ttl: number;
  data: string[];
}

const SOA_SERIAL_FIELD = 2;

/** The SOA's data with the serial left out, for comparison only. */
const withoutSerial = (rdata: string) =>
  rdata
    .trim()
    .split(/\s+/)
    .map((f, i) => (i === SOA_SERIAL_FIELD ? '*' : f))
    .join(' ');

function rrsets(records: ZoneRecord[]): Map<string, RRset> {
  const sets = new Map<string, RRset>();
  for (const r of records) {
    const key = `${r.name}\u0000${r.type}`;
    const set = sets.get(key);
    if (set) {
      if (!set.data.includes(r.rdata)) set.data.push(r.rdata);
      // BIND serves one TTL per RRset (the first; it warns about the others): keep the lowest.
      set.ttl = Math.min(set.ttl, r.ttl);
    } else {
      sets.set(key, { name: r.name, type: r.type, ttl: r.ttl, data: [r.rdata] });
    }
  }
  for (const set of sets.values()) set.data.sort();
  return sets;
}

function sameData(type: string, a: string[], b: string[]): boolean {
  const comparable = type === 'SOA' ? (d: string) => withoutSerial(d) : (d: string) => d;
  return a.length === b.length && a.every((d, i) => comparable(d) === comparable(b[i]));
}

/** ASCII letters to lower case, other bytes as they are (RFC 4034 §6.2). */
const lowerAscii = (label: Buffer) => Buffer.from(label.map((b) => (b >= 0x41 && b <= 0x5a ? b + 0x20 : b)));

/** Labels from the root down, lower case: DNS canonical order (RFC 4034 §6.1) compares these. */
function canonicalLabels(name: string): Buffer[] {
  try {
    return parseName(name).reverse().map(lowerAscii);
  } catch {
    // Not a name parseName accepts: some stable order all the same.
    return name
      .toLowerCase()
      .split('.')
      .reverse()
      .map((l) => Buffer.from(l));
  }
}

/** DNS canonical name order: the apex first, then each name followed by the names below it. */
export function compareNames(a: string, b: string): number {
  const la = canonicalLabels(a);
  const lb = canonicalLabels(b);
  for (let i = 0; i < Math.min(la.length, lb.length); i++) {
    const c = Buffer.compare(la[i], lb[i]);
    if (c !== 0) return c;
  }
  return la.length - lb.length;
}

/**
 * The RRsets added, removed or changed (TTL or data) from `live` to `file`, sorted by name
 * (DNS canonical order) then type. Data is each RRset's records' presentation text, sorted.
 */
export function diffZones(live: ZoneRecord[], file: ZoneRecord[]): RRsetChange[] {
  const before = rrsets(live);
  const after = rrsets(file);
  const changes: RRsetChange[] = [];
  const side = (s: RRset) => ({ ttl: s.ttl, data: s.data });
  for (const [key, b] of before) {
    const a = after.get(key);
    if (!a) changes.push({ kind: 'removed', name: b.name, type: b.type, before: side(b) });
    else if (a.ttl !== b.ttl || !sameData(a.type, a.data, b.data))
      changes.push({ kind: 'changed', name: a.name, type: a.type, before: side(b), after: side(a) });
  }
  for (const [key, a] of after) {
    if (!before.has(key)) changes.push({ kind: 'added', name: a.name, type: a.type, after: side(a) });
  }
  return changes.sort((x, y) => compareNames(x.name, y.name) || x.type.localeCompare(y.type));
}
