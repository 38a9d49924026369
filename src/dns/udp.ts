// DNS over UDP: one query's exchange, on the caller's shared sockets (compareZone's pool) or on
// a socket of its own that is closed afterwards. See udpPool.ts for ids, resends and errors.
import type { ExchangePlan, ExchangeResult } from './exchange';
import { UdpSocketPool } from './udpPool';

export function udpExchange(plan: ExchangePlan, pool?: UdpSocketPool): Promise<ExchangeResult> {
  if (pool) return pool.exchange(plan);
  const own = new UdpSocketPool({ bufferBytes: 0 });
  return own.exchange(plan).finally(() => own.close());
}
