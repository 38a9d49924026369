// The only module that talks to dns-packet directly: builds our queries and turns answers
// into plain typed records. dns-packet's own typings are looser than what it decodes (SPF and
// unknown types arrive as raw Buffers), so records keep `data: unknown` and the formatter
// narrows it per type.
import dnsPacket from 'dns-packet';
import dnsRcodes from 'dns-packet/rcodes';
import { escapeCharString } from './text';
import { skipRecord } from './wire';

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

/** Recently encoded queries (id 0): a zone check asks each question once per transport. */
const templates = new Map<string, Buffer>();
const TEMPLATES_MAX = 4096;

/** The query with this id, encoded from a copy of a cached template when there is one. */
export function encodeQueryFast(id: number, q: WireQuestion, f: QueryFlags): Buffer {
  const key = `${q.name}\0${q.type}\0${q.class}\0${+f.recursionDesired}${+f.edns}${+f.nsid}${f.udpPayloadSize}`;
  let template = templates.get(key);
  if (!template) {
    template = encodeQuery(0, q, f);
    if (templates.size >= TEMPLATES_MAX) templates.clear();
    templates.set(key, template);
  }
  const message = Buffer.from(template);
  message.writeUInt16BE(id, 0);
  return message;
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

/** dns-packet's decoders of one question and one record (public, but not in @types/dns-packet). */
type PartDecoder<T> = ((buf: Buffer, offset: number) => T) & { bytes: number };
const parts = dnsPacket as unknown as {
  question: { decode: PartDecoder<{ name: string; type: string; class?: string }> };
  answer: { decode: PartDecoder<RawRecord> };
};

const OPT_TYPE = 41;
const flag = (flags: number, bit: number) => ((flags >> bit) & 1) === 1;

/**
 * Decode a message (no length prefix). Throws on malformed input. The header, question, answer
 * section and EDNS are decoded at once; the authority and additional sections are checked for
 * framing at once and decoded the first time they are read (most checks never read them): a
 * record in them that dns-packet cannot decode throws there.
 */
export function decodeMessage(buf: Buffer): DecodedMessage {
  if (buf.length < 12) throw new Error('Header must be 12 bytes');
  const header = buf.readUInt16BE(2);
  let offset = 12;
  const questions: WireQuestion[] = [];
  for (let i = buf.readUInt16BE(4); i > 0; i--) {
    const q = parts.question.decode(buf, offset);
    offset += parts.question.decode.bytes;
    questions.push({ name: q.name, type: q.type, class: q.class ?? 'IN' });
  }
  const answers: DecodedRecord[] = [];
  for (let i = buf.readUInt16BE(6); i > 0; i--) {
    answers.push(plainRecord(parts.answer.decode(buf, offset)));
    offset += parts.answer.decode.bytes;
  }
  const authorityAt: number[] = [];
  for (let i = buf.readUInt16BE(8); i > 0; i--) {
    authorityAt.push(offset);
    offset = skipRecord(buf, offset).next;
  }
  const additionalAt: number[] = [];
  let optRaw: RawRecord | undefined;
  for (let i = buf.readUInt16BE(10); i > 0; i--) {
    const record = skipRecord(buf, offset);
    if (record.type !== OPT_TYPE) additionalAt.push(offset);
    else optRaw ??= parts.answer.decode(buf, offset);
    offset = record.next;
  }
  const edns: EdnsInfo | undefined = optRaw && {
    udpPayloadSize: optRaw.udpPayloadSize ?? 0,
    version: optRaw.ednsVersion ?? 0,
    extendedRcode: optRaw.extendedRcode ?? 0,
    options: (optRaw.options ?? []).map((o) => ({ code: o.code, data: o.data ?? Buffer.alloc(0) })),
  };
  // The header keeps the low 4 bits of the rcode; EDNS carries the upper 8 (RFC 6891).
  const rcodeValue = ((edns?.extendedRcode ?? 0) << 4) | (header & 0xf);
  const records = (at: number[]) => at.map((o) => plainRecord(parts.answer.decode(buf, o)));
  let authorities: DecodedRecord[] | undefined;
  let additionals: DecodedRecord[] | undefined;
  return {
    id: buf.readUInt16BE(0),
    isResponse: flag(header, 15),
    rcode: rcodeValue === 16 ? 'BADVERS' : dnsRcodes.toString(rcodeValue),
    flags: {
      aa: flag(header, 10),
      tc: flag(header, 9),
      rd: flag(header, 8),
      ra: flag(header, 7),
      ad: flag(header, 5),
      cd: flag(header, 4),
    },
    questions,
    answers,
    get authorities() {
      return (authorities ??= records(authorityAt));
    },
    get additionals() {
      return (additionals ??= records(additionalAt));
    },
    edns,
  };
}

/** The NSID option's payload as text (BIND-style escapes for non-printable bytes). */
export function nsidOf(edns: EdnsInfo | undefined): string | undefined {
  const opt = edns?.options.find((o) => o.code === NSID_OPTION);
  return opt && opt.data.length > 0 ? escapeCharString(opt.data) : undefined;
}
