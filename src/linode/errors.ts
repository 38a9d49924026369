// Turns what @linode/api-v4 throws into one readable Error. The client rejects with:
//  - an array of {field?, reason} when its own (yup) validation fails before sending;
//  - an axios error whose response.data.errors has that same shape when the API refuses;
//  - an axios error without a response when the connection failed (or the answer was lost).

export interface LinodeReason {
  field?: string;
  reason: string;
}

export class LinodeApiError extends Error {
  constructor(
    message: string,
    /** Every {field, reason} the client or the API gave. */
    readonly errors: LinodeReason[],
    /** HTTP status; undefined for client-side validation and connection failures. */
    readonly status?: number,
    /** Seconds from a 429's Retry-After header. */
    readonly retryAfterSeconds?: number,
    /** Node/axios error code of a connection failure, e.g. ECONNRESET. */
    readonly code?: string,
    /** The endpoint's limit from a 429's X-RateLimit-Limit header. */
    readonly rateLimit?: number,
  ) {
    super(message);
    this.name = 'LinodeApiError';
  }

  /** Did the API give exactly this reason (e.g. "Linode busy.")? */
  hasReason(reason: string): boolean {
    return this.errors.some((e) => e.reason === reason);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function asReasons(value: unknown): LinodeReason[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  if (!value.every((e) => isObject(e) && typeof e.reason === 'string')) return undefined;
  return value.map((e: Record<string, unknown>) =>
    typeof e.field === 'string' && e.field !== ''
      ? { field: e.field, reason: e.reason as string }
      : { reason: e.reason as string },
  );
}

export function describeReasons(errors: readonly LinodeReason[]): string {
  return errors.map((e) => (e.field ? `${e.field}: ${e.reason}` : e.reason)).join('; ');
}

/**
 * @param err whatever an @linode/api-v4 call rejected with
 * @param action what was being done, for the message, e.g. "create instance ns1-next"
 */
export function toLinodeError(err: unknown, action?: string): LinodeApiError {
  if (err instanceof LinodeApiError) return err;
  const prefix = action ? `${action}: ` : '';

  const clientReasons = asReasons(err);
  if (clientReasons) {
    return new LinodeApiError(
      `${prefix}rejected by the Linode client before sending: ${describeReasons(clientReasons)}`,
      clientReasons,
    );
  }

  if (isObject(err) && isObject(err.response)) {
    const response = err.response;
    const status = typeof response.status === 'number' ? response.status : undefined;
    const data = isObject(response.data) ? response.data : undefined;
    const reasons = asReasons(data?.errors) ?? [
      { reason: typeof err.message === 'string' ? err.message : 'no error details' },
    ];
    const headers = isObject(response.headers) ? response.headers : {};
    const retryAfter = Number(headers['retry-after']);
    const limit = Number(headers['x-ratelimit-limit']);
    return new LinodeApiError(
      `${prefix}Linode API answered ${status ?? 'an error'}: ${describeReasons(reasons)}`,
      reasons,
      status,
      Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
      undefined,
      status === 429 && Number.isInteger(limit) && limit > 0 ? limit : undefined,
    );
  }

  const message = err instanceof Error ? err.message : String(err);
  const code = isObject(err) && typeof err.code === 'string' ? err.code : undefined;
  return new LinodeApiError(
    `${prefix}Linode API request failed: ${message}${code && !message.includes(code) ? ` (${code})` : ''}`,
    [{ reason: message }],
    undefined,
    undefined,
    code,
  );
}
