// The lab-only admin API under /__admin (never under /v4, needs no token: the emulator
// listens on 127.0.0.1 only). Tests and the lab use it to inspect state, reset the account,
// inject faults and change latencies or rate limits at run time.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { EmulatorContext } from '../context';
import { ApiError, notFound } from '../errors';

const SettingsSchema = z.strictObject({
  latencies: z
    .strictObject({
      provisioningMs: z.number().int().min(0),
      bootingMs: z.number().int().min(0),
      rebootingMs: z.number().int().min(0),
      shuttingDownMs: z.number().int().min(0),
    })
    .partial()
    .optional(),
  rateLimit: z
    .strictObject({
      limit: z.number().int().positive(),
      windowMs: z.number().int().positive(),
      routes: z
        .record(
          z.string(),
          z.strictObject({ limit: z.number().int().positive(), windowMs: z.number().int().positive() }),
        )
        .optional(),
    })
    .optional(),
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (!result.success) throw new ApiError(400, [{ reason: z.prettifyError(result.error) }]);
  return result.data;
}

export function adminRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { store, faults, limiter, engine } = ctx;

  const settings = () => ({ latencies: engine.latencies, rateLimit: limiter.settings });

  app.get('/__admin/state', async () => ({
    ...store.state,
    addressesInUse: [...store.addressesInUse()].sort(),
    faults: faults.list(),
    settings: settings(),
  }));

  /** Delete every instance (lifecycle hooks run), clear faults and rate-limit counters. */
  app.post('/__admin/reset', async () => {
    await ctx.instances.reset();
    faults.clear();
    limiter.reset();
    ctx.throttleLog.clear();
    return {};
  });

  /**
   * Every 429 answered since the start (or reset), each with the same client's next request on
   * that route and whether it waited Retry-After; `?graceMs=` (default 100): requests arriving
   * that soon after a 429 were already on their way.
   */
  app.get('/__admin/throttling', async (request: FastifyRequest<{ Querystring: { graceMs?: string } }>) => {
    const graceMs = request.query.graceMs === undefined ? 100 : Number(request.query.graceMs);
    if (!Number.isInteger(graceMs) || graceMs < 0)
      throw new ApiError(400, [{ field: 'graceMs', reason: 'Must be a non-negative integer' }]);
    return ctx.throttleLog.report(graceMs);
  });

  /**
   * Root passwords and user data received in creates since the emulator started (lab secret
   * scan), and the SHA-256 of every bearer token received (which fleet's token reached it).
   */
  app.get('/__admin/received-secrets', async () => ({
    ...ctx.instances.receivedSecrets,
    bearerTokens: ctx.receivedTokens.list(),
  }));

  app.get('/__admin/faults', async () => faults.list());

  app.post('/__admin/faults', async (request, reply) => {
    try {
      return reply.code(201).send(faults.add(request.body));
    } catch (err) {
      if (err instanceof z.ZodError) throw new ApiError(400, [{ reason: z.prettifyError(err) }]);
      throw err;
    }
  });

  /** Clear all rules; `?seed=N` restarts the random sequence from N. */
  app.delete('/__admin/faults', async (request: FastifyRequest<{ Querystring: { seed?: string } }>) => {
    const seed = request.query.seed === undefined ? undefined : Number(request.query.seed);
    if (seed !== undefined && !Number.isInteger(seed))
      throw new ApiError(400, [{ field: 'seed', reason: 'Must be an integer' }]);
    faults.clear(seed);
    return faults.list();
  });

  app.delete('/__admin/faults/:id', async (request: FastifyRequest<{ Params: { id: string } }>) => {
    if (!faults.remove(request.params.id)) throw notFound();
    return {};
  });

  app.get('/__admin/settings', async () => settings());

  app.put('/__admin/settings', async (request) => {
    const change = parse(SettingsSchema, request.body);
    if (change.latencies) engine.latencies = { ...engine.latencies, ...change.latencies };
    if (change.rateLimit) {
      limiter.settings = change.rateLimit;
      limiter.reset();
    }
    return settings();
  });
}
