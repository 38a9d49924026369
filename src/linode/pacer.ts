// Paces requests to a Linode endpoint with a dedicated rate limit, so that a worker running
// many creates at once (an NS deploy creates every -next instance in parallel) stays under the
// limit instead of storming the API and retrying blindly.
//
// One pacer per account and API (API root + a digest of the token, never the token), shared by
// every activity of the process: Temporal runs a worker's activities in one Node process, so
// parallel ensureInstance activities all go through the same pacer. Each request takes a turn
// first (FIFO): it is sent only when fewer than `limit` accepted requests were sent in the last
// `windowMs` (a sliding window, plus a margin for network delay: it never fills the server's
// fixed window either) and no 429 asked to wait longer. A 429 is honoured for everyone: nobody
// sends before its Retry-After has passed, and a lower X-RateLimit-Limit than assumed is adopted.
// Several worker processes on one account each pace themselves; the 429 handling covers that.
import crypto from 'node:crypto';
import { apiRootFor, type LinodeCredentials } from './client';

export interface WindowLimit {
  limit: number;
  windowMs: number;
}

/**
 * Linode's dedicated rate limit for creating Linodes (POST /linode/instances), per user: 20
 * requests per 15 seconds (Linode API reference, "Rate limits"; older spec text said 10 per 30 s).
 */
export const LINODE_CREATE_LIMIT: WindowLimit = { limit: 20, windowMs: 15_000 };

export interface PacerClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}
const realClock: PacerClock = { now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/** A granted turn: when its request was sent (so a refusal can give the slot back). */
export interface Turn {
  sentAt: number;
}

export class RequestPacer {
  private sent: number[] = [];
  private blockedUntil = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    public limit: WindowLimit,
    private readonly clock: PacerClock = realClock,
    /** Added to the window: requests arrive later than they are sent, and not all equally late. */
    private readonly marginMs = 250,
  ) {}

  /** Waits (FIFO) until a request may be sent; `onWait` hears how long, each time it waits. */
  take(onWait?: (ms: number) => void): Promise<Turn> {
    const turn = this.queue.then(() => this.waitForSlot(onWait));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * The request of `turn` got a 429: it did not count, and nobody sends for `retryAfterSeconds`.
   * `serverLimit` (X-RateLimit-Limit), when lower than assumed, becomes the limit.
   */
  refused(turn: Turn, retryAfterSeconds: number, serverLimit?: number): void {
    const i = this.sent.indexOf(turn.sentAt);
    if (i >= 0) this.sent.splice(i, 1);
    this.blockedUntil = Math.max(this.blockedUntil, this.clock.now() + retryAfterSeconds * 1000);
    if (serverLimit !== undefined && serverLimit >= 1 && serverLimit < this.limit.limit)
      this.limit = { ...this.limit, limit: serverLimit };
  }

  private async waitForSlot(onWait?: (ms: number) => void): Promise<Turn> {
    for (;;) {
      const now = this.clock.now();
      const span = this.limit.windowMs + this.marginMs;
      this.sent = this.sent.filter((t) => t > now - span);
      const full = this.sent.length >= this.limit.limit;
      const freeAt = Math.max(this.blockedUntil, full ? this.sent[this.sent.length - this.limit.limit] + span : 0);
      if (freeAt <= now) {
        this.sent.push(now);
        return { sentAt: now };
      }
      onWait?.(freeAt - now);
      await this.clock.sleep(freeAt - now);
    }
  }
}

/** The process's pacers, one per account, API and endpoint. */
export class PacerRegistry {
  private readonly pacers = new Map<string, RequestPacer>();

  constructor(
    private readonly limits: Record<string, WindowLimit> = { 'POST /linode/instances': LINODE_CREATE_LIMIT },
    private readonly clock?: PacerClock,
  ) {}

  /** `endpoint`: "METHOD /path" as in Linode's rate-limit table, e.g. "POST /linode/instances". */
  pacerFor(credentials: LinodeCredentials, endpoint: string): RequestPacer {
    const limit = this.limits[endpoint];
    if (!limit) throw new Error(`no rate limit known for ${endpoint}`);
    const account = crypto.createHash('sha256').update(credentials.token).digest('hex');
    const key = `${apiRootFor(credentials.apiUrl)} ${account} ${endpoint}`;
    let pacer = this.pacers.get(key);
    if (!pacer) this.pacers.set(key, (pacer = new RequestPacer(limit, this.clock)));
    return pacer;
  }
}

/** Shared by every activity (and every createLinodeActivities) of this process. */
export const processPacers = new PacerRegistry();
