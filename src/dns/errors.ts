// Typed errors of the DNS probe library. Messages name the server, transport and question so
// that a failure read in the Temporal UI says what was asked of whom.
import type { Transport } from './types';

export interface QueryContext {
  /** "127.0.0.1:5300" */
  server: string;
  transport: Transport;
  /** "example.test/SOA" */
  question: string;
}

/** Base of every failure to get an answer. */
export class DnsQueryError extends Error {
  readonly server: string;
  readonly transport: Transport;
  readonly question: string;

  constructor(ctx: QueryContext, message: string) {
    super(message);
    this.name = new.target.name;
    this.server = ctx.server;
    this.transport = ctx.transport;
    this.question = ctx.question;
  }
}

/** Nothing (acceptable) came back within the attempts / time limit. */
export class DnsTimeoutError extends DnsQueryError {
  readonly attempts: number;
  readonly timeoutMs: number;

  constructor(ctx: QueryContext, attempts: number, timeoutMs: number, extra = '') {
    super(
      ctx,
      `no answer from ${ctx.server} over ${ctx.transport.toUpperCase()} for ${ctx.question} ` +
        `after ${attempts} attempt${attempts === 1 ? '' : 's'} of ${timeoutMs} ms${extra}`,
    );
    this.attempts = attempts;
    this.timeoutMs = timeoutMs;
  }
}

/** TCP RST on connect, or ICMP port unreachable for UDP: nothing listens there. */
export class DnsConnectionRefusedError extends DnsQueryError {
  constructor(ctx: QueryContext) {
    const how = ctx.transport === 'tcp' ? 'connection refused' : 'port unreachable (ICMP, UDP refused)';
    super(ctx, `${how} by ${ctx.server} over ${ctx.transport.toUpperCase()} for ${ctx.question}`);
  }
}

/** Any other socket failure (no route, reset before an answer, …). */
export class DnsNetworkError extends DnsQueryError {
  readonly code: string | undefined;

  constructor(ctx: QueryContext, detail: string, code?: string) {
    super(
      ctx,
      `network error talking to ${ctx.server} over ${ctx.transport.toUpperCase()} for ${ctx.question}: ${detail}`,
    );
    this.code = code;
  }
}

/** The server answered with something we could not use (undecodable, cut short). */
export class DnsProtocolError extends DnsQueryError {
  constructor(ctx: QueryContext, detail: string) {
    super(ctx, `bad answer from ${ctx.server} over ${ctx.transport.toUpperCase()} for ${ctx.question}: ${detail}`);
  }
}

/** named-compilezone refused the zone file; its own diagnostics are in the message. */
export class ZoneLoadError extends Error {
  readonly file: string;
  readonly origin: string;
  readonly diagnostics: string;

  constructor(file: string, origin: string, diagnostics: string) {
    super(
      `zone file ${file} (origin ${origin}) does not load: ` +
        (diagnostics.trim() || 'named-compilezone failed without a message'),
    );
    this.name = 'ZoneLoadError';
    this.file = file;
    this.origin = origin;
    this.diagnostics = diagnostics;
  }
}

/** Node's socket errors carry a code; keep the narrowing in one place. */
export function errnoCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}
