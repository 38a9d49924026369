// src/linode: redirecting @linode/api-v4 to another base URL, idempotent reconfiguration,
// and readable errors.
import { baseRequest, getRegions } from '@linode/api-v4';
import type { AxiosAdapter, InternalAxiosRequestConfig } from 'axios';
import { apiRootFor, configureLinodeClient, LINODE_API_ORIGIN, toLinodeError } from '../../../src/linode';
import { redirectUrl } from '../../../src/linode/client';
import { type Lab, rejectionOf, startLab, TOKEN } from './helpers';

/** Send one request through @linode/api-v4's axios instance without any network. */
async function capture(url: string): Promise<InternalAxiosRequestConfig> {
  let seen: InternalAxiosRequestConfig | undefined;
  const adapter: AxiosAdapter = async (config) => {
    seen = config;
    return { data: {}, status: 200, statusText: 'OK', headers: {}, config };
  };
  await baseRequest.request({ url, adapter });
  if (!seen) throw new Error('adapter not reached');
  return seen;
}

describe('apiRootFor / redirectUrl', () => {
  it('normalises the configured API URL', () => {
    expect(apiRootFor(undefined)).toBe(LINODE_API_ORIGIN);
    expect(apiRootFor('http://127.0.0.1:4010')).toBe('http://127.0.0.1:4010');
    expect(apiRootFor('http://127.0.0.1:4010/')).toBe('http://127.0.0.1:4010');
    expect(apiRootFor('http://127.0.0.1:4010/v4')).toBe('http://127.0.0.1:4010');
    expect(apiRootFor('http://127.0.0.1:4010/lab/v4beta/')).toBe('http://127.0.0.1:4010/lab');
    expect(() => apiRootFor('127.0.0.1:4010')).toThrow('Linode API URL is not an absolute http(s) URL: 127.0.0.1:4010');
    expect(() => apiRootFor('ftp://127.0.0.1/')).toThrow(/absolute http\(s\) URL/);
    expect(() => apiRootFor('http://127.0.0.1:4010/?x=1')).toThrow(/query or fragment/);
  });

  it('rewrites only URLs aimed at the real API', () => {
    expect(redirectUrl('https://api.linode.com/v4beta/linode/instances', 'http://127.0.0.1:1')).toBe(
      'http://127.0.0.1:1/v4beta/linode/instances',
    );
    expect(redirectUrl('https://api.linode.com.evil.example/v4', 'http://127.0.0.1:1')).toBe(
      'https://api.linode.com.evil.example/v4',
    );
    expect(redirectUrl('https://example.com/v4', 'http://127.0.0.1:1')).toBe('https://example.com/v4');
    expect(redirectUrl('https://api.linode.com/v4/regions', LINODE_API_ORIGIN)).toBe(
      'https://api.linode.com/v4/regions',
    );
  });
});

describe('configureLinodeClient', () => {
  it('leaves the real API untouched by default and sets the token', async () => {
    configureLinodeClient({ token: 'real-token' });
    const config = await capture('https://api.linode.com/v4/regions');
    expect(config.url).toBe('https://api.linode.com/v4/regions');
    expect(config.headers.Authorization).toBe('Bearer real-token');
  });

  it('is idempotent: the latest token and URL win, and interceptors do not pile up', async () => {
    const count = (): number =>
      (baseRequest.interceptors.request as unknown as { handlers: unknown[] }).handlers.filter(Boolean).length;
    configureLinodeClient({ apiUrl: 'http://127.0.0.1:9/v4', token: 'first' });
    const installed = count();
    for (let n = 0; n < 5; n++) configureLinodeClient({ apiUrl: `http://127.0.0.1:${10 + n}`, token: `token-${n}` });
    expect(count()).toBe(installed);
    const config = await capture('https://api.linode.com/v4beta/linode/instances');
    expect(config.url).toBe('http://127.0.0.1:14/v4beta/linode/instances');
    expect(config.headers.Authorization).toBe('Bearer token-4');
  });

  describe('against the emulator', () => {
    let lab: Lab;
    beforeAll(async () => {
      lab = await startLab();
    });
    afterAll(async () => {
      await lab.stop();
    });

    it('switches tokens: a wrong token first, the right one second', async () => {
      configureLinodeClient({ apiUrl: lab.url, token: 'stale-token' });
      expect(toLinodeError(await rejectionOf(getRegions())).status).toBe(401);
      configureLinodeClient({ apiUrl: `${lab.url}/v4`, token: TOKEN });
      expect((await getRegions()).results).toBe(3);
    });
  });
});

describe('toLinodeError', () => {
  it('reads the client-side validation array', () => {
    const err = toLinodeError([
      { field: 'label', reason: 'Label must contain between 3 and 64 characters.' },
      { reason: 'Plan is required.' },
    ]);
    expect(err.message).toBe(
      'rejected by the Linode client before sending: label: Label must contain between 3 and 64 characters.; Plan is required.',
    );
    expect(err.status).toBeUndefined();
  });

  it('reads an axios error with response.data.errors, including Retry-After', () => {
    const axiosLike = Object.assign(new Error('Request failed with status code 429'), {
      isAxiosError: true,
      response: { status: 429, data: { errors: [{ reason: 'Too many requests' }] }, headers: { 'retry-after': '7' } },
    });
    const err = toLinodeError(axiosLike, 'list instances');
    expect(err.message).toBe('list instances: Linode API answered 429: Too many requests');
    expect(err.retryAfterSeconds).toBe(7);
    expect(err.hasReason('Too many requests')).toBe(true);
  });

  it('falls back to the axios message when the body has no errors', () => {
    const err = toLinodeError({
      message: 'Request failed with status code 502',
      response: { status: 502, data: '<html>', headers: {} },
    });
    expect(err.message).toBe('Linode API answered 502: Request failed with status code 502');
  });

  it('names connection failures and their code', () => {
    const err = toLinodeError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }));
    expect(err.message).toBe('Linode API request failed: connect ECONNREFUSED 127.0.0.1:9');
    expect(err.code).toBe('ECONNREFUSED');
    expect(toLinodeError(err)).toBe(err);
  });
});
