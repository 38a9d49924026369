// One DNS question to one server over UDP, TCP, or UDP with a fallback to TCP on TC ("auto").
// Every call is bounded: per-attempt timeout, attempt count, and a total time limit.
import net from 'node:net';
import { DnsProtocolError, type QueryContext } from './errors';
import type { ExchangePlan, Verdict } from './exchange';
import { toWireName } from './names';
import {
  decodeMessage,
  encodeQueryFast,
  nsidOf,
  readId,
  type DecodedMessage,
  type DecodedRecord,
  type QueryFlags,
  type WireQuestion,
} from './packet';
import { toPacketType } from './rrtypes';
import { tcpExchange } from './tcp';
import type { DnsResponse, DnsServer, Question, QueryOptions, Transport } from './types';
import { udpExchange } from './udp';

export const QUERY_DEFAULTS = {
  transport: 'auto',
  timeoutMs: 2000,
  attempts: 3,
  recursionDesired: false,
  edns: true,
  udpPayloadSize: 1232,
  nsid: true,
} as const;

/** The signature compare and the activities depend on, so tests can wrap or replace it. */
export type QueryFn = (server: DnsServer, question: Question, options?: QueryOptions) => Promise<DnsResponse>;

/** Options with defaults filled in; explicit `undefined` means "default", limits stay ≥ 1. */
function withDefaults(options: QueryOptions) {
  const d = QUERY_DEFAULTS;
  return {
    transport: options.transport ?? d.transport,
    timeoutMs: Math.max(1, options.timeoutMs ?? d.timeoutMs),
    attempts: Math.max(1, Math.floor(options.attempts ?? d.attempts)),
    recursionDesired: options.recursionDesired ?? d.recursionDesired,
    edns: options.edns ?? d.edns,
    udpPayloadSize: options.udpPayloadSize ?? d.udpPayloadSize,
    nsid: options.nsid ?? d.nsid,
  };
}

/** "127.0.0.1:53", "[2001:db8::1]:53" */
export function serverLabel(server: DnsServer): string {
  const port = server.port ?? 53;
  // The cheap test first: this runs for every query.
  const v6 = server.address.includes(':') && net.isIPv6(server.address);
  return v6 ? `[${server.address}]:${port}` : `${server.address}:${port}`;
}

function wireQuestion(q: Question): WireQuestion {
  const name = toWireName(q.name);
  if (name === undefined)
    throw new Error(`cannot query ${q.name}: a label holds "." or non-UTF-8 bytes, which dns-packet cannot encode`);
  const type = toPacketType(q.type);
  if (type === undefined) throw new Error(`cannot query ${q.name}: unknown RR type ${q.type}`);
  return { name, type, class: (q.class ?? 'IN').toUpperCase() };
}

const undecodable = (ctx: QueryContext, err: unknown) =>
  new DnsProtocolError(ctx, `undecodable response: ${err instanceof Error ? err.message : String(err)}`);

/** A section decodeMessage decodes when first read; what it cannot decode is a bad answer, as at once. */
function section(read: () => DecodedRecord[], ctx: QueryContext): DecodedRecord[] {
  try {
    return read();
  } catch (err) {
    throw undecodable(ctx, err);
  }
}

/** Ours = same id, a response, same question (names compare case-insensitively). */
function judgeFor(wq: WireQuestion, ctx: QueryContext): (buf: Buffer, id: number) => Verdict {
  return (buf, id) => {
    if (readId(buf) !== id) return { kind: 'ignore', reason: 'id' };
    let message: DecodedMessage;
    try {
      message = decodeMessage(buf);
    } catch (err) {
      throw undecodable(ctx, err);
    }
    if (!message.isResponse) return { kind: 'ignore', reason: 'not a response' };
    // FORMERR and friends may come back without the question section.
    if (message.questions.length === 0 && message.rcode !== 'NOERROR') return { kind: 'answer', message };
    const q = message.questions[0];
    const same =
      message.questions.length === 1 &&
      q.name.toLowerCase() === wq.name.toLowerCase() &&
      q.type === wq.type &&
      q.class === wq.class;
    return same ? { kind: 'answer', message } : { kind: 'ignore', reason: 'question' };
  };
}

export const query: QueryFn = async (server, question, options = {}) => {
  const o = withDefaults(options);
  const totalTimeoutMs = options.totalTimeoutMs ?? o.timeoutMs * (o.attempts + 1);
  const started = Date.now();
  const deadline = started + totalTimeoutMs;
  const wq = wireQuestion(question);
  const label = serverLabel(server);
  const flags: QueryFlags = {
    recursionDesired: o.recursionDesired,
    edns: o.edns,
    udpPayloadSize: o.udpPayloadSize,
    nsid: o.nsid && o.edns,
  };
  const classText = wq.class === 'IN' ? '' : ` ${wq.class}`;
  const questionText = `${wq.name === '.' ? '.' : wq.name}/${question.type.toUpperCase()}${classText}`;

  // Encoded here (a question dns-packet cannot encode fails at once), then with the id the
  // transport picks for each send: unique among the queries in flight on its socket or connection.
  encodeQueryFast(0, wq, flags);
  const encode = (id: number) => encodeQueryFast(id, wq, flags);
  const exchange = (transport: Transport) => {
    const ctx: QueryContext = { server: label, transport, question: questionText };
    const plan: ExchangePlan = {
      address: server.address,
      port: server.port ?? 53,
      ctx,
      timeoutMs: o.timeoutMs,
      attempts: o.attempts,
      deadline,
      encode,
      judge: judgeFor(wq, ctx),
    };
    return transport === 'udp' ? udpExchange(plan, options.udpPool) : tcpExchange(plan, options.tcpPool);
  };

  let transport: Transport = o.transport === 'tcp' ? 'tcp' : 'udp';
  let result = await exchange(transport);
  let attempts = result.attempts;
  let ignored = result.ignored;
  const udpTruncated = transport === 'udp' && result.message.flags.tc;
  if (udpTruncated && o.transport === 'auto') {
    transport = 'tcp';
    result = await exchange('tcp');
    attempts += result.attempts;
    ignored += result.ignored;
  }

  const m = result.message;
  const ctx: QueryContext = { server: label, transport, question: questionText };
  return {
    server: label,
    question: { name: question.name, type: question.type.toUpperCase(), class: wq.class },
    transport,
    udpTruncated,
    id: m.id,
    rcode: m.rcode,
    flags: m.flags,
    answers: m.answers,
    get authorities() {
      return section(() => m.authorities, ctx);
    },
    get additionals() {
      return section(() => m.additionals, ctx);
    },
    edns: m.edns && { udpPayloadSize: m.edns.udpPayloadSize, version: m.edns.version },
    nsid: nsidOf(m.edns),
    attempts,
    ignoredResponses: ignored,
    rttMs: Date.now() - started,
  };
};
