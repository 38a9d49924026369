// Comparable form of presentation RDATA: the same value printed by named-compilezone and by
// rdata.ts must normalise to the same string. Domain names compare case-insensitively, AAAA
// by value, hex fields without BIND's chunking; character-strings stay case-sensitive.
import { normaliseIPv6 } from './ipv6';

/** Leading numeric fields before the hex blob, per type. */
const HEX_TAIL_AFTER: Record<string, number> = { DS: 3, CDS: 3, TLSA: 3, SMIMEA: 3, SSHFP: 2 };

/** Types whose RDATA holds only domain names and numbers. */
const NAMES_AND_NUMBERS = new Set([
  'NS',
  'CNAME',
  'DNAME',
  'PTR',
  'MX',
  'SRV',
  'SOA',
  'KX',
  'RT',
  'AFSDB',
  'MB',
  'MG',
  'MR',
  'MINFO',
  'RP',
]);

export function normaliseRdata(type: string, rdata: string): string {
  const text = rdata.trim();
  if (type === 'AAAA') return normaliseIPv6(text);
  if (NAMES_AND_NUMBERS.has(type)) return text.replace(/\s+/g, ' ').toLowerCase();
  const fixed = HEX_TAIL_AFTER[type];
  if (fixed !== undefined) {
    const tokens = text.split(/\s+/);
    return [...tokens.slice(0, fixed), tokens.slice(fixed).join('').toUpperCase()].join(' ');
  }
  if (type === 'NAPTR') {
    // The replacement (a domain name) is the last token and never quoted.
    const cut = text.lastIndexOf(' ');
    return `${text.slice(0, cut)} ${text.slice(cut + 1).toLowerCase()}`;
  }
  if (type === 'CAA') {
    // "<flags> <tag> <value>": tags are case-insensitive (RFC 8659), the value is not.
    const m = /^(\d+)\s+(\S+)\s+(.*)$/s.exec(text);
    return m ? `${m[1]} ${m[2].toLowerCase()} ${m[3]}` : text;
  }
  return text;
}
