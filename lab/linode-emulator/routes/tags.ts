// GET /tags: the tags in use on the account's instances, as {label} objects.
import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from '../context';
import { listResponse } from './list';

/** The spec (4.189.0) marks no Tag field Filterable. */
const TAG_FILTERABLE: string[] = [];

export function tagRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get('/tags', async (request) => {
    const labels = [...new Set(ctx.store.state.instances.flatMap((i) => i.tags))].sort();
    return listResponse(
      request,
      labels.map((label) => ({ label })),
      TAG_FILTERABLE,
    );
  });
}
