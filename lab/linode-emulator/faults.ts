// Fault injection for tests, driven through the admin API. A rule matches requests by method
// and path (without the /v4 or /v4beta prefix; `*` or `:name` matches one segment, a final
// `**` any rest) and fires with probability `rate` from a seeded RNG — deterministic at rate
// 1 or for a fixed seed — at most `times` times. A fired rule can add latency, answer with
// an error instead of handling the request, or handle the request and then lose the answer
// (the connection is destroyed, or a 500 is sent) — the "create succeeded but the client
// never heard" case that idempotent activities must survive.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { INTERNAL_ERROR, LINODE_BUSY, TOO_MANY_REQUESTS } from './messages';

export const FaultRuleInputSchema = z
  .strictObject({
    method: z.string().toUpperCase().optional(),
    path: z.string().startsWith('/').optional(),
    rate: z.number().min(0).max(1).default(1),
    times: z.number().int().positive().optional(),
    latencyMs: z.number().int().min(0).optional(),
    status: z.number().int().min(400).max(599).optional(),
    body: z.unknown().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    loseResponse: z.enum(['destroy', '500']).optional(),
  })
  .refine((r) => !(r.status !== undefined && r.loseResponse !== undefined), {
    message: 'a rule either answers with `status` or loses the response, not both',
  });
export type FaultRuleInput = z.input<typeof FaultRuleInputSchema>;
export type FaultRule = z.output<typeof FaultRuleInputSchema> & { id: string; fired: number };

export interface FaultOutcome {
  latencyMs: number;
  error?: { status: number; body: unknown; headers: Record<string, string> };
  loseResponse?: 'destroy' | '500';
}

/** mulberry32: small, fast and good enough to make fault sequences repeatable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function defaultBody(status: number): unknown {
  const reason = status === 400 ? LINODE_BUSY : status === 429 ? TOO_MANY_REQUESTS : INTERNAL_ERROR;
  return { errors: [{ reason }] };
}

export function pathMatches(pattern: string, path: string): boolean {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  for (let i = 0; i < want.length; i++) {
    if (want[i] === '**' && i === want.length - 1) return true;
    if (i >= got.length) return false;
    if (want[i] !== '*' && !want[i].startsWith(':') && want[i] !== got[i]) return false;
  }
  return want.length === got.length;
}

export class FaultInjector {
  private rules: FaultRule[] = [];
  private random: () => number;

  constructor(private seed = 1) {
    this.random = seededRandom(seed);
  }

  list(): { seed: number; rules: FaultRule[] } {
    return { seed: this.seed, rules: this.rules.map((r) => ({ ...r })) };
  }

  /** Throws a ZodError for a malformed rule. */
  add(input: unknown): FaultRule {
    const rule: FaultRule = { ...FaultRuleInputSchema.parse(input), id: randomUUID(), fired: 0 };
    this.rules.push(rule);
    return rule;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  /** Drop every rule and restart the random sequence (from `seed` if given). */
  clear(seed = this.seed): void {
    this.rules = [];
    this.seed = seed;
    this.random = seededRandom(seed);
  }

  /** Decide what happens to one request; `path` is without the version prefix. */
  decide(method: string, path: string): FaultOutcome {
    const outcome: FaultOutcome = { latencyMs: 0 };
    for (const rule of [...this.rules]) {
      if (rule.method && rule.method !== method.toUpperCase()) continue;
      if (rule.path && !pathMatches(rule.path, path)) continue;
      if (rule.rate < 1 && this.random() >= rule.rate) continue;
      rule.fired++;
      if (rule.times !== undefined && rule.fired >= rule.times) this.remove(rule.id);
      outcome.latencyMs += rule.latencyMs ?? 0;
      if (rule.status !== undefined) {
        const headers = { ...(rule.status === 429 ? { 'Retry-After': '1' } : {}), ...rule.headers };
        outcome.error = { status: rule.status, body: rule.body ?? defaultBody(rule.status), headers };
        return outcome;
      }
      if (rule.loseResponse) outcome.loseResponse = rule.loseResponse;
    }
    return outcome;
  }
}
