// The only module that talks to dns-packet directly: builds our queries and turns answers
// into plain typed records. dns-packet's own typings are looser than what it decodes (SPF and
// unknown types arrive as raw Buffers), so records keep `data: unknown` and the formatter
// narrows it per type.
import dnsPacket from 'dns-packet';
import dnsRcodes from 'dns-packet/rcodes';
import { escapeCharString } from './text';

/** One decoded resource record (never the OPT pseudo-record). */
export interface DecodedRecord {
  /** dns-packet's name string: labels joined by ".", no trailing dot. */
  name: string;
  /** dns-packet's type string ("A", "UNKNOWN_256"). */
  type: string;
  class: string;
  ttl: number;
  data: unknown;
}

/** A question in dns-packet's spelling. */
export interface WireQuestion {
  name: string;
  type: string;
  class: string;
}

export interface QueryFlags {
  recursionDesired: boolean;
  edns: boolean;
  udpPayloadSize: number;
  nsid: boolean;
}

export interface EdnsInfo {
  udpPayloadSize: number;
  version: number;
  extendedRcode: number;
  options: { code: number; data: Buffer }[];
}

export interface DecodedMessage {
  id: number;
  isResponse: boolean;
  rcode: string;
  flags: { aa: boolean; tc: boolean; rd: boolean; ra: boolean; ad: boolean; cd: boolean };
  questions: WireQuestion[];
  answers: DecodedRecord[];
  authorities: DecodedRecord[];
  additionals: DecodedRecord[];
  edns?: EdnsInfo;
}

const NSID_OPTION = 3;

function queryPacket(id: number, q: WireQuestion, f: QueryFlags): dnsPacket.Packet {
  // dns-packet writes an option with `data` verbatim; an empty NSID option is the request.
  // @types/dns-packet lists only the options it decodes (not NSID); the encoder takes any code.
  const nsid: { code: number; data: Buffer } = { code: NSID_OPTION, data: Buffer.alloc(0) };
  const options = f.nsid ? [nsid as dnsPacket.PacketOpt] : [];
  const opt: dnsPacket.OptAnswer = {
    type: 'OPT',
    name: '.',
    udpPayloadSize: f.udpPayloadSize,
    extendedRcode: 0,
    ednsVersion: 0,
    flags: 0,
    flag_do: false,
    options,
  };
  return {
    type: 'query',
    id,
    flags: f.recursionDesired ? dnsPacket.RECURSION_DESIRED : 0,
    questions: [{ name: q.name, type: q.type as dnsPacket.RecordType, class: q.class as dnsPacket.RecordClass }],
    additionals: f.edns ? [opt] : [],
  };
}

export function encodeQuery(id: number, q: WireQuestion, f: QueryFlags): Buffer {
  return dnsPacket.encode(queryPacket(id, q, f));
}

/** The message id, readable even when the rest does not decode. */
export function readId(buf: Buffer): number | undefined {
  return buf.length >= 2 ? buf.readUInt16BE(0) : undefined;
}

interface RawRecord {
  name: string;
  type: string;
  class?: string;
  ttl?: number;
  data?: unknown;
  udpPayloadSize?: number;
  extendedRcode?: number;
  ednsVersion?: number;
  options?: { code: number; data?: Buffer }[];
}

function plainRecord(r: RawRecord): DecodedRecord {
  return { name: r.name, type: r.type, class: r.class ?? 'IN', ttl: r.ttl ?? 0, data: r.data };
}

/** Decode a whole message (no length prefix). Throws on malformed input. */
export function decodeMessage(buf: Buffer): DecodedMessage {
  const p = dnsPacket.decode(buf);
  const additionalsRaw = (p.additionals ?? []) as RawRecord[];
  const optRaw = additionalsRaw.find((r) => r.type === 'OPT');
  const edns: EdnsInfo | undefined = optRaw && {
    udpPayloadSize: optRaw.udpPayloadSize ?? 0,
    version: optRaw.ednsVersion ?? 0,
    extendedRcode: optRaw.extendedRcode ?? 0,
    options: (optRaw.options ?? []).map((o) => ({ code: o.code, data: o.data ?? Buffer.alloc(0) })),
  };
  // The header keeps the low 4 bits of the rcode; EDNS carries the upper 8 (RFC 6891).
  const rcodeValue = ((edns?.extendedRcode ?? 0) << 4) | ((p.flags ?? 0) & 0xf);
  return {
    id: p.id ?? 0,
    isResponse: p.flag_qr,
    rcode: rcodeValue === 16 ? 'BADVERS' : dnsRcodes.toString(rcodeValue),
    flags: { aa: p.flag_aa, tc: p.flag_tc, rd: p.flag_rd, ra: p.flag_ra, ad: p.flag_ad, cd: p.flag_cd },
    questions: (p.questions ?? []).map((q) => ({ name: q.name, type: q.type, class: q.class ?? 'IN' })),
    answers: ((p.answers ?? []) as RawRecord[]).map(plainRecord),
    authorities: ((p.authorities ?? []) as RawRecord[]).map(plainRecord),
    additionals: additionalsRaw.filter((r) => r.type !== 'OPT').map(plainRecord),
    edns,
  };
}

/** The NSID option's payload as text (BIND-style escapes for non-printable bytes). */
export function nsidOf(edns: EdnsInfo | undefined): string | undefined {
  const opt = edns?.options.find((o) => o.code === NSID_OPTION);
  return opt && opt.data.length > 0 ? escapeCharString(opt.data) : undefined;
}
