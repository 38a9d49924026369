// DNS over UDP: one connected socket for all attempts (a connected socket only accepts
// datagrams from the server's address, and it reports ICMP port unreachable as ECONNREFUSED
// instead of leaving us to time out). Each timeout resends the same query with the same id,
// so a late answer to an earlier attempt still counts.
import dgram from 'node:dgram';
import net from 'node:net';
import { DnsTimeoutError } from './errors';
import { socketError, timeoutDetail, type ExchangePlan, type ExchangeResult } from './exchange';

export function udpExchange(plan: ExchangePlan, request: Buffer): Promise<ExchangeResult> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(plan.address) ? 'udp6' : 'udp4');
    let attempts = 0;
    let ignored = 0;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;

    const finish = (err: Error | undefined, result?: ExchangeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        socket.close();
      } catch {
        // Already closed after a socket error.
      }
      if (err) reject(err);
      else if (result) resolve(result);
    };

    const attempt = () => {
      const remaining = plan.deadline - Date.now();
      if (attempts >= plan.attempts || remaining <= 0) {
        finish(new DnsTimeoutError(plan.ctx, attempts, plan.timeoutMs, timeoutDetail(plan, attempts, ignored)));
        return;
      }
      attempts += 1;
      socket.send(request, (err) => {
        if (err) finish(socketError(plan.ctx, err));
      });
      timer = setTimeout(attempt, Math.min(plan.timeoutMs, remaining));
    };

    socket.on('error', (err) => finish(socketError(plan.ctx, err)));
    socket.on('message', (buf) => {
      try {
        const verdict = plan.judge(buf);
        if (verdict.kind === 'answer') finish(undefined, { message: verdict.message, attempts, ignored });
        else ignored += 1;
      } catch (err) {
        finish(err instanceof Error ? err : new Error(String(err)));
      }
    });
    socket.connect(plan.port, plan.address, attempt);
  });
}
