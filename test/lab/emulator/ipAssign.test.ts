// IP assignment and sharing on the emulator, over real HTTP: the spec's restrictions with the
// emulator's reasons, addresses moved all or nothing, and the lab told of the new addresses of
// every instance concerned before the answer.
import {
  ErrorEnvelopeSchema,
  InstanceIpsSchema,
  IpAddressSchema,
  paginatedSchema,
} from '../../../lab/linode-emulator/schemas';
import { expectSchema, instanceBody, type Lab, raw, startLab } from './helpers';

let lab: Lab;
beforeEach(async () => {
  lab = await startLab();
});
afterEach(async () => {
  await lab.stop();
});

interface Created {
  id: number;
  ipv4: string[];
}

async function create(label: string, extra: Record<string, unknown> = {}): Promise<Created> {
  const res = await raw(lab.url, '/v4/linode/instances', { method: 'POST', body: instanceBody(label, extra) });
  expect(res.status).toBe(200);
  return res.body as Created;
}

const assign = (region: string, assignments: { address: string; linode_id: number }[]) =>
  raw(lab.url, '/v4/networking/ips/assign', { method: 'POST', body: { region, assignments } });
const ipsOf = async (id: number) =>
  expectSchema(InstanceIpsSchema, (await raw(lab.url, `/v4/linode/instances/${id}/ips`)).body);
const reasons = (body: unknown) => expectSchema(ErrorEnvelopeSchema, body).errors.map((e) => e.reason);

test('GET /networking/ips lists the account public addresses', async () => {
  const a = await create('lb1', { private_ip: true });
  const list = expectSchema(paginatedSchema(IpAddressSchema), (await raw(lab.url, '/v4/networking/ips')).body);
  expect(list.data.filter((ip) => ip.type === 'ipv4').map((ip) => ip.address)).toEqual([a.ipv4[0]]);
  expect(list.data.every((ip) => ip.public)).toBe(true);
});

test('a swap moves two public addresses between Linodes of one region, and the lab is told', async () => {
  const a = await create('lb1');
  const b = await create('lb2');
  const res = await assign('us-east', [
    { address: a.ipv4[0], linode_id: b.id },
    { address: b.ipv4[0], linode_id: a.id },
  ]);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({});
  expect((await ipsOf(a.id)).ipv4.public.map((e) => [e.address, e.linode_id])).toEqual([[b.ipv4[0], a.id]]);
  expect((await ipsOf(b.id)).ipv4.public.map((e) => e.address)).toEqual([a.ipv4[0]]);
  const told = lab.hooks.of('onNetworkChanged').map((c) => [c.instance.id, c.instance.ipv4.public]);
  expect(told.sort()).toEqual(
    [
      [a.id, b.ipv4[0]],
      [b.id, a.ipv4[0]],
    ].sort(),
  );
});

test('an address moves to a Linode that keeps its own: it then holds two public addresses', async () => {
  const a = await create('lb1');
  const b = await create('lb2');
  const c = await create('lb3');
  // a gets c's address, c gets b's: b would be left without a public IPv4.
  const refused = await assign('us-east', [
    { address: c.ipv4[0], linode_id: a.id },
    { address: b.ipv4[0], linode_id: c.id },
  ]);
  expect(refused.status).toBe(400);
  expect(reasons(refused.body)).toEqual([`Linode ${b.id} must have at least one public IPv4 address`]);
  expect((await ipsOf(b.id)).ipv4.public.map((e) => e.address)).toEqual(b.ipv4); // nothing moved
  const ok = await assign('us-east', [
    { address: c.ipv4[0], linode_id: a.id },
    { address: b.ipv4[0], linode_id: c.id },
    { address: a.ipv4[0], linode_id: b.id },
  ]);
  expect(ok.status).toBe(200);
  const moved = await assign('us-east', [{ address: b.ipv4[0], linode_id: a.id }]);
  expect(reasons(moved.body)).toEqual([`Linode ${c.id} must have at least one public IPv4 address`]);
  const instance = (await raw(lab.url, `/v4/linode/instances/${b.id}`)).body as Created;
  expect(instance.ipv4).toEqual([a.ipv4[0]]);
});

test('spec restrictions: one region, own addresses, known Linodes, one private address, no shared ones', async () => {
  const east = await create('ns1', { private_ip: true });
  const east2 = await create('ns2', { private_ip: true });
  const west = await create('ns3', { region: 'eu-west' });
  const cases: [Parameters<typeof assign>, string[]][] = [
    [['eu-west', [{ address: east.ipv4[0], linode_id: west.id }]], [`${east.ipv4[0]} is not in eu-west`]],
    [['us-east', [{ address: east.ipv4[0], linode_id: west.id }]], [`Linode ${west.id} is not in us-east`]],
    [
      ['us-east', [{ address: '198.18.250.250', linode_id: east.id }]],
      ['198.18.250.250 is not an address on your account'],
    ],
    [['us-east', [{ address: east.ipv4[0], linode_id: 42 }]], ['Linode 42 not found']],
    [
      ['us-east', [{ address: east.ipv4[1], linode_id: east2.id }]],
      [`Linode ${east2.id} may have no more than one private IPv4 address`],
    ],
    [['mars', [{ address: east.ipv4[0], linode_id: east2.id }]], ['region is not valid']],
    [['us-east', []], ['assignments is required']],
    [
      ['us-east', [{ address: '2001:db8::/64', linode_id: east.id }]],
      ['IPv6 ranges are not supported by the lab emulator'],
    ],
  ];
  for (const [args, expected] of cases) {
    const res = await assign(...args);
    expect([res.status, reasons(res.body)]).toEqual([400, expected]);
  }
  // Shared: east2 shares east's public address, which then cannot be moved.
  const share = await raw(lab.url, '/v4/networking/ips/share', {
    method: 'POST',
    body: { linode_id: east2.id, ips: [east.ipv4[0]] },
  });
  expect(share.status).toBe(200);
  expect((await ipsOf(east2.id)).ipv4.shared.map((e) => [e.address, e.linode_id])).toEqual([[east.ipv4[0], east.id]]);
  const swap = await assign('us-east', [
    { address: east.ipv4[0], linode_id: east2.id },
    { address: east2.ipv4[0], linode_id: east.id },
  ]);
  expect(reasons(swap.body)).toEqual([
    `${east.ipv4[0]} is shared: shared IP addresses cannot be swapped between Linodes`,
  ]);
  const crossRegion = await raw(lab.url, '/v4/networking/ips/share', {
    method: 'POST',
    body: { linode_id: west.id, ips: [east.ipv4[0]] },
  });
  expect(reasons(crossRegion.body)).toEqual(["Shared addresses must be in the Linode's region"]);
});
