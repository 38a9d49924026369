// Lab address rules (no root needed): only 198.18.0.0/15, only inside the lab's subnet.
import { hostCidrs, parseLabCidr } from '../../../lab/hosts/addresses';
import { labConfig, vethName } from '../../../lab/hosts/paths';

test('the lab subnet must lie in 198.18.0.0/15', () => {
  expect(parseLabCidr('198.18.0.1/15')).toMatchObject({ address: '198.18.0.1', prefix: 15 });
  expect(parseLabCidr('198.19.252.1/24')).toMatchObject({ prefix: 24 });
  expect(() => parseLabCidr('10.0.0.1/8')).toThrow(/198.18.0.0\/15/);
  expect(() => parseLabCidr('198.18.0.1/8')).toThrow(/prefix/);
  expect(() => parseLabCidr('198.19.252.0/24')).toThrow(/network or broadcast/);
});

test('host addresses must be in the subnet, distinct and not the bridge address', () => {
  const subnet = parseLabCidr('198.18.0.1/15');
  expect(hostCidrs(['198.18.1.11', '198.19.128.11'], subnet)).toEqual(['198.18.1.11/15', '198.19.128.11/15']);
  expect(() => hostCidrs(['127.80.0.11'], subnet)).toThrow(/outside the lab subnet/);
  expect(() => hostCidrs(['198.18.0.1'], subnet)).toThrow(/bridge's own address/);
  expect(() => hostCidrs(['198.18.1.11', '198.18.1.11'], subnet)).toThrow(/duplicate/);
  expect(() => hostCidrs([], subnet)).toThrow(/at least one/);
  expect(() => hostCidrs(['198.18.1.11'], parseLabCidr('198.19.252.1/24'))).toThrow(/outside/);
});

test('interface names fit the kernel limit for any label and differ between labs', () => {
  const a = labConfig({ stateDir: '/tmp/a' });
  const b = labConfig({ stateDir: '/tmp/b', bridge: 'nsdt9' });
  const long = 'ns1-next-with-a-very-long-linode-label-of-sixty-four-characters';
  expect(vethName(a, long).length).toBeLessThanOrEqual(15);
  expect(vethName(a, 'ns1')).not.toBe(vethName(b, 'ns1'));
  expect(() => labConfig({ bridge: 'Bad-Bridge' })).toThrow(/bridge name/);
});
