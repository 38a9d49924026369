// RR type mnemonics: BIND's names ↔ the names dns-packet understands. dns-packet knows most
// common types but not all (e.g. URI, SVCB, HTTPS); those travel as "UNKNOWN_<n>".
import dnsTypes from 'dns-packet/types';

/** Types BIND knows that dns-packet's table lacks (IANA numbers). */
const EXTRA_TYPES: Record<string, number> = {
  MB: 7,
  MG: 8,
  MR: 9,
  WKS: 11,
  MINFO: 14,
  X25: 19,
  ISDN: 20,
  RT: 21,
  NSAP: 22,
  'NSAP-PTR': 23,
  PX: 26,
  GPOS: 27,
  NXT: 30,
  EID: 31,
  NIMLOC: 32,
  ATMA: 34,
  A6: 38,
  SINK: 40,
  SMIMEA: 53,
  NINFO: 56,
  RKEY: 57,
  TALINK: 58,
  OPENPGPKEY: 61,
  CSYNC: 62,
  ZONEMD: 63,
  SVCB: 64,
  HTTPS: 65,
  UINFO: 100,
  UID: 101,
  GID: 102,
  UNSPEC: 103,
  NID: 104,
  L32: 105,
  L64: 106,
  LP: 107,
  EUI48: 108,
  EUI64: 109,
  URI: 256,
  AVC: 258,
  DOA: 259,
  AMTRELAY: 260,
  RESINFO: 261,
};
const EXTRA_BY_NUMBER = new Map(Object.entries(EXTRA_TYPES).map(([k, v]) => [v, k]));

/** BIND mnemonic (or TYPEnnn) → IANA number, or undefined when unknown. */
export function typeNumber(bindName: string): number | undefined {
  const upper = bindName.toUpperCase();
  const generic = /^TYPE(\d+)$/.exec(upper);
  if (generic) return Number(generic[1]);
  if (upper in EXTRA_TYPES) return EXTRA_TYPES[upper];
  const n = dnsTypes.toType(upper);
  return n === 0 ? undefined : n;
}

/** BIND mnemonic → the type string dns-packet will encode correctly. */
export function toPacketType(bindName: string): string | undefined {
  const n = typeNumber(bindName);
  if (n === undefined) return undefined;
  const known = dnsTypes.toString(n);
  return known.startsWith('UNKNOWN_') ? `UNKNOWN_${n}` : known;
}

/** dns-packet's decoded type string → BIND's mnemonic (TYPEnnn when BIND has none). */
export function fromPacketType(packetType: string): string {
  if (!packetType.startsWith('UNKNOWN_')) return packetType;
  const unknown = /^UNKNOWN_(\d+)$/.exec(packetType);
  if (!unknown) return packetType;
  const n = Number(unknown[1]);
  return EXTRA_BY_NUMBER.get(n) ?? `TYPE${n}`;
}
