// Every 429 the emulator answered (rate limit or injected fault) with its time and Retry-After,
// and when the same client next asked the same route: so a test or benchmark can show that each
// 429 was honoured (nothing came back before Retry-After had passed). Clients are named by a
// digest of their token, never the token. Memory only; cleared by /__admin/reset.
import crypto from 'node:crypto';

export interface TooManyRequestsEntry {
  /** Epoch ms the 429 was answered. */
  at: number;
  /** "METHOD /route" as the rate limiter keys it, e.g. "POST /linode/instances". */
  route: string;
  /** sha256 of the bearer token (first 16 hex digits), or `ip:<address>` without one. */
  client: string;
  retryAfterSeconds: number;
  source: 'limit' | 'fault';
}

export interface TooManyRequestsReport extends TooManyRequestsEntry {
  /** The same client's next request on the route after the 429 (past `graceMs`), or null. */
  nextRequestAt: number | null;
  waitedMs: number | null;
  /** No request of that client on that route came before Retry-After had passed. */
  honoured: boolean;
}

/** Requests kept per client and route (the oldest go first). */
const KEPT_PER_KEY = 5000;
const KEPT_429 = 5000;

export const clientName = (token: string | undefined, ip: string) =>
  token === undefined ? `ip:${ip}` : crypto.createHash('sha256').update(token).digest('hex').slice(0, 16);

export class ThrottleLog {
  private readonly arrivals = new Map<string, number[]>();
  private readonly refused: TooManyRequestsEntry[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** A request arrived (answered or not). */
  request(client: string, route: string): void {
    const key = `${client} ${route}`;
    let times = this.arrivals.get(key);
    if (!times) this.arrivals.set(key, (times = []));
    times.push(this.now());
    if (times.length > KEPT_PER_KEY) times.splice(0, times.length - KEPT_PER_KEY);
  }

  tooManyRequests(client: string, route: string, retryAfterSeconds: number, source: 'limit' | 'fault'): void {
    this.refused.push({ at: this.now(), route, client, retryAfterSeconds, source });
    if (this.refused.length > KEPT_429) this.refused.splice(0, this.refused.length - KEPT_429);
  }

  /**
   * Each 429 with the client's next request on its route. `graceMs`: requests arriving that soon
   * after the 429 were already on their way (sent before the client could have read it).
   */
  report(graceMs = 100): { tooManyRequests: TooManyRequestsReport[]; unhonoured: number } {
    const tooManyRequests = this.refused.map((e) => {
      const times = this.arrivals.get(`${e.client} ${e.route}`) ?? [];
      const next = times.find((t) => t > e.at + graceMs) ?? null;
      const waitedMs = next === null ? null : next - e.at;
      return {
        ...e,
        nextRequestAt: next,
        waitedMs,
        honoured: waitedMs === null || waitedMs >= e.retryAfterSeconds * 1000,
      };
    });
    return { tooManyRequests, unhonoured: tooManyRequests.filter((e) => !e.honoured).length };
  }

  clear(): void {
    this.arrivals.clear();
    this.refused.length = 0;
  }
}
