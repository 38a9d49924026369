// Sends each @linode/api-v4 request with its own fleet's token, to its own fleet's API.
//
// The package has one module-level axios instance (`baseRequest`) and its API root as a
// constant; its functions take no client or token argument. Setting the token or base URL on
// that instance (`setToken`, a URL interceptor) is process-wide: with a worker serving two
// fleets, one activity's settings would apply to another's requests made between two awaits.
// So nothing about a fleet is stored on the instance. One interceptor, installed once, reads
// the credentials from an AsyncLocalStorage scope that `withLinodeCredentials` opens around a
// fleet's calls. axios runs request interceptors as promise callbacks attached while the call
// is made, and Node carries the async context into them, so each request sees the scope it
// was started in, whatever other scopes run concurrently. A request made outside any scope is
// refused before anything is sent, rather than going to the real API without a token.
//
// The token is kept in the scope only: never in an error message, a log line or a return value.
import { baseRequest } from '@linode/api-v4';
import type { InternalAxiosRequestConfig } from 'axios';
import { AsyncLocalStorage } from 'node:async_hooks';

/** The origin that @linode/api-v4 puts in front of every path (/v4/… and /v4beta/…). */
export const LINODE_API_ORIGIN = 'https://api.linode.com';

/** One fleet's Linode account. */
export interface LinodeCredentials {
  /**
   * Where requests go instead of https://api.linode.com, e.g. http://127.0.0.1:4010 for the
   * lab emulator. A trailing /v4 or /v4beta is accepted and ignored: the client picks the
   * version per call. Default: the real API, unchanged.
   */
  apiUrl?: string;
  /** Personal access token, sent as `Authorization: Bearer <token>`. */
  token: string;
}

interface Scope {
  root: string;
  token: string;
}

const currentScope = new AsyncLocalStorage<Scope>();

/** Normalise an API URL to the origin(+path prefix) that replaces LINODE_API_ORIGIN. */
export function apiRootFor(apiUrl: string | undefined): string {
  if (apiUrl === undefined || apiUrl === '') return LINODE_API_ORIGIN;
  let parsed: URL;
  try {
    parsed = new URL(apiUrl);
  } catch {
    throw new Error(`Linode API URL is not an absolute http(s) URL: ${apiUrl}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`Linode API URL is not an absolute http(s) URL: ${apiUrl}`);
  }
  if (parsed.search || parsed.hash) throw new Error(`Linode API URL must not have a query or fragment: ${apiUrl}`);
  const path = parsed.pathname.replace(/\/+$/, '').replace(/\/v4(beta)?$/, '');
  return `${parsed.origin}${path}`;
}

/** Rewrite a request URL aimed at the real API so it goes to `root` instead. */
export function redirectUrl(url: string | undefined, root: string): string | undefined {
  if (url === undefined || root === LINODE_API_ORIGIN) return url;
  if (url === LINODE_API_ORIGIN || url.startsWith(`${LINODE_API_ORIGIN}/`)) {
    return root + url.slice(LINODE_API_ORIGIN.length);
  }
  return url;
}

/** The request interceptor: the current scope's token and API root, or no request at all. */
function applyScope(request: InternalAxiosRequestConfig): InternalAxiosRequestConfig {
  const scope = currentScope.getStore();
  if (!scope) {
    throw new Error('Linode API request made outside withLinodeCredentials(): no fleet credentials to send it with');
  }
  request.headers.set('Authorization', `Bearer ${scope.token}`);
  request.url = redirectUrl(request.url, scope.root);
  request.baseURL = redirectUrl(request.baseURL, scope.root);
  return request;
}

// Newest interceptors run first, so this one runs after any added later (e.g. a stray
// setToken): the scope's token is the one sent.
baseRequest.interceptors.request.use(applyScope);

/**
 * Runs `calls` with one fleet's credentials: every @linode/api-v4 request started inside it,
 * across all its awaits, goes to `apiUrl` with `token`. Scopes may run concurrently and nest
 * (the innermost wins).
 */
export function withLinodeCredentials<T>(credentials: LinodeCredentials, calls: () => Promise<T>): Promise<T> {
  if (!credentials.token) return Promise.reject(new Error('a Linode API token is required'));
  let root: string;
  try {
    root = apiRootFor(credentials.apiUrl);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  return currentScope.run({ root, token: credentials.token }, calls);
}
