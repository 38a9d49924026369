// Cloud Firewalls on the emulator, over real HTTP: shapes checked against the spec's schemas,
// Linode's validation and its one-active-firewall rule, and the lab told of every change that
// alters what an instance's network lets through (onNetworkChanged, before the answer).
import {
  EmptyObjectSchema,
  ErrorEnvelopeSchema,
  FirewallDeviceSchema,
  FirewallRulesSchema,
  FirewallSchema,
  paginatedSchema,
} from '../../../lab/linode-emulator/schemas';
import { expectSchema, instanceBody, type Lab, raw, startLab, waitFor } from './helpers';

let lab: Lab;
beforeEach(async () => {
  lab = await startLab();
});
afterEach(async () => {
  await lab.stop();
});

const DNS_ONLY = {
  inbound_policy: 'DROP',
  inbound: [
    { action: 'ACCEPT', protocol: 'UDP', ports: '53', addresses: { ipv4: ['0.0.0.0/0'] }, label: 'dns-udp' },
    { action: 'ACCEPT', protocol: 'TCP', ports: '22, 53', addresses: { ipv4: ['0.0.0.0/0'], ipv6: ['::/0'] } },
  ],
  outbound_policy: 'ACCEPT',
};

async function createInstance(label: string): Promise<number> {
  const res = await raw(lab.url, '/v4/linode/instances', { method: 'POST', body: instanceBody(label) });
  expect(res.status).toBe(200);
  return (res.body as { id: number }).id;
}

const errorsOf = (body: unknown) => expectSchema(ErrorEnvelopeSchema, body).errors;
const networkCalls = () => lab.hooks.of('onNetworkChanged');

test('create, get, list, update and delete a firewall, in the spec shape', async () => {
  const created = await raw(lab.url, '/v4/networking/firewalls', {
    method: 'POST',
    body: { label: 'ns-firewall', rules: DNS_ONLY, tags: ['dns'] },
  });
  expect(created.status).toBe(200);
  const fw = expectSchema(FirewallSchema, created.body);
  expect(fw).toMatchObject({ label: 'ns-firewall', status: 'enabled', tags: ['dns'], entities: [] });
  expect(fw.rules).toMatchObject({ inbound_policy: 'DROP', outbound_policy: 'ACCEPT', outbound: [], version: 1 });
  expect(fw.rules.inbound[0]).toEqual(DNS_ONLY.inbound[0]);

  expect(expectSchema(FirewallSchema, (await raw(lab.url, `/v4/networking/firewalls/${fw.id}`)).body)).toEqual(fw);
  const list = expectSchema(paginatedSchema(FirewallSchema), (await raw(lab.url, '/v4/networking/firewalls')).body);
  expect(list).toMatchObject({ page: 1, pages: 1, results: 1 });

  const filtered = await raw(lab.url, '/v4/networking/firewalls', {
    headers: { 'X-Filter': JSON.stringify({ label: 'other' }) },
  });
  expect((filtered.body as { results: number }).results).toBe(0);
  const badFilter = await raw(lab.url, '/v4/networking/firewalls', {
    headers: { 'X-Filter': JSON.stringify({ status: 'enabled' }) },
  });
  expect(badFilter.status).toBe(400);
  expect(errorsOf(badFilter.body)).toEqual([{ field: 'X-Filter', reason: 'Cannot filter on status' }]);

  const updated = await raw(lab.url, `/v4/networking/firewalls/${fw.id}`, {
    method: 'PUT',
    body: { status: 'disabled', label: 'ns-firewall-2' },
  });
  expect(expectSchema(FirewallSchema, updated.body)).toMatchObject({ status: 'disabled', label: 'ns-firewall-2' });

  const deleted = await raw(lab.url, `/v4/networking/firewalls/${fw.id}`, { method: 'DELETE' });
  expect(expectSchema(EmptyObjectSchema, deleted.body)).toEqual({});
  expect((await raw(lab.url, `/v4/networking/firewalls/${fw.id}`)).status).toBe(404);
});

