// Rate limits as Linode documents them: per token (per client address when there is none),
// a number of requests per fixed window, with dedicated limits for some operations (e.g.
// creating Linodes). Every answer carries X-RateLimit-Limit / -Remaining / -Reset (epoch
// seconds); a refused request gets 429 "Too many requests" with Retry-After (seconds).
// The general default is generous so that normal lab use never meets it; creating Linodes has
// Linode's own dedicated limit (20 per 15 s), which a deploy of a big fleet does meet, so
// nsdeploy's pacing of creates (src/linode/pacer.ts) meets it in the lab too.
import { ApiError } from './errors';
import { TOO_MANY_REQUESTS } from './messages';

export interface WindowLimit {
  limit: number;
  windowMs: number;
}

export interface RateLimitSettings extends WindowLimit {
  /** Dedicated limits by "METHOD /path" (path without /v4, with :params), e.g. "POST /linode/instances". */
  routes?: Record<string, WindowLimit>;
}

/**
 * Linode's dedicated limit for creating Linodes, per user (Linode API reference, "Rate limits":
 * 20 requests per 15 seconds). Written down here apart from the client's own assumption
 * (src/linode/pacer.ts), so that the lab checks the client against the API, not against itself.
 */
export const CREATE_LINODE_LIMIT: WindowLimit = { limit: 20, windowMs: 15_000 };

export const DEFAULT_RATE_LIMIT: RateLimitSettings = {
  limit: 10_000,
  windowMs: 60_000,
  routes: { 'POST /linode/instances': CREATE_LINODE_LIMIT },
};

interface Bucket {
  windowStart: number;
  count: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    public settings: RateLimitSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Count one request; returns the headers to send, or throws a 429 ApiError. */
  take(client: string, routeKey: string): Record<string, string> {
    const dedicated = this.settings.routes?.[routeKey];
    const limit = dedicated ?? this.settings;
    const bucketKey = dedicated ? `${client} ${routeKey}` : client;
    const now = this.now();
    let bucket = this.buckets.get(bucketKey);
    if (!bucket || now >= bucket.windowStart + limit.windowMs) {
      bucket = { windowStart: now, count: 0 };
      this.buckets.set(bucketKey, bucket);
    }
    const resetAt = bucket.windowStart + limit.windowMs;
    const headers: Record<string, string> = {
      'X-RateLimit-Limit': String(limit.limit),
      'X-RateLimit-Reset': String(Math.ceil(resetAt / 1000)),
    };
    if (bucket.count >= limit.limit) {
      headers['X-RateLimit-Remaining'] = '0';
      headers['Retry-After'] = String(Math.max(1, Math.ceil((resetAt - now) / 1000)));
      throw new ApiError(429, [{ reason: TOO_MANY_REQUESTS }], headers);
    }
    bucket.count++;
    headers['X-RateLimit-Remaining'] = String(limit.limit - bucket.count);
    return headers;
  }

  reset(): void {
    this.buckets.clear();
  }
}
