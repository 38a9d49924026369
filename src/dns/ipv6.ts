// IPv6 text the way BIND prints AAAA (its inet_ntop6): lower-case hex, the longest run of
// two or more zero groups as "::" (first one on a tie), and "::a.b.c.d" / "::ffff:a.b.c.d"
// for IPv4-compatible and IPv4-mapped addresses.
import net from 'node:net';

export function parseIPv6(text: string): Uint8Array | undefined {
  if (!net.isIPv6(text)) return undefined;
  let head = text;
  let v4: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    head = dotted[1].endsWith('::') ? dotted[1] : dotted[1].slice(0, -1);
    v4 = dotted[2].split('.').map(Number);
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const l = groups(left);
  const r = groups(right);
  const words = 8 - v4.length / 2;
  const all = right === undefined ? l : [...l, ...new Array<number>(words - l.length - r.length).fill(0), ...r];
  const bytes = new Uint8Array(16);
  all.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  v4.forEach((b, i) => (bytes[12 + i] = b));
  return bytes;
}

export function formatIPv6(bytes: Uint8Array): string {
  const words = Array.from({ length: 8 }, (_, i) => (bytes[2 * i] << 8) | bytes[2 * i + 1]);
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  words.forEach((w, i) => {
    if (w === 0) {
      cur = cur.base === -1 ? { base: i, len: 1 } : { base: cur.base, len: cur.len + 1 };
      if (cur.len > best.len) best = cur;
    } else {
      cur = { base: -1, len: 0 };
    }
  });
  if (best.len < 2) best = { base: -1, len: 0 };
  const v4 = `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  if (best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
    return best.len === 6 ? `::${v4}` : `::ffff:${v4}`;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === best.base) {
      out += '::';
      i += best.len - 1;
      continue;
    }
    out += (out && !out.endsWith(':') ? ':' : '') + words[i].toString(16);
  }
  return out;
}

/** Recent results: a zone check normalises each address several times (expected, served, per transport). */
const recent = new Map<string, string>();
const RECENT_MAX = 8192;

/** Canonical text of an IPv6 address, or the input unchanged when it does not parse. */
export function normaliseIPv6(text: string): string {
  const known = recent.get(text);
  if (known !== undefined) return known;
  const bytes = parseIPv6(text);
  const canonical = bytes ? formatIPv6(bytes) : text;
  if (recent.size >= RECENT_MAX) recent.clear();
  recent.set(text, canonical);
  return canonical;
}
