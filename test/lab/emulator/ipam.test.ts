// Lab IPv4 address pools, and a create/delete churn of 20 instances through @linode/api-v4.
import { AddressPool } from '../../../lab/linode-emulator/ipam';
import { InstanceIpsSchema } from '../../../lab/linode-emulator/schemas';
import { expectSchema, instanceBody, type Lab, raw, startLab } from './helpers';
import { createLinode, deleteLinode, getLinodeIPs, getLinodes } from './labApi';

describe('AddressPool', () => {
  it('hands out host addresses only: no network, gateway or broadcast address', () => {
    const pool = new AddressPool('198.18.1.0/29', true); // .0 network, .1 gateway, .7 broadcast
    const taken = new Set<string>();
    let cursor = 0;
    for (let n = 0; n < 5; n++) {
      const next = pool.allocate(taken, cursor);
      taken.add(next.address);
      cursor = next.cursor;
    }
    expect([...taken]).toEqual(['198.18.1.2', '198.18.1.3', '198.18.1.4', '198.18.1.5', '198.18.1.6']);
    expect(() => pool.allocate(taken, cursor)).toThrow(/exhausted/);
    expect(pool.gateway).toBe('198.18.1.1');
    expect(pool.subnetMask).toBe('255.255.255.248');
  });

  it('moves on after a freed address instead of reusing it at once, and never reuses one in use', () => {
    const pool = new AddressPool('198.19.128.0/24', false);
    const first = pool.allocate(new Set(), 0);
    expect(first.address).toBe('198.19.128.1');
    expect(pool.allocate(new Set(), first.cursor).address).toBe('198.19.128.2');
    expect(pool.allocate(new Set(['198.19.128.2', '198.19.128.3']), first.cursor).address).toBe('198.19.128.4');
    expect(pool.gateway).toBeNull();
  });

  it('rejects malformed ranges', () => {
    expect(() => new AddressPool('198.18.1.0', true)).toThrow(/CIDR/);
    expect(() => new AddressPool('198.18.1.5/24', true)).toThrow(/host bits/);
    expect(() => new AddressPool('198.18.1.0/31', true)).toThrow(/prefix/);
  });
});

describe('20 instances created and deleted in a row', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ publicCidr: '198.18.7.0/24', privateCidrs: { 'us-east': '198.19.200.0/24' } });
  });
  afterAll(async () => {
    await lab.stop();
  });

  it('leaves no instance and no address behind, and onDeleted fires 20 times', async () => {
    const everHeld = new Map<string, number>();
    for (let n = 1; n <= 20; n++) {
      const created = await createLinode(instanceBody(`churn-${n}`, { private_ip: true }));
      const ips = expectSchema(InstanceIpsSchema, await getLinodeIPs(created.id));
      const [pub] = ips.ipv4.public;
      const [priv] = ips.ipv4.private;
      expect(pub.address).toMatch(/^198\.18\.7\.\d+$/);
      expect(priv.address).toMatch(/^198\.19\.200\.\d+$/);
      for (const address of [pub.address, priv.address]) {
        expect(everHeld.has(address)).toBe(false); // the cursor moves on: no quick reuse
        everHeld.set(address, created.id);
      }
      await deleteLinode(created.id);
    }
    await lab.emulator.idle();

    expect((await getLinodes()).results).toBe(0);
    const state = (await raw(lab.url, '/__admin/state')).body as {
      instances: unknown[];
      pendingDeletions: unknown[];
      addressesInUse: string[];
    };
    expect(state).toMatchObject({ instances: [], pendingDeletions: [], addressesInUse: [] });
    const deleted = lab.hooks.of('onDeleted');
    expect(deleted).toHaveLength(20);
    expect(new Set(deleted.map((c) => c.instance.label))).toEqual(
      new Set(Array.from({ length: 20 }, (_, i) => `churn-${i + 1}`)),
    );
  });
});
