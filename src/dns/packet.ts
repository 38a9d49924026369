// The only module that talks to dns-packet directly: builds our queries and turns answers
// into plain typed records. dns-packet's own typings are looser than what it decodes (SPF and
// unknown types arrive as raw Buffers), so records keep `data: unknown` and the formatter
// narrows it per type.
import dnsPacket from 'dns-packet';
import dnsRcodes from 'dns-packet/rcodes';
import { escapeCharString } from './text';
import { recordEnd, sameQuestion, skipName, skipRecord } from './wire';

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
  questionCount: number;
  /** Whether the message's one question is that of `query` (names ignoring ASCII case, RFC 4343). */
  asksSameQuestionAs(query: Buffer): boolean;
  answers: DecodedRecord[];
  /**
   * The question and answer sections as received. Two messages whose bytes here are equal
   * decode to the same question and answers (compression pointers into the header are not
   * allowed), so a check can judge the second by the first.
   */
  questionAndAnswerBytes: Buffer;
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

/**
 * Encoded queries with id 0, by question and flags: a zone check asks each question once per
 * transport, and again on every server it checks. Bounded (cleared when full), ~100 bytes each.
 */
const templates = new Map<string, Buffer>();
const TEMPLATES_MAX = 65_536;

/** The query with id 0, encoded once; never sent as it is (see withId). */
export function queryTemplate(q: WireQuestion, f: QueryFlags): Buffer {
  const key = `${q.name}\0${q.type}\0${q.class}\0${+f.recursionDesired}${+f.edns}${+f.nsid}${f.udpPayloadSize}`;
  let template = templates.get(key);
  if (!template) {
    template = encodeQuery(0, q, f);
    if (templates.size >= TEMPLATES_MAX) templates.clear();
    templates.set(key, template);
  }
  return template;
}

/** A copy of a query template with this message id. */
export function withId(template: Buffer, id: number): Buffer {
  const message = Buffer.allocUnsafe(template.length);
  template.copy(message);
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
 * Decode a message (no length prefix). Throws on malformed input. The header and EDNS are
 * decoded at once; the question, answer, authority and additional sections are checked for
 * framing at once and decoded the first time they are read (a query compares its question on the
 * wire; a check that finds an answer section equal to one it has already judged never reads it):
 * a record in them that dns-packet cannot decode throws there.
 */
export function decodeMessage(buf: Buffer): DecodedMessage {
  if (buf.length < 12) throw new Error('Header must be 12 bytes');
  const header = buf.readUInt16BE(2);
  let offset = 12;
  const questionAt: number[] = [];
  for (let i = buf.readUInt16BE(4); i > 0; i--) {
    questionAt.push(offset);
    offset = skipName(buf, offset) + 4;
    if (offset > buf.length) throw new Error('question runs off the end of the message');
  }
  const answerAt: number[] = [];
  for (let i = buf.readUInt16BE(6); i > 0; i--) {
    answerAt.push(offset);
    offset = recordEnd(buf, offset);
  }
  const answerEnd = offset;
  const authorityAt: number[] = [];
  for (let i = buf.readUInt16BE(8); i > 0; i--) {
    authorityAt.push(offset);
    offset = recordEnd(buf, offset);
  }
  const additionalAt: number[] = [];
  let edns: EdnsInfo | undefined;
  for (let i = buf.readUInt16BE(10); i > 0; i--) {
    const record = skipRecord(buf, offset);
    if (record.type !== OPT_TYPE) additionalAt.push(offset);
    else edns ??= decodeOpt(buf, record.fixed, record.next);
    offset = record.next;
  }
  return new LazyMessage(buf, header, questionAt, edns, answerAt, answerEnd, authorityAt, additionalAt);
}

/** The OPT pseudo-record (RFC 6891 §6.1.2) whose fixed fields start at `fixed`, framing checked up to `end`. */
function decodeOpt(buf: Buffer, fixed: number, end: number): EdnsInfo {
  const options: EdnsInfo['options'] = [];
  for (let at = fixed + 10; at < end;) {
    if (at + 4 > end) throw new Error('EDNS option runs off the end of the OPT record');
    const length = buf.readUInt16BE(at + 2);
    if (at + 4 + length > end) throw new Error('EDNS option data runs off the end of the OPT record');
    options.push({ code: buf.readUInt16BE(at), data: buf.subarray(at + 4, at + 4 + length) });
    at += 4 + length;
  }
  return {
    udpPayloadSize: buf.readUInt16BE(fixed + 2),
    extendedRcode: buf[fixed + 4],
    version: buf[fixed + 5],
    options,
  };
}

const decodeRecords = (buf: Buffer, at: number[]) => at.map((o) => plainRecord(parts.answer.decode(buf, o)));

/** A decoded message whose sections are decoded when first read (getters on the prototype, not per message). */
class LazyMessage implements DecodedMessage {
  readonly id: number;
  readonly isResponse: boolean;
  readonly rcode: string;
  readonly flags: DecodedMessage['flags'];
  readonly questionAndAnswerBytes: Buffer;
  private decoded: {
    questions?: WireQuestion[];
    answers?: DecodedRecord[];
    authorities?: DecodedRecord[];
    additionals?: DecodedRecord[];
  } = {};

  constructor(
    private readonly buf: Buffer,
    header: number,
    private readonly questionAt: number[],
    readonly edns: EdnsInfo | undefined,
    private readonly answerAt: number[],
    answerEnd: number,
    private readonly authorityAt: number[],
    private readonly additionalAt: number[],
  ) {
    this.id = buf.readUInt16BE(0);
    this.isResponse = flag(header, 15);
    // The header keeps the low 4 bits of the rcode; EDNS carries the upper 8 (RFC 6891).
    const rcodeValue = ((edns?.extendedRcode ?? 0) << 4) | (header & 0xf);
    this.rcode = rcodeValue === 16 ? 'BADVERS' : dnsRcodes.toString(rcodeValue);
    this.flags = {
      aa: flag(header, 10),
      tc: flag(header, 9),
      rd: flag(header, 8),
      ra: flag(header, 7),
      ad: flag(header, 5),
      cd: flag(header, 4),
    };
    this.questionAndAnswerBytes = buf.subarray(12, answerEnd);
  }

  get questions(): WireQuestion[] {
    return (this.decoded.questions ??= this.questionAt.map((o) => {
      const q = parts.question.decode(this.buf, o);
      return { name: q.name, type: q.type, class: q.class ?? 'IN' };
    }));
  }

  get questionCount(): number {
    return this.questionAt.length;
  }

  asksSameQuestionAs(query: Buffer): boolean {
    return this.questionAt.length === 1 && sameQuestion(this.buf, this.questionAt[0], query, 12);
  }

  get answers(): DecodedRecord[] {
    return (this.decoded.answers ??= decodeRecords(this.buf, this.answerAt));
  }

  get authorities(): DecodedRecord[] {
    return (this.decoded.authorities ??= decodeRecords(this.buf, this.authorityAt));
  }

  get additionals(): DecodedRecord[] {
    return (this.decoded.additionals ??= decodeRecords(this.buf, this.additionalAt));
  }
}

/** The NSID option's payload as text (BIND-style escapes for non-printable bytes). */
export function nsidOf(edns: EdnsInfo | undefined): string | undefined {
  const opt = edns?.options.find((o) => o.code === NSID_OPTION);
  return opt && opt.data.length > 0 ? escapeCharString(opt.data) : undefined;
}
