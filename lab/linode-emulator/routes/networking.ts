// /networking/ips (list), /networking/ips/assign and /networking/ips/share.
import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../context';
import { renderAccountIps } from '../render';
import { listResponse } from './list';

/** The spec marks no IPAddress field Filterable. */
const IP_FILTERABLE: string[] = [];

export function networkingRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get('/networking/ips', async (request) =>
    listResponse(request, renderAccountIps(ctx.instances.list(), ctx.pools), IP_FILTERABLE),
  );

  app.post('/networking/ips/assign', async (request) => {
    await ctx.ips.assign(request.body);
    return {};
  });

  app.post('/networking/ips/share', async (request) => {
    ctx.ips.share(request.body);
    return {};
  });
}
