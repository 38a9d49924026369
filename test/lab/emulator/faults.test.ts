// Fault injection and the rest of the lab-only admin API (/__admin/...).
import { pathMatches } from '../../../lab/linode-emulator/faults';
import { ErrorEnvelopeSchema } from '../../../lab/linode-emulator/schemas';
import { toLinodeError } from '../../../src/linode';
import { expectSchema, instanceBody, type Lab, raw, rejectionOf, startLab, waitFor } from './helpers';
import { createLinode, getLinode, getLinodes, linodeBoot } from './labApi';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});

afterAll(async () => {
  await lab.stop();
});

afterEach(async () => {
  expect((await raw(lab.url, '/__admin/faults', { method: 'DELETE' })).status).toBe(200);
});

const addFault = async (rule: Record<string, unknown>): Promise<{ id: string }> => {
  const response = await raw(lab.url, '/__admin/faults', { method: 'POST', body: rule });
  expect(response.status).toBe(201);
  return response.body as { id: string };
};

interface AdminState {
  instances: { id: number; label: string }[];
  pendingDeletions: unknown[];
  addressesInUse: string[];
}
const adminState = async (): Promise<AdminState> => (await raw(lab.url, '/__admin/state')).body as AdminState;

describe('injected errors', () => {
  it('answers with the given status and Linode error body, `times` times', async () => {
    await addFault({ method: 'GET', path: '/linode/instances', status: 500, times: 2 });
    for (let n = 0; n < 2; n++) {
      const err = toLinodeError(await rejectionOf(getLinodes()));
      expect(err.status).toBe(500);
      expect(err.errors).toEqual([{ reason: 'An error occurred' }]);
    }
    expect((await getLinodes()).results).toBeGreaterThanOrEqual(0);
  });

  it('defaults 400 to "Linode busy." and 429 to "Too many requests" with Retry-After', async () => {
    const { id } = await createLinode(instanceBody('fault-busy'));
    await waitFor('running', async () => ((await getLinode(id)).status === 'running' ? true : undefined));
    await addFault({ method: 'POST', path: '/linode/instances/*/boot', status: 400, times: 1 });
    expect(toLinodeError(await rejectionOf(linodeBoot(id))).hasReason('Linode busy.')).toBe(true);

    await addFault({ path: '/linode/instances/:id', status: 429, times: 1 });
    const limited = await raw(lab.url, `/v4beta/linode/instances/${id}`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(expectSchema(ErrorEnvelopeSchema, limited.body)).toEqual({ errors: [{ reason: 'Too many requests' }] });
  });

  it('adds latency', async () => {
    await addFault({ path: '/regions', latencyMs: 250, times: 1 });
    const started = Date.now();
    expect((await raw(lab.url, '/v4/regions')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('is repeatable for a fixed seed when the rate is below 1', async () => {
    const pattern = async (): Promise<number[]> => {
      await raw(lab.url, '/__admin/faults?seed=42', { method: 'DELETE' });
      await addFault({ path: '/regions', rate: 0.5, status: 503 });
      const statuses: number[] = [];
      for (let n = 0; n < 20; n++) statuses.push((await raw(lab.url, '/v4/regions')).status);
      return statuses;
    };
    const first = await pattern();
    expect(await pattern()).toEqual(first);
    expect(first).toContain(503);
    expect(first).toContain(200);
  });

  it('refuses malformed rules with a readable 400', async () => {
    const response = await raw(lab.url, '/__admin/faults', { method: 'POST', body: { status: 200, rate: 3 } });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toMatch(/rate/);
  });

  it('matches paths segment by segment', () => {
    expect(pathMatches('/linode/instances', '/linode/instances')).toBe(true);
    expect(pathMatches('/linode/instances', '/linode/instances/1')).toBe(false);
    expect(pathMatches('/linode/instances/*/boot', '/linode/instances/12/boot')).toBe(true);
    expect(pathMatches('/linode/**', '/linode/instances/12/ips')).toBe(true);
  });
});

describe('lost responses: the request is handled, the answer never arrives', () => {
  it('creates the instance but destroys the connection', async () => {
    await addFault({ method: 'POST', path: '/linode/instances', loseResponse: 'destroy', times: 1 });
    const err = toLinodeError(await rejectionOf(createLinode(instanceBody('lost-create-1'))), 'create lost-create-1');
    expect(err.status).toBeUndefined();
    expect(err.message).toMatch(/^create lost-create-1: Linode API request failed: /);
    expect(err.code).toBe('ECONNRESET');
    // The instance exists: an idempotent create must look it up by label before retrying.
    const found = await getLinodes({}, { label: 'lost-create-1' });
    expect(found.results).toBe(1);
    expect((await adminState()).instances.map((i) => i.label)).toContain('lost-create-1');
  });

  it('creates the instance but answers 500', async () => {
    await addFault({ method: 'POST', path: '/linode/instances', loseResponse: '500', times: 1 });
    const err = toLinodeError(await rejectionOf(createLinode(instanceBody('lost-create-2'))));
    expect(err.status).toBe(500);
    expect((await getLinodes({}, { label: 'lost-create-2' })).results).toBe(1);
  });
});

describe('admin API', () => {
  it('shows state, changes settings and resets the account (running onDeleted for every instance)', async () => {
    const state = await adminState();
    expect(state.instances.length).toBeGreaterThan(0);
    expect(state.addressesInUse.length).toBeGreaterThan(0);

    const settings = await raw(lab.url, '/__admin/settings', {
      method: 'PUT',
      body: { latencies: { provisioningMs: 5000 } },
    });
    expect(settings.body).toMatchObject({ latencies: { provisioningMs: 5000, bootingMs: 60 } });
    const { id } = await createLinode(instanceBody('slow-provisioning'));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await getLinode(id)).status).toBe('provisioning');
    await raw(lab.url, '/__admin/settings', { method: 'PUT', body: { latencies: { provisioningMs: 60 } } });
    expect(
      (await raw(lab.url, '/__admin/settings', { method: 'PUT', body: { latencies: { bogusMs: 1 } } })).status,
    ).toBe(400);

    const before = lab.hooks.of('onDeleted').length;
    const count = (await adminState()).instances.length;
    await addFault({ path: '/regions', status: 500 });
    expect((await raw(lab.url, '/__admin/reset', { method: 'POST' })).status).toBe(200);
    expect(lab.hooks.of('onDeleted').length - before).toBe(count);
    const after = await adminState();
    expect(after).toMatchObject({ instances: [], pendingDeletions: [], addressesInUse: [] });
    expect((await raw(lab.url, '/v4/regions')).status).toBe(200); // faults cleared too
    // IDs keep counting up across a reset, so a stale ID never names a new instance.
    expect((await createLinode(instanceBody('after-reset'))).id).toBeGreaterThan(id);
  });
});
