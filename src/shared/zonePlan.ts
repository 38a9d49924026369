// A zone as a change plans it: what the live fleet serves against the zone file, RRset by RRset,
// and the serial it will serve.

/** One RRset that a change adds, removes or changes (TTL or data), as the plan shows it. */
export interface RRsetChange {
  kind: 'added' | 'removed' | 'changed';
  /** Owner name, absolute with the trailing dot ("www.example.test."). */
  name: string;
  type: string;
  /** What the live fleet serves (absent when added) and what the zone file says (absent when removed). */
  before?: { ttl: number; data: string[] };
  after?: { ttl: number; data: string[] };
}

/** A zone as the deploy plans it: what the live fleet serves, what changes, and the serial it will serve. */
export interface ZonePlan {
  domain: string;
  file: string;
  records: number;
  rrsets: number;
  /** The serial in the zone file as it stands. */
  fileSerial: number;
  /** The serial the live nameservers serve (the highest, if they disagree); absent if none serves the zone. */
  liveSerial?: number;
  /** Live nameservers read, and what each serves ("ns1 2026120100"). */
  live: string[];
  /** RRsets added, removed or changed from the live content to the zone file (the SOA serial left out). */
  changes: RRsetChange[];
  /** Changes beyond the ones listed (a plan is bounded, for workflow history). */
  changesOmitted?: number;
  /** Every change counted by kind (listed or not); absent in plans from before it was counted. */
  counts?: { added: number; removed: number; changed: number };
  /** RRsets the live servers serve (the highest serial's); absent when none serves the zone. */
  liveRrsets?: number;
  /** Each live server and the serial it serves (none: it has no file for the zone). */
  servers?: { label: string; serial?: number }[];
  /** The serial every server will serve: above the live one when the content changed, the live one when not. */
  serial: number;
  /** Why that serial, in one line. */
  serialNote: string;
}

/** "+ www.example.test. A 300 [192.0.2.1]", "- …", "~ … 300 [a] → 300 [b]": one line a change. */
export function describeChange(c: RRsetChange): string {
  const show = (s?: { ttl: number; data: string[] }) => (s ? `${s.ttl} [${s.data.join(' | ')}]` : '');
  switch (c.kind) {
    case 'added':
      return `+ ${c.name} ${c.type} ${show(c.after)}`;
    case 'removed':
      return `- ${c.name} ${c.type} ${show(c.before)}`;
    case 'changed':
      return `~ ${c.name} ${c.type} ${show(c.before)} → ${show(c.after)}`;
  }
}
