// DNS over TCP, 2-byte length framing (RFC 1035 4.2.2, RFC 7766). Without a pool: one
// connection per attempt, closed after it. With a pool (compareZone's): an attempt takes an
// idle connection to the server when there is one and gives it back after a clean answer
// (RFC 7766 §6.2.1); one query at a time per connection.
// A refused connection is final (nothing listens); a timeout or a connection closed before
// the answer is retried within the plan's limits. A reused connection that turns out closed
// or reset (the server closed it while idle) is retried once on a fresh connection without
// counting an attempt. A connection on which a query timed out or got garbage is destroyed.
import net from 'node:net';
import { DnsProtocolError, DnsTimeoutError, errnoCode } from './errors';
import { socketError, timeoutDetail, type ExchangePlan, type ExchangeResult } from './exchange';
import type { DecodedMessage } from './packet';
import { destroyQuietly, type TcpConnectionPool } from './tcpPool';

type AttemptOutcome =
  | { kind: 'answer'; message: DecodedMessage; ignored: number }
  | { kind: 'timeout'; ignored: number }
  | { kind: 'closed'; ignored: number; detail: string };

/** Errors after which a new connection may well succeed. */
const RETRYABLE = new Set(['ECONNRESET', 'EPIPE']);

/** Where an attempt's connection comes from and where it goes afterwards. */
interface Connection {
  socket: net.Socket;
  reused: boolean;
  /** Called once with the outcome: keep the socket (clean answer, pool) or destroy it. */
  done: (clean: boolean) => void;
}

function connectionFor(plan: ExchangePlan, pool: TcpConnectionPool | undefined, fresh: boolean): Connection {
  if (!pool) {
    const socket = net.connect({ host: plan.address, port: plan.port });
    socket.setNoDelay(true);
    return { socket, reused: false, done: () => destroyQuietly(socket) };
  }
  const { socket, reused } = pool.acquire(plan.address, plan.port, fresh);
  return {
    socket,
    reused,
    done: (clean) => (clean ? pool.release(socket, plan.address, plan.port) : pool.discard(socket)),
  };
}

function tcpAttempt(plan: ExchangePlan, request: Buffer, timeoutMs: number, conn: Connection): Promise<AttemptOutcome> {
  const { socket } = conn;
  return new Promise((resolve, reject) => {
    let pending = Buffer.alloc(0);
    let ignored = 0;
    let settled = false;

    const finish = (outcome: AttemptOutcome | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('connect', send);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      // Reusable only after a clean answer: nothing else read, nothing left over.
      conn.done(!(outcome instanceof Error) && outcome.kind === 'answer' && ignored === 0 && pending.length === 0);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout', ignored }), timeoutMs);

    const send = () => socket.write(request);
    const onData = (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) return;
        const message = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        try {
          const verdict = plan.judge(message);
          if (verdict.kind === 'answer') {
            finish({ kind: 'answer', message: verdict.message, ignored });
            return;
          }
          ignored += 1;
        } catch (err) {
          finish(err instanceof Error ? err : new Error(String(err)));
          return;
        }
      }
    };
    const onError = (err: Error) => {
      const code = errnoCode(err);
      if (code && RETRYABLE.has(code)) finish({ kind: 'closed', ignored, detail: err.message });
      else finish(socketError(plan.ctx, err));
    };
    const onClose = () => finish({ kind: 'closed', ignored, detail: 'connection closed before a complete answer' });

    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    if (socket.connecting) socket.once('connect', send);
    else send();
  });
}

export async function tcpExchange(
  plan: ExchangePlan,
  request: Buffer,
  pool?: TcpConnectionPool,
): Promise<ExchangeResult> {
  let attempts = 0;
  let ignored = 0;
  let lastClosed: string | undefined;
  let staleRetried = false;
  let fresh = false;
  while (attempts < plan.attempts) {
    const remaining = plan.deadline - Date.now();
    if (remaining <= 0) break;
    attempts += 1;
    const conn = connectionFor(plan, pool, fresh);
    fresh = false;
    const outcome = await tcpAttempt(plan, request, Math.min(plan.timeoutMs, remaining), conn);
    ignored += outcome.ignored;
    if (outcome.kind === 'answer') return { message: outcome.message, attempts, ignored };
    if (outcome.kind === 'closed' && conn.reused && !staleRetried) {
      // The server closed the idle connection before or as our query arrived: not a failed
      // attempt, retry once on a new connection.
      staleRetried = true;
      fresh = true;
      lastClosed = outcome.detail;
      attempts -= 1;
      continue;
    }
    lastClosed = outcome.kind === 'closed' ? outcome.detail : undefined;
  }
  if (lastClosed !== undefined) {
    throw new DnsProtocolError(plan.ctx, `${lastClosed} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`);
  }
  throw new DnsTimeoutError(plan.ctx, attempts, plan.timeoutMs, timeoutDetail(plan, attempts, ignored));
}
