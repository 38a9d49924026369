// Configures the process-wide @linode/api-v4 client: its token, and the API base URL.
//
// The package has its API root as a constant (https://api.linode.com/v4 and …/v4beta), so to
// talk to another server (the lab's emulator) a request interceptor on its exported axios
// instance rewrites that origin. `setToken` adds one interceptor per call and axios runs
// request interceptors newest first, so the oldest Authorization wins: configuring twice
// naively would keep the first token. Each call here therefore ejects what the previous
// call installed, which makes configuration idempotent.
import { baseRequest, setToken } from '@linode/api-v4';

/** The origin that @linode/api-v4 puts in front of every path (/v4/… and /v4beta/…). */
export const LINODE_API_ORIGIN = 'https://api.linode.com';

export interface LinodeClientConfig {
  /**
   * Where requests go instead of https://api.linode.com, e.g. http://127.0.0.1:4010 for the
   * lab emulator. A trailing /v4 or /v4beta is accepted and ignored: the client picks the
   * version per call. Default: the real API, unchanged.
   */
  apiUrl?: string;
  /** Personal access token, sent as `Authorization: Bearer <token>`. */
  token: string;
}

interface Installed {
  tokenInterceptor: number;
  urlInterceptor: number;
}

let installed: Installed | undefined;

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

/** Point @linode/api-v4 at `apiUrl` with `token`. Safe to call again to change either. */
export function configureLinodeClient(config: LinodeClientConfig): { apiRoot: string } {
  if (!config.token) throw new Error('a Linode API token is required');
  const root = apiRootFor(config.apiUrl);

  if (installed) {
    baseRequest.interceptors.request.eject(installed.tokenInterceptor);
    baseRequest.interceptors.request.eject(installed.urlInterceptor);
  }
  const tokenInterceptor = setToken(config.token);
  const urlInterceptor = baseRequest.interceptors.request.use((request) => {
    request.url = redirectUrl(request.url, root);
    request.baseURL = redirectUrl(request.baseURL, root);
    return request;
  });
  installed = { tokenInterceptor, urlInterceptor };
  return { apiRoot: root };
}
