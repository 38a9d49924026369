// Edits a zone file in place the way an operator would: only the address of the A/AAAA records
// being moved and the SOA serial change; comments, layout and everything else stay as written.
// The caller proves the result with named-compilezone (see zoneAddressChange in activities).

export interface AddressEdit {
  /** Owner as written, made absolute with the $ORIGIN in effect (lower-case, trailing dot). */
  name: string;
  type: 'A' | 'AAAA';
  from: string;
  to: string;
}

export interface RewriteResult {
  text: string;
  serialBefore: number;
  serialAfter: number;
  edits: AddressEdit[];
}

interface Token {
  text: string;
  start: number;
  end: number;
  /** The token starts a physical line at column 0 (an owner, or a directive). */
  atLineStart: boolean;
}

/** Splits zone text into records of tokens: comments dropped, parentheses join lines. */
function records(text: string): Token[][] {
  const out: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  let i = 0;
  let lineStart = true;
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      if (depth === 0 && current.length) {
        out.push(current);
        current = [];
      }
      lineStart = true;
      i++;
      continue;
    }
    if (c === ';') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      lineStart = false;
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      depth += c === '(' ? 1 : -1;
      if (depth < 0) throw new Error(`unbalanced ")" at offset ${i}`);
      lineStart = false;
      i++;
      continue;
    }
    const start = i;
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
    } else {
      while (i < text.length && !/[\s;()"]/.test(text[i])) i += text[i] === '\\' ? 2 : 1;
    }
    current.push({ text: text.slice(start, i), start, end: i, atLineStart: lineStart && depth === 0 });
    lineStart = false;
  }
  if (current.length) out.push(current);
  return out;
}

const TTL = /^\d+[smhdw]?(\d+[smhdw])*$/i;
const CLASS = /^(IN|CH|HS|CLASS\d+)$/i;

function absolute(name: string, origin: string): string {
  if (name === '@') return origin;
  return (name.endsWith('.') ? name : `${name}.${origin}`).toLowerCase();
}

/**
 * Replaces the data of A/AAAA records whose address is a key of `moves`, and sets the SOA
 * serial to `nextSerial(old)`. Refuses zone files it cannot edit faithfully ($INCLUDE).
 */
export function rewriteZoneAddresses(
  text: string,
  originIn: string,
  moves: Record<string, string>,
  nextSerial: (old: number) => number,
): RewriteResult {
  let origin = originIn.toLowerCase().replace(/\.?$/, '.');
  let owner = origin;
  const patches: { start: number; end: number; text: string }[] = [];
  const edits: AddressEdit[] = [];
  let serialBefore: number | undefined;
  let serialAfter: number | undefined;

  for (const rec of records(text)) {
    let k = 0;
    const first = rec[0];
    if (first.atLineStart && first.text.startsWith('$')) {
      const directive = first.text.toUpperCase();
      if (directive === '$ORIGIN' && rec[1]) origin = absolute(rec[1].text, origin);
      else if (directive === '$INCLUDE')
        throw new Error('the zone uses $INCLUDE; nsdeploy edits only self-contained zone files');
      continue;
    }
    if (first.atLineStart) {
      owner = absolute(first.text, origin);
      k = 1;
    }
    while (k < rec.length && (TTL.test(rec[k].text) || CLASS.test(rec[k].text))) k++;
    const type = rec[k]?.text.toUpperCase();
    const rdata = rec.slice(k + 1);
    if ((type === 'A' || type === 'AAAA') && rdata.length === 1) {
      const to = moves[rdata[0].text.toLowerCase()];
      if (to !== undefined) {
        patches.push({ start: rdata[0].start, end: rdata[0].end, text: to });
        edits.push({ name: owner, type, from: rdata[0].text, to });
      }
    } else if (type === 'SOA' && owner === origin) {
      const serial = rdata[2];
      if (!serial || !/^\d+$/.test(serial.text)) throw new Error('the SOA record has no numeric serial');
      if (serialBefore !== undefined) throw new Error('the zone has two SOA records');
      serialBefore = Number(serial.text);
      serialAfter = nextSerial(serialBefore);
      patches.push({ start: serial.start, end: serial.end, text: String(serialAfter) });
    }
  }
  if (serialBefore === undefined || serialAfter === undefined) throw new Error(`no SOA record at the apex ${origin}`);
  let out = text;
  for (const p of patches.sort((a, b) => b.start - a.start)) out = out.slice(0, p.start) + p.text + out.slice(p.end);
  return { text: out, serialBefore, serialAfter, edits };
}

/** A date-style serial moves to today's YYYYMMDD00 if that is higher; any serial goes up by one. */
export function nextSerial(old: number, now: Date): number {
  const today = Number(now.toISOString().slice(0, 10).replace(/-/g, '')) * 100;
  const next = old >= 1_000_000_000 && today > old ? today : old + 1;
  return next % 2 ** 32;
}
