// One DNS-over-TCP connection carrying many queries at once (RFC 7766 §6.2.1.1 pipelining):
// 2-byte length framing, a random id per query unused on the connection, answers matched by id
// in whatever order they come, then judged by their query (the question must match too).
// Queries written in the same tick leave in one write. The connection only reports outcomes;
// what they cost a query (an attempt or not) is tcp.ts's business, which connection a query
// takes is tcpPool.ts's.
import net from 'node:net';
import { errnoCode } from './errors';
import { socketError, type ExchangePlan } from './exchange';
import type { DecodedMessage } from './packet';
import { unusedId } from './queryIds';

/** How a query on a connection ended other than with its answer. */
export type TcpLoss =
  /**
   * The connection closed or was reset first. `proven`: it had delivered answers, so the server
   * works and closed it on its own terms (idle timeout, a per-connection limit): not the query's
   * fault.
   */
  | { kind: 'closed'; detail: string; proven: boolean }
  /** Final: refused, unreachable, or an answer with the query's id that does not decode. */
  | { kind: 'error'; error: Error };

/** One attempt of one query, handed to a connection. */
export interface TcpTicket {
  plan: ExchangePlan;
  answered(message: DecodedMessage): void;
  /** A message with the query's id but not its answer (another question). */
  ignored(): void;
  lost(loss: TcpLoss): void;
}

/** Errors after which a new connection may well succeed. */
const RETRYABLE = new Set(['ECONNRESET', 'EPIPE']);
const CLOSED_EARLY = 'connection closed before a complete answer';

export class PipelinedConnection {
  readonly socket: net.Socket;
  /** Answers delivered so far: a connection that answered is known to work. */
  answers = 0;
  /** Takes no new queries: one timed out on it, the server ended it, or its pool closed. */
  draining = false;
  closed = false;
  private readonly byId = new Map<number, TcpTicket>();
  private readonly idOf = new Map<TcpTicket, number>();
  private buffered: Buffer | undefined;
  private corked = false;

  /** `changed` runs after anything that may free room or end the connection. */
  constructor(
    address: string,
    port: number,
    private readonly changed: (c: PipelinedConnection) => void,
  ) {
    this.socket = net.connect({ host: address, port });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.onError(err));
    this.socket.on('end', () => this.end(CLOSED_EARLY));
    this.socket.on('close', () => this.end(CLOSED_EARLY));
  }

  /** Queries in flight on it. */
  get size(): number {
    return this.byId.size;
  }

  get usable(): boolean {
    return !this.closed && !this.draining;
  }

  holds(ticket: TcpTicket): boolean {
    return this.idOf.has(ticket);
  }

  send(ticket: TcpTicket): void {
    const id = unusedId(this.byId);
    this.byId.set(id, ticket);
    this.idOf.set(ticket, id);
    const message = ticket.plan.encode(id);
    const frame = Buffer.allocUnsafe(2 + message.length);
    frame.writeUInt16BE(message.length, 0);
    message.copy(frame, 2);
    if (!this.corked) {
      // Everything written until the event loop has handled what it read goes out in one
      // write (the queries that answers on other sockets set going included).
      this.corked = true;
      this.socket.cork();
      setImmediate(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(frame);
  }

  /**
   * Gives up on a query (it timed out): its answer, should it still come, is dropped, and the
   * connection takes nothing new; it closes once its last query is done.
   */
  withdraw(ticket: TcpTicket): void {
    if (!this.forget(ticket)) return;
    this.draining = true;
    this.changed(this);
  }

  /** No new queries; its pool closes it once the last one in flight is done. */
  drain(): void {
    this.draining = true;
  }

  /** Closes it now; queries in flight are lost ("closed"). */
  destroy(detail = CLOSED_EARLY): void {
    if (!this.closed) this.socket.on('error', () => undefined);
    this.socket.destroy();
    this.end(detail);
  }

  private forget(ticket: TcpTicket): boolean {
    const id = this.idOf.get(ticket);
    if (id === undefined) return false;
    this.idOf.delete(ticket);
    this.byId.delete(id);
    return true;
  }

  private onData(chunk: Buffer): void {
    let data = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    while (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
      const end = 2 + data.readUInt16BE(0);
      this.onMessage(data.subarray(2, end));
      if (this.closed) return;
      data = data.subarray(end);
    }
    this.buffered = data.length > 0 ? data : undefined;
  }

  private onMessage(message: Buffer): void {
    if (message.length < 2) return;
    const id = message.readUInt16BE(0);
    const ticket = this.byId.get(id);
    if (!ticket) {
      // Nobody's answer (that of a query that timed out, a forgery): not the answer of any
      // query waiting on this connection either.
      for (const waiting of this.byId.values()) waiting.ignored();
      return;
    }
    let verdict;
    try {
      verdict = ticket.plan.judge(message, id);
    } catch (err) {
      // Ours but unusable: that query fails, and nothing more is read from a stream that
      // carried garbage.
      this.forget(ticket);
      ticket.lost({ kind: 'error', error: err instanceof Error ? err : new Error(String(err)) });
      this.destroy();
      return;
    }
    if (verdict.kind === 'ignore') {
      ticket.ignored();
      return;
    }
    this.forget(ticket);
    this.answers += 1;
    ticket.answered(verdict.message);
    this.changed(this);
  }

  private onError(err: Error): void {
    const code = errnoCode(err);
    if (code && RETRYABLE.has(code)) this.end(err.message);
    else this.end(CLOSED_EARLY, err);
  }

  /** Every query still in flight is lost; the pool hears of it once. */
  private end(detail: string, err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    const lost = [...this.byId.values()];
    this.byId.clear();
    this.idOf.clear();
    for (const ticket of lost) {
      ticket.lost(
        err
          ? { kind: 'error', error: socketError(ticket.plan.ctx, err) }
          : { kind: 'closed', detail, proven: this.answers > 0 },
      );
    }
    this.changed(this);
  }
}
