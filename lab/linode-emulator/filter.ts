// The X-Filter header: a JSON object whose keys are field names (dot paths for nested
// fields) mapped to a value (equality) or to operators {+gt,+gte,+lt,+lte,+contains,+neq};
// `+and` / `+or` take arrays of such objects and nest; `+order_by` / `+order` sort. Only
// fields the spec marks Filterable may be used, as on the real API. Matching works on the
// rendered response objects, so field names are the API's. For list fields (tags, ipv4)
// equality means "contains this element", as the real API does for tags.
import { ApiError, badRequest } from './errors';
import { cannotFilterOn, cannotOrderBy, COULD_NOT_APPLY_FILTER, INVALID_JSON } from './messages';

type Predicate = (item: unknown) => boolean;
type Scalar = string | number | boolean | null;

const FIELD = 'X-Filter';
const malformed = (): ApiError => badRequest([{ field: FIELD, reason: COULD_NOT_APPLY_FILTER }]);

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function valueAt(item: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (isPlainObject(v) ? v[key] : undefined), item);
}

function equals(actual: unknown, expected: Scalar): boolean {
  return Array.isArray(actual) ? actual.includes(expected) : actual === expected;
}

function operator(op: string, operand: unknown): (actual: unknown) => boolean {
  const num = (): number => {
    if (typeof operand !== 'number') throw malformed();
    return operand;
  };
  switch (op) {
    case '+gt': {
      const n = num();
      return (a) => typeof a === 'number' && a > n;
    }
    case '+gte': {
      const n = num();
      return (a) => typeof a === 'number' && a >= n;
    }
    case '+lt': {
      const n = num();
      return (a) => typeof a === 'number' && a < n;
    }
    case '+lte': {
      const n = num();
      return (a) => typeof a === 'number' && a <= n;
    }
    case '+contains': {
      if (typeof operand !== 'string') throw malformed();
      const has = (a: unknown): boolean => typeof a === 'string' && a.includes(operand);
      return (a) => (Array.isArray(a) ? a.some(has) : has(a));
    }
    case '+neq': {
      if (isPlainObject(operand) || Array.isArray(operand)) throw malformed();
      return (a) => !equals(a, operand as Scalar);
    }
    default:
      throw malformed();
  }
}

function compile(filter: unknown, filterable: ReadonlySet<string>): Predicate {
  if (!isPlainObject(filter)) throw malformed();
  const parts: Predicate[] = Object.entries(filter).map(([key, value]): Predicate => {
    if (key === '+and' || key === '+or') {
      if (!Array.isArray(value)) throw malformed();
      const subs = value.map((sub) => compile(sub, filterable));
      return key === '+and' ? (item) => subs.every((p) => p(item)) : (item) => subs.some((p) => p(item));
    }
    if (key.startsWith('+')) throw malformed();
    if (!filterable.has(key)) throw badRequest([{ field: FIELD, reason: cannotFilterOn(key) }]);
    if (Array.isArray(value)) throw malformed();
    if (isPlainObject(value)) {
      const tests = Object.entries(value).map(([op, operand]) => operator(op, operand));
      return (item) => tests.every((t) => t(valueAt(item, key)));
    }
    return (item) => equals(valueAt(item, key), value as Scalar);
  });
  return (item) => parts.every((p) => p(item));
}

function compare(a: unknown, b: unknown): number {
  const key = (v: unknown): string | number =>
    typeof v === 'number' ? v : Array.isArray(v) ? v.join(',') : String(v ?? '');
  const [x, y] = [key(a), key(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Filter and sort `items` by the raw X-Filter header value (absent → unchanged). */
export function applyXFilter<T>(items: readonly T[], header: string | undefined, filterable: readonly string[]): T[] {
  if (header === undefined || header.trim() === '') return [...items];
  let parsed: unknown;
  try {
    parsed = JSON.parse(header);
  } catch {
    throw badRequest([{ field: FIELD, reason: INVALID_JSON }]);
  }
  if (!isPlainObject(parsed)) throw malformed();
  const { '+order_by': orderBy, '+order': order, ...conditions } = parsed;
  const allowed = new Set(filterable);
  const matches = compile(conditions, allowed);
  const result = items.filter(matches);

  if (orderBy !== undefined) {
    if (typeof orderBy !== 'string') throw malformed();
    if (!allowed.has(orderBy)) throw badRequest([{ field: FIELD, reason: cannotOrderBy(orderBy) }]);
    if (order !== undefined && order !== 'asc' && order !== 'desc') throw malformed();
    const sign = order === 'desc' ? -1 : 1;
    result.sort((a, b) => sign * compare(valueAt(a, orderBy), valueAt(b, orderBy)));
  }
  return result;
}