test('bad firewalls are refused with every problem at once', async () => {
  const res = await raw(lab.url, '/v4/networking/firewalls', {
    method: 'POST',
    body: {
      label: 'x',
      rules: {
        inbound_policy: 'REJECT',
        inbound: [
          { action: 'ACCEPT', protocol: 'ICMP', ports: '22', addresses: { ipv4: ['0.0.0.0/0'] } },
          { action: 'ACCEPT', protocol: 'TCP', ports: '70000', addresses: { ipv4: ['300.1.1.1'] } },
          { action: 'ALLOW', protocol: 'SCTP' },
        ],
      },
    },
  });
  expect(res.status).toBe(400);
  expect(errorsOf(res.body)).toEqual([
    { field: 'label', reason: 'Length must be 3-32 characters' },
    { field: 'rules.inbound[0].ports', reason: 'Ports are not allowed for ICMP and IPENCAP protocols' },
    {
      field: 'rules.inbound[1].ports',
      reason: 'Must be a port, a range of ports (low-high) or a comma-separated list of both, 1-65535',
    },
    { field: 'rules.inbound[1].addresses.ipv4', reason: '300.1.1.1 is not a valid IPv4 address or network' },
    { field: 'rules.inbound[2].action', reason: 'Must be one of ACCEPT, DROP' },
    { field: 'rules.inbound[2].protocol', reason: 'Must be one of TCP, UDP, ICMP, IPENCAP, ALL' },
    { field: 'rules.inbound[2].addresses', reason: 'addresses is required' },
    { field: 'rules.inbound_policy', reason: 'Must be one of ACCEPT, DROP' },
    { field: 'rules.outbound_policy', reason: 'outbound_policy is required' },
  ]);
  const noRules = await raw(lab.url, '/v4/networking/firewalls', { method: 'POST', body: { label: 'fw-one' } });
  expect(errorsOf(noRules.body)).toEqual([{ field: 'rules', reason: 'rules is required' }]);
  const tooManyPorts = await raw(lab.url, '/v4/networking/firewalls', {
    method: 'POST',
    body: {
      label: 'fw-two',
      rules: {
        ...DNS_ONLY,
        inbound: [
          { action: 'ACCEPT', protocol: 'TCP', ports: '1-2,3-4,5-6,7-8,9-10,11-12,13-14,15,16', addresses: {} },
        ],
      },
    },
  });
  expect(errorsOf(tooManyPorts.body)).toEqual([
    { field: 'rules.inbound[0].ports', reason: 'Number of ports or port range endpoints exceeded. Max allowed is 15' },
  ]);
  await raw(lab.url, '/v4/networking/firewalls', { method: 'POST', body: { label: 'taken', rules: DNS_ONLY } });
  const twice = await raw(lab.url, '/v4/networking/firewalls', {
    method: 'POST',
    body: { label: 'TAKEN', rules: DNS_ONLY },
  });
  expect(errorsOf(twice.body)).toEqual([{ field: 'label', reason: 'Label must be unique among your firewalls' }]);
});

