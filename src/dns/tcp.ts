// DNS over TCP: one connection per attempt, 2-byte length framing (RFC 1035 4.2.2, RFC 7766).
// A refused connection is final (nothing listens); a timeout or a connection closed before
// the answer is retried within the plan's limits.
import net from 'node:net';
import { DnsProtocolError, DnsTimeoutError, errnoCode } from './errors';
import { socketError, timeoutDetail, type ExchangePlan, type ExchangeResult } from './exchange';
import type { DecodedMessage } from './packet';

type AttemptOutcome =
  | { kind: 'answer'; message: DecodedMessage; ignored: number }
  | { kind: 'timeout'; ignored: number }
  | { kind: 'closed'; ignored: number; detail: string };

/** Errors after which a new connection may well succeed. */
const RETRYABLE = new Set(['ECONNRESET', 'EPIPE']);

function tcpAttempt(plan: ExchangePlan, request: Buffer, timeoutMs: number): Promise<AttemptOutcome> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: plan.address, port: plan.port });
    let pending = Buffer.alloc(0);
    let ignored = 0;
    let settled = false;

    const finish = (outcome: AttemptOutcome | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout', ignored }), timeoutMs);

    socket.setNoDelay(true);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
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
    });
    socket.on('error', (err) => {
      const code = errnoCode(err);
      if (code && RETRYABLE.has(code)) finish({ kind: 'closed', ignored, detail: err.message });
      else finish(socketError(plan.ctx, err));
    });
    socket.on('close', () => finish({ kind: 'closed', ignored, detail: 'connection closed before a complete answer' }));
  });
}

export async function tcpExchange(plan: ExchangePlan, request: Buffer): Promise<ExchangeResult> {
  let attempts = 0;
  let ignored = 0;
  let lastClosed: string | undefined;
  while (attempts < plan.attempts) {
    const remaining = plan.deadline - Date.now();
    if (remaining <= 0) break;
    attempts += 1;
    const outcome = await tcpAttempt(plan, request, Math.min(plan.timeoutMs, remaining));
    ignored += outcome.ignored;
    if (outcome.kind === 'answer') return { message: outcome.message, attempts, ignored };
    lastClosed = outcome.kind === 'closed' ? outcome.detail : undefined;
  }
  if (lastClosed !== undefined) {
    throw new DnsProtocolError(plan.ctx, `${lastClosed} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`);
  }
  throw new DnsTimeoutError(plan.ctx, attempts, plan.timeoutMs, timeoutDetail(plan, attempts, ignored));
}
