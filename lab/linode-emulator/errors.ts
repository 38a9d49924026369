// Linode's error envelope: `{"errors":[{"field"?,"reason"}]}`. Handlers throw ApiError; the
// server's error handler turns it into that body with the given status.
import { INTERNAL_ERROR, INVALID_TOKEN, LINODE_BUSY, NOT_FOUND } from './messages';

export interface LinodeFieldError {
  /** Omitted when the error is not about one request field (the spec allows that). */
  field?: string;
  reason: string;
}

export interface ErrorEnvelope {
  errors: LinodeFieldError[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: LinodeFieldError[],
    /** Extra response headers, e.g. Retry-After on a 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.map((e) => (e.field ? `${e.field}: ${e.reason}` : e.reason)).join('; '));
    this.name = 'ApiError';
  }

  envelope(): ErrorEnvelope {
    return { errors: this.errors };
  }
}

export const badRequest = (errors: LinodeFieldError[]): ApiError => new ApiError(400, errors);
export const notFound = (): ApiError => new ApiError(404, [{ reason: NOT_FOUND }]);
export const invalidToken = (): ApiError => new ApiError(401, [{ reason: INVALID_TOKEN }]);
export const linodeBusy = (): ApiError => new ApiError(400, [{ reason: LINODE_BUSY }]);
export const internalError = (): ApiError => new ApiError(500, [{ reason: INTERNAL_ERROR }]);
