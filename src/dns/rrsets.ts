// The expected zone as RRsets (owner + type), each with the role it plays in the zone, which
// decides where in a server's answer it is found:
//   authoritative — answer section, AA set (everything above zone cuts, plus DS at a cut)
//   delegation    — NS at a zone cut below the apex: a referral (AA clear, authority section)
//   glue          — A/AAAA at or below a cut: only in a referral's additional section
//   occluded      — other data at or below a cut: not served by the parent, not checked
import { isAtOrBelow } from './names';
import type { Zone, ZoneRecord } from './zone';

export type RRsetRole = 'authoritative' | 'delegation' | 'glue' | 'occluded';

export interface ExpectedRRset {
  name: string;
  type: string;
  class: string;
  /** The TTL BIND serves for the set (the lowest, should the file disagree). */
  ttl: number;
  rdata: string[];
  role: RRsetRole;
  /** For delegation / glue / occluded: the zone cut it sits at or below. */
  cut?: string;
}

function roleOf(r: ZoneRecord, cuts: string[]): { role: RRsetRole; cut?: string } {
  // The deepest cut wins when delegations nest (a parent must not even hold those, but be exact).
  let cut: string | undefined;
  for (const c of cuts) if (isAtOrBelow(r.name, c) && (cut === undefined || c.length > cut.length)) cut = c;
  if (cut === undefined) return { role: 'authoritative' };
  if (r.name === cut && r.type === 'NS') return { role: 'delegation', cut };
  if (r.name === cut && r.type === 'DS') return { role: 'authoritative' }; // DS lives in the parent.
  if (r.type === 'A' || r.type === 'AAAA') return { role: 'glue', cut };
  return { role: 'occluded', cut };
}

export function groupRRsets(zone: Zone): ExpectedRRset[] {
  const cuts = [...new Set(zone.records.filter((r) => r.type === 'NS' && r.name !== zone.origin).map((r) => r.name))];
  const sets = new Map<string, ExpectedRRset>();
  for (const r of zone.records) {
    const key = `${r.name}\u0000${r.type}\u0000${r.class}`;
    const existing = sets.get(key);
    if (existing) {
      existing.rdata.push(r.rdata);
      existing.ttl = Math.min(existing.ttl, r.ttl);
    } else {
      sets.set(key, { name: r.name, type: r.type, class: r.class, ttl: r.ttl, rdata: [r.rdata], ...roleOf(r, cuts) });
    }
  }
  return [...sets.values()];
}
