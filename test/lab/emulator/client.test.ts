// src/linode: each call's own credentials scope (token and base URL) on @linode/api-v4, and
// readable errors.
import { baseRequest, getRegions, setToken } from '@linode/api-v4';
import type { AxiosAdapter, InternalAxiosRequestConfig } from 'axios';
import { apiRootFor, LINODE_API_ORIGIN, toLinodeError, withLinodeCredentials } from '../../../src/linode';
import { redirectUrl } from '../../../src/linode/client';
import { type Lab, rejectionOf, sleep, startLab, TOKEN } from './helpers';

/** Send one request through @linode/api-v4's axios instance without any network. */
async function capture(url: string, beforeAnswer?: () => Promise<void>): Promise<InternalAxiosRequestConfig> {
  let seen: InternalAxiosRequestConfig | undefined;
  const adapter: AxiosAdapter = async (config) => {
    seen = config;
    await beforeAnswer?.();
    return { data: {}, status: 200, statusText: 'OK', headers: {}, config };
  };
  await baseRequest.request({ url, adapter });
  if (!seen) throw new Error('adapter not reached');
  return seen;
}

const interceptorCount = (): number =>
  (baseRequest.interceptors.request as unknown as { handlers: unknown[] }).handlers.filter(Boolean).length;

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

describe('withLinodeCredentials', () => {
  it('leaves the real API untouched by default and sends the token', async () => {
    const config = await withLinodeCredentials({ token: 'real-token' }, () =>
      capture('https://api.linode.com/v4/regions'),
    );
    expect(config.url).toBe('https://api.linode.com/v4/regions');
    expect(config.headers.Authorization).toBe('Bearer real-token');
  });

  it('sends nothing outside a scope', async () => {
    const installed = interceptorCount();
    const err = await rejectionOf(capture('https://api.linode.com/v4/regions'));
    expect((err as Error).message).toMatch(/outside withLinodeCredentials\(\): no fleet credentials/);
    expect(interceptorCount()).toBe(installed); // scopes install nothing either
  });

  it('gives each concurrent scope its own token and URL across interleaved awaits', async () => {
    // Every request waits inside the adapter, so all eight are in flight together, and each scope
    // makes a second request after the others have started theirs.
    const fleets = [0, 1, 2, 3].map((n) => ({ apiUrl: `http://127.0.0.1:${10 + n}/v4`, token: `token-${n}` }));
    const seen = await Promise.all(
      fleets.map((fleet, n) =>
        withLinodeCredentials(fleet, async () => {
          const first = await capture('https://api.linode.com/v4beta/linode/instances', () => sleep(40 - n * 10));
          await sleep(n * 5);
          const second = await capture('https://api.linode.com/v4/regions', () => sleep(10));
          return [first, second];
        }),
      ),
    );
    seen.forEach(([first, second], n) => {
      expect(first.url).toBe(`http://127.0.0.1:${10 + n}/v4beta/linode/instances`);
      expect(second.url).toBe(`http://127.0.0.1:${10 + n}/v4/regions`);
      expect([first.headers.Authorization, second.headers.Authorization]).toEqual([
        `Bearer token-${n}`,
        `Bearer token-${n}`,
      ]);
    });
  });

  it('wins over a process-wide setToken, and the innermost scope wins', async () => {
    const stray = setToken('stray-token');
    try {
      const [outer, inner] = await withLinodeCredentials({ token: 'outer' }, async () => [
        await capture('https://api.linode.com/v4/regions'),
        await withLinodeCredentials({ token: 'inner' }, () => capture('https://api.linode.com/v4/regions')),
      ]);
      expect(outer.headers.Authorization).toBe('Bearer outer');
      expect(inner.headers.Authorization).toBe('Bearer inner');
    } finally {
      baseRequest.interceptors.request.eject(stray);
    }
  });

  it('refuses a missing token or a bad URL without naming the token', async () => {
    await expect(withLinodeCredentials({ token: '' }, () => getRegions())).rejects.toThrow(
      'a Linode API token is required',
    );
    const err = await rejectionOf(
      withLinodeCredentials({ apiUrl: 'ftp://x/', token: 'secret-token' }, () => getRegions()),
    );
    expect((err as Error).message).toMatch(/absolute http\(s\) URL/);
    expect((err as Error).message).not.toContain('secret-token');
  });

  describe('against the emulator', () => {
    let lab: Lab;
    beforeAll(async () => {
      lab = await startLab();
    });
    afterAll(async () => {
      await lab.stop();
    });

    it('a wrong token is refused, the right one accepted, concurrently', async () => {
      const [wrong, right] = await Promise.all([
        rejectionOf(withLinodeCredentials({ apiUrl: lab.url, token: 'stale-token' }, () => getRegions())),
        withLinodeCredentials({ apiUrl: `${lab.url}/v4`, token: TOKEN }, () => getRegions()),
      ]);
      expect(toLinodeError(wrong).status).toBe(401);
      expect(toLinodeError(wrong).message).not.toContain('stale-token');
      expect(right.results).toBe(3);
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
