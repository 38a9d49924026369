// The delegation-reading activity: what one parent (TLD) server serves for the domain's NS and
// glue, per transport (RD=0). A parent that is down or answers badly shows up as an error in
// its view; only invalid input fails the activity (non-retryably: it will not get better).
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { readDelegation as readDelegationAt, type ReadDelegationResult } from '../dns/delegation';
import type { QueryFn } from '../dns';
import type { Logger } from '../logger';

export type { DelegationView, GlueRecord, ReadDelegationResult } from '../dns/delegation';

export interface DelegationDeps {
  query?: QueryFn;
  logger?: Logger;
}

const dnsName = z
  .string()
  .transform((s) => s.replace(/\.$/, '').toLowerCase())
  .refine(
    (s) =>
      s.length > 0 && s.length <= 253 && s.split('.').every((l) => /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?$/.test(l)),
    {
      message: 'must be a domain name such as "example.test"',
    },
  );

const inputSchema = z.strictObject({
  parent: z.strictObject({
    address: z.union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' }),
    port: z.number().int().min(1).max(65535, { message: 'must be a port number (1-65535)' }).optional(),
  }),
  domain: dnsName,
  transports: z
    .array(z.enum(['udp', 'tcp'], { error: 'must be "udp" or "tcp"' }))
    .min(1, { message: 'must name at least one transport' })
    .refine((t) => new Set(t).size === t.length, { message: 'must not repeat a transport' })
    .optional(),
  timeoutMs: z.number().int().min(1).max(60_000, { message: 'must be at most 60000 ms' }).optional(),
});

export type ReadDelegationInput = z.input<typeof inputSchema>;

function parseInput(input: unknown): z.output<typeof inputSchema> {
  const parsed = inputSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${['input', ...i.path].join('.')}: ${i.message}`);
  throw ApplicationFailure.nonRetryable(
    `readDelegation: invalid input: ${problems.join('; ')}`,
    'InvalidDelegationInput',
  );
}

export function createDelegationActivities(deps: DelegationDeps = {}) {
  return {
    /** RD=0 "<domain> NS" at one parent over each transport: NS names, TTL and glue as served. */
    async readDelegation(input: ReadDelegationInput): Promise<ReadDelegationResult> {
      const i = parseInput(input);
      const result = await readDelegationAt(i.parent, i.domain, {
        transports: i.transports,
        timeoutMs: i.timeoutMs,
        queryFn: deps.query,
      });
      deps.logger?.info(
        {
          parent: result.parent,
          domain: i.domain,
          agree: result.agree,
          errors: result.views.filter((v) => v.error).map((v) => v.transport),
        },
        'delegation read',
      );
      return result;
    },
  };
}

export type DelegationActivities = ReturnType<typeof createDelegationActivities>;
