// syncFirewalls against the lab's API emulator (real HTTP through @linode/api-v4): each role's
// firewall made once, attached at create or afterwards, its rules following the LBs' addresses,
// and a second call with nothing new changes nothing.
import { getFirewallDevices, getFirewalls } from '@linode/api-v4';
import { createFirewallActivities } from '../../src/activities/firewall';
import { createLinodeActivities, type InstanceSpec, type LinodeTarget } from '../../src/activities/linode';
import { withLinodeCredentials } from '../../src/linode';
import { fleetTag } from '../../src/shared';
import { startLabWithWorkerKey, stopLabWithWorkerKey, TOKEN, type Lab } from '../lab/emulator/helpers';

let lab: Lab;
let dir: string;
let target: LinodeTarget;
const env = { LAB_TOKEN: TOKEN };
const linode = createLinodeActivities({ env, pollMs: 20 });
const { syncFirewalls } = createFirewallActivities({ env });
const request = {
  fleet: 'fw',
  workerAddresses: ['198.18.0.1', '2001:db8::1'],
  labels: { lb: ['lb1', 'lb1-next'], ns: ['ns1', 'ns1-next'] },
};
const spec = (label: string, firewallId?: number): InstanceSpec => ({
  label,
  region: 'us-east',
  type: 'g6-nanode-1',
  image: 'linode/debian12',
  tags: ['nsdeploy', fleetTag('fw')],
  deployTag: fleetTag('fw'),
  ...(firewallId !== undefined ? { firewallId } : {}),
});
const inEmulator = <T>(calls: () => Promise<T>) => withLinodeCredentials({ apiUrl: lab.url, token: TOKEN }, calls);
const firewalls = () => inEmulator(async () => (await getFirewalls()).data);
const devicesOf = (id: number) =>
  inEmulator(async () => (await getFirewallDevices(id)).data.map((d) => d.entity.label).sort());

beforeAll(async () => {
  ({ lab, dir, target } = await startLabWithWorkerKey('nsdeploy-firewall-acts-'));
});
afterAll(() => stopLabWithWorkerKey({ lab, dir }));

test('one firewall per role, attached to instances made before it; DNS to nameservers from LBs and the worker', async () => {
  const lb1 = await linode.ensureInstance(target, spec('lb1'));
  await linode.ensureInstance(target, spec('ns1'));
  const first = await syncFirewalls(target, request);
  expect(first.changes).toEqual([
    `created firewall nsdeploy-fw-lb (${first.ids.lb})`,
    'attached firewall nsdeploy-fw-lb to lb1',
    `created firewall nsdeploy-fw-ns (${first.ids.ns})`,
    'attached firewall nsdeploy-fw-ns to ns1',
  ]);
  const byLabel = new Map((await firewalls()).map((f) => [f.label, f]));
  const ns = byLabel.get('nsdeploy-fw-ns')!;
  expect(ns.tags).toEqual([fleetTag('fw')]);
  expect(ns.rules.inbound_policy).toBe('DROP');
  const dnsFrom = ns.rules.inbound?.find((r) => r.label === 'dns-udp')?.addresses;
  const lbAddresses = lb1.privateIPv4 ? [lb1.publicIPv4, lb1.privateIPv4] : [lb1.publicIPv4];
  expect(dnsFrom?.ipv4).toEqual([...lbAddresses, '198.18.0.1'].map((a) => `${a}/32`).sort());
  expect(dnsFrom?.ipv6).toEqual(['2001:db8::1/128']);
  const lb = byLabel.get('nsdeploy-fw-lb')!;
  expect(lb.rules.inbound?.find((r) => r.label === 'dns-tcp')?.addresses?.ipv4).toEqual(['0.0.0.0/0']);
  expect(lb.rules.inbound?.find((r) => r.label === 'ssh-from-worker')?.addresses?.ipv4).toEqual(['198.18.0.1/32']);
});

test('again with nothing new: no change; a new LB made with its firewall id widens the nameservers’ rules', async () => {
  const again = await syncFirewalls(target, request);
  expect(again.changes).toEqual([]);
  const next = await linode.ensureInstance(target, spec('lb1-next', again.ids.lb));
  expect(await devicesOf(again.ids.lb)).toEqual(['lb1', 'lb1-next']);
  const widened = await syncFirewalls(target, request);
  expect(widened.changes).toEqual([`updated the rules of firewall nsdeploy-fw-ns (${again.ids.ns})`]);
  const ns = (await firewalls()).find((f) => f.label === 'nsdeploy-fw-ns')!;
  expect(ns.rules.inbound?.find((r) => r.label === 'dns-tcp')?.addresses?.ipv4).toContain(`${next.publicIPv4}/32`);
  // An instance of another fleet or role is left alone.
  await linode.ensureInstance(target, { ...spec('other1'), tags: ['nsdeploy'] });
  expect((await syncFirewalls(target, request)).changes).toEqual([]);
});
