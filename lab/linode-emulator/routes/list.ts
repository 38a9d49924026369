// The common shape of every collection endpoint: X-Filter, then pagination.
import type { FastifyRequest } from 'fastify';
import { applyXFilter } from '../filter';
import { type Paginated, paginate, parsePaging } from '../paginate';

function xFilterHeader(request: FastifyRequest): string | undefined {
  const value = request.headers['x-filter'];
  return Array.isArray(value) ? value[0] : value;
}

export function listResponse<T>(
  request: FastifyRequest,
  items: readonly T[],
  filterable: readonly string[],
): Paginated<T> {
  const paging = parsePaging(request.query as Record<string, unknown>);
  return paginate(applyXFilter(items, xFilterHeader(request), filterable), paging);
}
