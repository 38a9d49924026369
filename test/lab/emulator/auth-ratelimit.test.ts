// Bearer token check and rate limits (429 with Retry-After and X-RateLimit-* headers).
import { getLinodes as getLinodesUnscoped } from '@linode/api-v4';
import { ErrorEnvelopeSchema } from '../../../lab/linode-emulator/schemas';
import { toLinodeError, withLinodeCredentials } from '../../../src/linode';
import { expectSchema, instanceBody, type Lab, raw, rejectionOf, sleep, startLab, TOKEN } from './helpers';
import { createLinode, getRegions } from './labApi';

describe('bearer token', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab.stop();
  });

  it('answers 401 Invalid Token without a token or with a wrong one', async () => {
    for (const token of [null, 'wrong-token']) {
      const response = await raw(lab.url, '/v4/linode/instances', { token });
      expect(response.status).toBe(401);
      expect(expectSchema(ErrorEnvelopeSchema, response.body)).toEqual({ errors: [{ reason: 'Invalid Token' }] });
    }
    const basic = await raw(lab.url, '/v4/linode/instances', {
      token: null,
      headers: { Authorization: `Basic ${TOKEN}` },
    });
    expect(basic.status).toBe(401);
  });

  it('shows @linode/api-v4 callers a readable 401', async () => {
    const wrongToken = { apiUrl: lab.url, token: 'wrong-token' };
    const err = toLinodeError(
      await rejectionOf(withLinodeCredentials(wrongToken, () => getLinodesUnscoped())),
      'list instances',
    );
    expect(err.status).toBe(401);
    expect(err.message).toBe('list instances: Linode API answered 401: Invalid Token');
  });

  it('serves the public catalogue without a token, but refuses a wrong token there too', async () => {
    expect((await raw(lab.url, '/v4/regions', { token: null })).status).toBe(200);
    expect((await raw(lab.url, '/v4/images', { token: null })).status).toBe(200);
    expect((await raw(lab.url, '/v4/regions', { token: 'wrong-token' })).status).toBe(401);
  });
});

describe('rate limits', () => {
  let lab: Lab;
  const WINDOW_MS = 1500;
  beforeAll(async () => {
    lab = await startLab({
      rateLimit: {
        limit: 5,
        windowMs: WINDOW_MS,
        routes: { 'POST /linode/instances': { limit: 2, windowMs: WINDOW_MS } },
      },
    });
  });
  afterAll(async () => {
    await lab.stop();
  });

  it('counts down X-RateLimit-Remaining, then answers 429 with Retry-After until the window resets', async () => {
    const started = Date.now();
    for (let n = 1; n <= 5; n++) {
      const response = await raw(lab.url, '/v4/linode/instances');
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit')).toBe('5');
      expect(response.headers.get('x-ratelimit-remaining')).toBe(String(5 - n));
      expect(Number(response.headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(Math.floor(started / 1000));
    }
    const limited = await raw(lab.url, '/v4beta/regions');
    expect(limited.status).toBe(429);
    expect(expectSchema(ErrorEnvelopeSchema, limited.body)).toEqual({ errors: [{ reason: 'Too many requests' }] });
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);

    const err = toLinodeError(await rejectionOf(getRegions()));
    expect(err.status).toBe(429);
    expect(err.retryAfterSeconds).toBeGreaterThanOrEqual(1);

    await sleep(WINDOW_MS - (Date.now() - started) + 50);
    expect((await raw(lab.url, '/v4/linode/instances')).status).toBe(200);
  });

  it('applies a dedicated limit to creating instances, separate from the general one', async () => {
    lab.emulator.context.limiter.reset();
    await createLinode(instanceBody('rate-1'));
    await createLinode(instanceBody('rate-2'));
    const err = toLinodeError(await rejectionOf(createLinode(instanceBody('rate-3'))));
    expect(err.status).toBe(429);
    // The general bucket still has room.
    expect((await raw(lab.url, '/v4/linode/instances')).status).toBe(200);
  });
});

describe("Linode's create limit and the throttle log", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab(); // the default limits
  });
  afterAll(async () => {
    await lab.stop();
  });

  it('allows 20 creates per 15 s, answers the 21st 429, and logs it with the next request', async () => {
    for (let n = 1; n <= 20; n++) await createLinode(instanceBody(`burst-${n}`));
    const refusedAt = Date.now();
    const limited = await raw(lab.url, '/v4/linode/instances', { method: 'POST', body: instanceBody('burst-21') });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-limit')).toBe('20');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(14);
    expect(retryAfter).toBeLessThanOrEqual(15);
    // Too early: this one is not honouring the 429.
    await sleep(300);
    expect(
      (await raw(lab.url, '/v4/linode/instances', { method: 'POST', body: instanceBody('burst-21') })).status,
    ).toBe(429);
    const report = (await raw(lab.url, '/__admin/throttling')).body as {
      tooManyRequests: {
        route: string;
        source: string;
        retryAfterSeconds: number;
        waitedMs: number;
        honoured: boolean;
      }[];
      unhonoured: number;
    };
    expect(report.tooManyRequests).toHaveLength(2);
    const [first, second] = report.tooManyRequests;
    expect(first).toMatchObject({ route: 'POST /linode/instances', source: 'limit', retryAfterSeconds: retryAfter });
    expect(first.honoured).toBe(false);
    expect(first.waitedMs).toBeLessThan(retryAfter * 1000);
    expect(second).toMatchObject({ honoured: true, waitedMs: null }); // nothing after it yet
    expect(report.unhonoured).toBe(1);
    expect(Date.now() - refusedAt).toBeLessThan(retryAfter * 1000);
    await raw(lab.url, '/__admin/reset', { method: 'POST' });
    expect((await raw(lab.url, '/__admin/throttling')).body).toEqual({ tooManyRequests: [], unhonoured: 0 });
  });
});
