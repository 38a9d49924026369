// /regions, /linode/types and /images: public on the real API, so no token is needed.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { findImage, findRegion, findType, IMAGES, REGIONS, TYPES } from '../catalog';
import { notFound } from '../errors';
import { listResponse } from './list';

// Fields the spec (4.189.0) marks Filterable on each object.
const REGION_FILTERABLE = ['country', 'site_type'];
const TYPE_FILTERABLE = ['class', 'disk', 'gpus', 'label', 'memory', 'network_out', 'transfer', 'vcpus'];
const IMAGE_FILTERABLE = ['deprecated', 'is_public', 'label', 'size', 'status', 'tags', 'type', 'vendor'];

const PUBLIC = { config: { public: true } };

function found<T>(item: T | undefined): T {
  if (item === undefined) throw notFound();
  return item;
}

type ById = FastifyRequest<{ Params: { id: string } }>;
type ByImageName = FastifyRequest<{ Params: { vendor: string; name: string } }>;

export function catalogRoutes(app: FastifyInstance): void {
  app.get('/regions', PUBLIC, async (request) => listResponse(request, REGIONS, REGION_FILTERABLE));
  app.get('/regions/:id', PUBLIC, async (request: ById) => found(findRegion(request.params.id)));

  app.get('/linode/types', PUBLIC, async (request) => listResponse(request, TYPES, TYPE_FILTERABLE));
  app.get('/linode/types/:id', PUBLIC, async (request: ById) => found(findType(request.params.id)));

  app.get('/images', PUBLIC, async (request) => listResponse(request, IMAGES, IMAGE_FILTERABLE));
  // Image IDs contain a slash: clients send it encoded (linode%2Fdebian12) or not.
  app.get('/images/:id', PUBLIC, async (request: ById) => found(findImage(request.params.id)));
  app.get('/images/:vendor/:name', PUBLIC, async (request: ByImageName) =>
    found(findImage(`${request.params.vendor}/${request.params.name}`)),
  );
}
