// /linode/instances: list, create, get, update, delete, IPs and power actions.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EmulatorContext } from '../context';
import { renderInstance, renderIps } from '../render';
import { listResponse } from './list';

/** Fields the spec (4.189.0) marks Filterable on the Linode object. */
export const INSTANCE_FILTERABLE = ['id', 'label', 'group', 'ipv4', 'region', 'tags'] as const;

type WithId = FastifyRequest<{ Params: { linodeId: string } }>;

export function instanceRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { instances } = ctx;

  app.get('/linode/instances', async (request) =>
    listResponse(request, instances.list().map(renderInstance), INSTANCE_FILTERABLE),
  );

  app.post('/linode/instances', async (request) => renderInstance(instances.create(request.body)));

  app.get('/linode/instances/:linodeId', async (request: WithId) =>
    renderInstance(instances.get(request.params.linodeId)),
  );

  app.put('/linode/instances/:linodeId', async (request: WithId) =>
    renderInstance(instances.update(request.params.linodeId, request.body)),
  );

  app.delete('/linode/instances/:linodeId', async (request: WithId) => {
    instances.delete(request.params.linodeId);
    return {};
  });

  app.get('/linode/instances/:linodeId/ips', async (request: WithId) =>
    renderIps(instances.get(request.params.linodeId), ctx.pools, (a) => ctx.ips.holderOf(a)),
  );

  app.post('/linode/instances/:linodeId/boot', async (request: WithId) => {
    instances.boot(request.params.linodeId);
    return {};
  });

  app.post('/linode/instances/:linodeId/reboot', async (request: WithId) => {
    instances.reboot(request.params.linodeId);
    return {};
  });

  app.post('/linode/instances/:linodeId/shutdown', async (request: WithId) => {
    instances.shutdown(request.params.linodeId);
    return {};
  });
}
