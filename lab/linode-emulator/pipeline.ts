// What happens to every /v4 and /v4beta request before and after its handler, in order:
// the bearer token's digest recorded, injected faults (latency, error answers), the bearer
// token check, the rate limit (every request and 429 noted in the throttle log); and, after the handler, the "lost response" fault.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EmulatorContext } from './context';
import { ApiError, invalidToken } from './errors';
import { INTERNAL_ERROR } from './messages';
import { clientName } from './throttleLog';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answered without a token (catalogue endpoints), as on the real API. */
    public?: boolean;
  }
}

const VERSION_PREFIX = /^\/v4(beta)?(?=\/|$)/;

/** Requests whose answer a fault rule decided to lose after the handler ran. */
const losing = new WeakMap<FastifyRequest, 'destroy' | '500'>();

function bearerToken(request: FastifyRequest): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

export function apiPipeline(app: FastifyInstance, ctx: EmulatorContext): void {
  app.addHook('onRequest', async (request, reply) => {
    const token = bearerToken(request);
    if (token !== undefined) ctx.receivedTokens.record(token); // before faults: an injected answer still got it
    const path = request.url.split('?')[0].replace(VERSION_PREFIX, '');
    const route = `${request.method} ${(request.routeOptions.url ?? path).replace(VERSION_PREFIX, '')}`;
    const client = clientName(token, request.ip);
    ctx.throttleLog.request(client, route);
    const fault = ctx.faults.decide(request.method, path);
    if (fault.latencyMs > 0) await sleep(fault.latencyMs);
    if (fault.error) {
      request.log.info({ fault: fault.error.status }, 'injected fault');
      if (fault.error.status === 429)
        ctx.throttleLog.tooManyRequests(client, route, Number(fault.error.headers['Retry-After'] ?? 0), 'fault');
      return reply.code(fault.error.status).headers(fault.error.headers).send(fault.error.body);
    }
    if (fault.loseResponse) losing.set(request, fault.loseResponse);

    const hasAuthorization = request.headers.authorization !== undefined;
    const isPublic = request.routeOptions.config.public === true;
    // A public endpoint needs no token, but a token that is sent must be valid.
    if ((hasAuthorization || !isPublic) && token !== ctx.token) throw invalidToken();

    try {
      reply.headers(ctx.limiter.take(token ?? `ip:${request.ip}`, route));
    } catch (err) {
      if (err instanceof ApiError && err.status === 429)
        ctx.throttleLog.tooManyRequests(client, route, Number(err.headers['Retry-After']), 'limit');
      throw err;
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const lose = losing.get(request);
    if (lose === undefined) return payload;
    request.log.info({ lose }, 'injected fault: response lost after handling');
    if (lose === '500') {
      reply.code(500);
      return JSON.stringify({ errors: [{ reason: INTERNAL_ERROR }] });
    }
    request.raw.socket.destroy();
    return payload;
  });
}
