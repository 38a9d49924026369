// One DNS question to one server over UDP, TCP, or UDP with a fallback to TCP on TC ("auto").
// Every call is bounded: per-attempt timeout, attempt count, and a total time limit.
import net from 'node:net';
import { DnsProtocolError, type QueryContext } from './errors';
import type { ExchangePlan, Verdict } from './exchange';
import { toWireName } from './names';
import {
  decodeMessage,
  nsidOf,
  queryTemplate,
  readId,
  withId,
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
  const o = {
    transport: options.transport ?? d.transport,
    timeoutMs: Math.max(1, options.timeoutMs ?? d.timeoutMs),
    attempts: Math.max(1, Math.floor(options.attempts ?? d.attempts)),
    recursionDesired: options.recursionDesired ?? d.recursionDesired,
    edns: options.edns ?? d.edns,
    udpPayloadSize: options.udpPayloadSize ?? d.udpPayloadSize,
    nsid: options.nsid ?? d.nsid,
  };
  const flags: QueryFlags = {
    recursionDesired: o.recursionDesired,
    edns: o.edns,
    udpPayloadSize: o.udpPayloadSize,
    nsid: o.nsid && o.edns,
  };
  return { ...o, flags };
}

/**
 * Worked out once per options object: compareZone passes the same one for all its queries
 * over a transport, and per-query work is what bounds its rate. Callers do not change an
 * options object while a query is using it.
 */
const settingsCache = new WeakMap<QueryOptions, ReturnType<typeof withDefaults>>();
const NO_OPTIONS: QueryOptions = {};
function settingsOf(options: QueryOptions) {
  let settings = settingsCache.get(options);
  if (!settings) settingsCache.set(options, (settings = withDefaults(options)));
  return settings;
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

/** Ours = same id, a response, same question as `query` (names compare ignoring ASCII case). */
function judgeFor(query: Buffer, ctx: QueryContext): (buf: Buffer, id: number) => Verdict {
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
    if (message.questionCount === 0 && message.rcode !== 'NOERROR') return { kind: 'answer', message };
    return message.asksSameQuestionAs(query) ? { kind: 'answer', message } : { kind: 'ignore', reason: 'question' };
  };
}

/**
 * A question's wire form and its encoded queries (by flags), kept with the question object:
 * compareZone asks each of its question objects once per transport. The name, type and class
 * are compared on every use, so a question object changed after it was asked is prepared anew.
 */
interface PreparedQuestion {
  name: string;
  type: string;
  class: string | undefined;
  wq: WireQuestion;
  templates: Map<QueryFlags, Buffer>;
}
const preparedQuestions = new WeakMap<Question, PreparedQuestion>();
function prepare(q: Question): PreparedQuestion {
  const p = preparedQuestions.get(q);
  if (p && p.name === q.name && p.type === q.type && p.class === q.class) return p;
  const fresh = { name: q.name, type: q.type, class: q.class, wq: wireQuestion(q), templates: new Map() };
  preparedQuestions.set(q, fresh);
  return fresh;
}
function templateFor(p: PreparedQuestion, flags: QueryFlags): Buffer {
  let template = p.templates.get(flags);
  if (!template) p.templates.set(flags, (template = queryTemplate(p.wq, flags)));
  return template;
}

/** What a failure says was asked: the question text is built only if a message needs it. */
class Context implements QueryContext {
  constructor(
    readonly server: string,
    readonly transport: Transport,
    private readonly wq: WireQuestion,
    private readonly typeText: string,
  ) {}

  get question(): string {
    const classText = this.wq.class === 'IN' ? '' : ` ${this.wq.class}`;
    return `${this.wq.name === '.' ? '.' : this.wq.name}/${this.typeText.toUpperCase()}${classText}`;
  }
}

export const query: QueryFn = async (server, question, options = NO_OPTIONS) => {
  const o = settingsOf(options);
  const totalTimeoutMs = options.totalTimeoutMs ?? o.timeoutMs * (o.attempts + 1);
  const started = Date.now();
  const deadline = started + totalTimeoutMs;
  const prepared = prepare(question);
  const wq = prepared.wq;
  const label = serverLabel(server);

  // Encoded here (a question dns-packet cannot encode fails at once), then with the id the
  // transport picks for each send: unique among the queries in flight on its socket or connection.
  const template = templateFor(prepared, o.flags);
  const encode = (id: number) => withId(template, id);
  const exchange = (transport: Transport) => {
    const ctx = new Context(label, transport, wq, question.type);
    const plan: ExchangePlan = {
      address: server.address,
      port: server.port ?? 53,
      ctx,
      timeoutMs: o.timeoutMs,
      attempts: o.attempts,
      deadline,
      encode,
      judge: judgeFor(template, ctx),
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
  const ctx = new Context(label, transport, wq, question.type);
  return {
    server: label,
    question: { name: question.name, type: question.type.toUpperCase(), class: wq.class },
    transport,
    udpTruncated,
    id: m.id,
    rcode: m.rcode,
    flags: m.flags,
    get answers() {
      return section(() => m.answers, ctx);
    },
    questionAndAnswerBytes: m.questionAndAnswerBytes,
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
