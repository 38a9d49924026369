// Linode pagination: `?page=` (from 1) and `?page_size=` (25–500, default 100); every list
// answers `{data, page, pages, results}`, with pages = 1 for an empty list.
import { badRequest, type LinodeFieldError } from './errors';
import { PAGE_POSITIVE, PAGE_SIZE_RANGE } from './messages';

export interface Paging {
  page: number;
  pageSize: number;
}

export interface Paginated<T> {
  data: T[];
  page: number;
  pages: number;
  results: number;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MIN_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 500;

function integer(value: unknown): number | undefined {
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;
}

export function parsePaging(query: Record<string, unknown>): Paging {
  const errors: LinodeFieldError[] = [];
  let page = 1;
  let pageSize = DEFAULT_PAGE_SIZE;
  if (query.page !== undefined) {
    const n = integer(query.page);
    if (n === undefined || n < 1) errors.push({ field: 'page', reason: PAGE_POSITIVE });
    else page = n;
  }
  if (query.page_size !== undefined) {
    const n = integer(query.page_size);
    if (n === undefined || n < MIN_PAGE_SIZE || n > MAX_PAGE_SIZE)
      errors.push({ field: 'page_size', reason: PAGE_SIZE_RANGE });
    else pageSize = n;
  }
  if (errors.length > 0) throw badRequest(errors);
  return { page, pageSize };
}

/** A page past the end is empty rather than an error. */
export function paginate<T>(items: readonly T[], { page, pageSize }: Paging): Paginated<T> {
  const start = (page - 1) * pageSize;
  return {
    data: items.slice(start, start + pageSize),
    page,
    pages: Math.max(1, Math.ceil(items.length / pageSize)),
    results: items.length,
  };
}