test('devices assign a firewall to Linodes; the lab gets the rules of the enabled one, and its removal', async () => {
  const linode = await createInstance('ns1');
  await waitFor(
    'running',
    async () =>
      ((await raw(lab.url, `/v4/linode/instances/${linode}`)).body as { status: string }).status === 'running' ||
      undefined,
  );
  const fw = expectSchema(
    FirewallSchema,
    (await raw(lab.url, '/v4/networking/firewalls', { method: 'POST', body: { label: 'fw-a', rules: DNS_ONLY } })).body,
  );
  expect(networkCalls()).toEqual([]); // no device yet: nothing in the network changed

  const added = await raw(lab.url, `/v4/networking/firewalls/${fw.id}/devices`, {
    method: 'POST',
    body: { type: 'linode', id: linode },
  });
  const device = expectSchema(FirewallDeviceSchema, added.body);
  expect(device.entity).toEqual({ id: linode, label: 'ns1', type: 'linode', url: `/v4/linode/instances/${linode}` });
  // Answered only after the lab was told.
  expect(networkCalls().map((c) => [c.instance.id, c.instance.firewall?.inbound_policy])).toEqual([[linode, 'DROP']]);

  const devices = await raw(lab.url, `/v4/networking/firewalls/${fw.id}/devices`);
  expect(expectSchema(paginatedSchema(FirewallDeviceSchema), devices.body).data).toEqual([device]);
  expect((await raw(lab.url, `/v4/networking/firewalls/${fw.id}/devices/${device.id}`)).body).toEqual(device);
  const withEntity = expectSchema(FirewallSchema, (await raw(lab.url, `/v4/networking/firewalls/${fw.id}`)).body);
  expect(withEntity.entities.map((e) => e.id)).toEqual([linode]);

  const again = await raw(lab.url, `/v4/networking/firewalls/${fw.id}/devices`, {
    method: 'POST',
    body: { type: 'linode', id: linode },
  });
  expect(errorsOf(again.body)).toEqual([{ field: 'id', reason: 'This Linode is already assigned to this firewall' }]);
  const second = expectSchema(
    FirewallSchema,
    (await raw(lab.url, '/v4/networking/firewalls', { method: 'POST', body: { label: 'fw-b', rules: DNS_ONLY } })).body,
  );
  const twoActive = await raw(lab.url, `/v4/networking/firewalls/${second.id}/devices`, {
    method: 'POST',
    body: { type: 'linode', id: linode },
  });
  expect(errorsOf(twoActive.body)).toEqual([
    { field: 'id', reason: 'This Linode already has an active firewall assigned' },
  ]);
  const nodebalancer = await raw(lab.url, `/v4/networking/firewalls/${second.id}/devices`, {
    method: 'POST',
    body: { type: 'nodebalancer', id: 1 },
  });
  expect(nodebalancer.status).toBe(400);

  // New rules reach the lab with the new version.
  const rules = await raw(lab.url, `/v4/networking/firewalls/${fw.id}/rules`, {
    method: 'PUT',
    body: { ...DNS_ONLY, inbound: [] },
  });
  expect(expectSchema(FirewallRulesSchema, rules.body)).toMatchObject({ inbound: [], version: 2 });
  expect(networkCalls().at(-1)?.instance.firewall?.inbound).toEqual([]);
  expect(
    expectSchema(FirewallRulesSchema, (await raw(lab.url, `/v4/networking/firewalls/${fw.id}/rules`)).body),
  ).toEqual(rules.body);
  const missingPolicy = await raw(lab.url, `/v4/networking/firewalls/${fw.id}/rules`, { method: 'PUT', body: {} });
  expect(errorsOf(missingPolicy.body).map((e) => e.field)).toEqual(['inbound_policy', 'outbound_policy']);

  // Disabling lifts it; removing the device too.
  await raw(lab.url, `/v4/networking/firewalls/${fw.id}`, { method: 'PUT', body: { status: 'disabled' } });
  expect(networkCalls().at(-1)?.instance.firewall).toBeNull();
  await raw(lab.url, `/v4/networking/firewalls/${fw.id}`, { method: 'PUT', body: { status: 'enabled' } });
  expect(networkCalls().at(-1)?.instance.firewall).not.toBeNull();
  const removed = await raw(lab.url, `/v4/networking/firewalls/${fw.id}/devices/${device.id}`, { method: 'DELETE' });
  expect(removed.body).toEqual({});
  expect(networkCalls().at(-1)?.instance.firewall).toBeNull();
});

test('firewall_id at create assigns the firewall, and the host gets its rules when it boots', async () => {
  const fw = expectSchema(
    FirewallSchema,
    (await raw(lab.url, '/v4/networking/firewalls', { method: 'POST', body: { label: 'fw-c', rules: DNS_ONLY } })).body,
  );
  const unknown = await raw(lab.url, '/v4/linode/instances', {
    method: 'POST',
    body: instanceBody('ns2', { firewall_id: 999 }),
  });
  expect(errorsOf(unknown.body)).toEqual([{ field: 'firewall_id', reason: 'Firewall not found' }]);
  const id = (
    (await raw(lab.url, '/v4/linode/instances', { method: 'POST', body: instanceBody('ns2', { firewall_id: fw.id }) }))
      .body as { id: number }
  ).id;
  const booted = await waitFor('onRunning', () => lab.hooks.of('onRunning').find((c) => c.instance.id === id));
  expect(booted.instance.firewall?.inbound_policy).toBe('DROP');
  const devices = (await raw(lab.url, `/v4/networking/firewalls/${fw.id}/devices`)).body as { data: unknown[] };
  expect(devices.data).toHaveLength(1);
  // A deleted Linode leaves the firewall.
  await raw(lab.url, `/v4/linode/instances/${id}`, { method: 'DELETE' });
  expect(((await raw(lab.url, `/v4/networking/firewalls/${fw.id}/devices`)).body as { data: unknown[] }).data).toEqual(
    [],
  );
});
