// DNS over TCP, 2-byte length framing (RFC 1035 4.2.2, RFC 7766): one query's attempts, on the
// caller's pool of pipelined connections (compareZone's) or on a pool of its own that opens
// one connection per attempt and closes it afterwards.
// A refused connection is final (nothing listens); a timeout or a connection closed before the
// answer is retried within the plan's limits. A connection that had answered other queries and
// then closes or resets (the server's idle timeout or per-connection limit, a server that does
// not pipeline) costs no attempt: the query is sent again first in line, until the deadline.
import { DnsProtocolError, DnsTimeoutError } from './errors';
import { timeoutDetail, type ExchangePlan, type ExchangeResult } from './exchange';
import type { TcpTicket } from './tcpConnection';
import { TcpConnectionPool } from './tcpPool';

export function tcpExchange(plan: ExchangePlan, pool?: TcpConnectionPool): Promise<ExchangeResult> {
  if (pool) return pooledExchange(plan, pool);
  const own = new TcpConnectionPool({ maxConnectionsPerServer: 1 });
  return pooledExchange(plan, own).finally(() => own.close());
}

function pooledExchange(plan: ExchangePlan, pool: TcpConnectionPool): Promise<ExchangeResult> {
  return new Promise((resolve, reject) => {
    let attempts = 0;
    let ignored = 0;
    let lastClosed: string | undefined;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;

    const finish = (outcome: Error | ExchangeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const giveUp = () => {
      if (lastClosed !== undefined) {
        const detail = `${lastClosed} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`;
        return new DnsProtocolError(plan.ctx, detail);
      }
      return new DnsTimeoutError(plan.ctx, attempts, plan.timeoutMs, timeoutDetail(plan, attempts, ignored));
    };
    const attempt = (retry: boolean, deadlineReached = false) => {
      const remaining = plan.deadline - Date.now();
      if (attempts >= plan.attempts || remaining <= 0 || deadlineReached) {
        finish(giveUp());
        return;
      }
      attempts += 1;
      // A wait the deadline cut short ends the query when it fires (see UdpSocketPool.attempt).
      const cutShort = remaining < plan.timeoutMs;
      timer = setTimeout(
        () => {
          pool.withdraw(ticket);
          lastClosed = undefined;
          attempt(false, cutShort);
        },
        cutShort ? remaining : plan.timeoutMs,
      );
      pool.submit(ticket, retry);
    };
    const ticket: TcpTicket = {
      plan,
      answered: (message) => finish({ message, attempts, ignored }),
      ignored: () => (ignored += 1),
      lost: (loss) => {
        if (settled) return;
        clearTimeout(timer);
        if (loss.kind === 'error') {
          finish(loss.error);
          return;
        }
        lastClosed = loss.detail;
        if (loss.proven) attempts -= 1;
        attempt(true);
      },
    };
    attempt(false);
  });
}
