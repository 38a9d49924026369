// Instance CRUD through the real @linode/api-v4 client, redirected to the emulator, with
// every response checked against the schemas written from the spec.
import {
  EmptyObjectSchema,
  ErrorEnvelopeSchema,
  InstanceIpsSchema,
  InstanceSchema,
  paginatedSchema,
  TagSchema,
} from '../../../lab/linode-emulator/schemas';
import { toLinodeError } from '../../../src/linode';
import { expectSchema, instanceBody, type Lab, raw, rejectionOf, startLab, waitFor } from './helpers';
import { createLinode, deleteLinode, getLinode, getLinodeIPs, getLinodes, getTags, updateLinode } from './labApi';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});

afterAll(async () => {
  await lab.stop();
});

describe('instances through @linode/api-v4', () => {
  let id: number;

  it('creates an instance with public and private lab addresses (POST /v4beta/linode/instances)', async () => {
    const userData = Buffer.from('#cloud-config\nssh_keys: {}\n').toString('base64');
    const created = await createLinode({
      ...instanceBody('ns1-next'),
      private_ip: true,
      tags: ['nsdeploy'],
      metadata: { user_data: userData },
    });
    const body = expectSchema(InstanceSchema, created);
    id = body.id;
    expect(body).toMatchObject({
      label: 'ns1-next',
      status: 'provisioning',
      region: 'us-east',
      type: 'g6-nanode-1',
      image: 'linode/debian12',
      tags: ['nsdeploy'],
      has_user_data: true,
    });
    expect(body.ipv4).toHaveLength(2);
    expect(body.ipv4[0]).toMatch(/^198\.18\.1\.\d+$/);
    expect(body.ipv4[1]).toMatch(/^198\.19\.128\.\d+$/);
    expect(body.specs).toEqual({ disk: 25600, memory: 1024, vcpus: 1, gpus: 0, transfer: 1000 });
  });

  it('gets and lists it, and both /v4 and /v4beta serve it', async () => {
    expectSchema(InstanceSchema, await getLinode(id));
    const list = expectSchema(paginatedSchema(InstanceSchema), await getLinodes());
    expect(list.data.map((l) => l.id)).toEqual([id]);
    expect(list).toMatchObject({ page: 1, pages: 1, results: 1 });
    for (const version of ['v4', 'v4beta']) {
      const response = await raw(lab.url, `/${version}/linode/instances/${id}`);
      expect(response.status).toBe(200);
      expectSchema(InstanceSchema, response.body);
    }
  });

  it('lists its addresses in the spec shape (GET /linode/instances/{id}/ips)', async () => {
    const ips = expectSchema(InstanceIpsSchema, await getLinodeIPs(id));
    const instance = await getLinode(id);
    expect(ips.ipv4.public).toHaveLength(1);
    expect(ips.ipv4.public[0]).toMatchObject({
      address: instance.ipv4[0],
      gateway: '198.18.1.1',
      prefix: 24,
      public: true,
      linode_id: id,
      region: 'us-east',
    });
    expect(ips.ipv4.private[0]).toMatchObject({
      address: instance.ipv4[1],
      gateway: null,
      public: false,
      linode_id: id,
    });
    expect(`${ips.ipv6.slaac?.address}/128`).toBe(instance.ipv6);
  });

  it('becomes running and hands user_data to the onRunning hook', async () => {
    await waitFor('running', async () => ((await getLinode(id)).status === 'running' ? true : undefined));
    const [call] = lab.hooks.of('onRunning');
    expect(call.instance).toMatchObject({
      id,
      label: 'ns1-next',
      ipv4: { public: expect.stringMatching(/^198\.18\.1\./), private: expect.stringMatching(/^198\.19\.128\./) },
    });
    expect(call.userData).toBe('#cloud-config\nssh_keys: {}\n');
  });

  it('renames and retags it (PUT /v4beta/linode/instances/{id})', async () => {
    const updated = expectSchema(
      InstanceSchema,
      await updateLinode(id, { label: 'ns1', tags: ['nsdeploy', 'fleet-example'] }),
    );
    expect(updated).toMatchObject({ label: 'ns1', tags: ['nsdeploy', 'fleet-example'] });
    expect((await getLinode(id)).label).toBe('ns1');
    const tags = expectSchema(paginatedSchema(TagSchema), await getTags());
    expect(tags.data.map((t) => t.label)).toEqual(['fleet-example', 'nsdeploy']);
  });

  it('deletes it; afterwards it is Not found (404) and onDeleted has run', async () => {
    expectSchema(EmptyObjectSchema, await deleteLinode(id));
    const err = toLinodeError(await rejectionOf(getLinode(id)), `get instance ${id}`);
    expect(err.status).toBe(404);
    expect(err.message).toBe(`get instance ${id}: Linode API answered 404: Not found`);
    await lab.emulator.idle();
    expect(lab.hooks.of('onDeleted').map((c) => c.instance.id)).toEqual([id]);
    expect((await getLinodes()).results).toBe(0);
  });

  it('answers 404 Not found for unknown or malformed IDs, in the error envelope', async () => {
    for (const path of [
      '/v4/linode/instances/999',
      '/v4/linode/instances/abc',
      '/v4/linode/instances/999/ips',
      '/v4beta/no/such/endpoint',
    ]) {
      const response = await raw(lab.url, path);
      expect(response.status).toBe(404);
      expect(expectSchema(ErrorEnvelopeSchema, response.body)).toEqual({ errors: [{ reason: 'Not found' }] });
    }
    const del = await raw(lab.url, '/v4/linode/instances/999', { method: 'DELETE' });
    expect(del.status).toBe(404);
  });

  it('answers 400 with the error envelope for a body that is not JSON', async () => {
    const response = await raw(lab.url, '/v4/linode/instances', { method: 'POST', body: '{not json' });
    expect(response.status).toBe(400);
    expectSchema(ErrorEnvelopeSchema, response.body);
  });
});
