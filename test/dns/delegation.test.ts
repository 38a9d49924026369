// readDelegation against a real BIND serving a parent zone (test.) on 127.0.0.1: the referral's
// NS and glue per transport, a parent that is down as errors in its views, and input checks.
import { ApplicationFailure } from '@temporalio/common';
import { createDelegationActivities } from '../../src/activities/delegation';
import { delegationFromResponse, viewsAgree } from '../../src/dns/delegation';
import type { DnsResponse } from '../../src/dns';
import { freeUdpTcpPort, startBind, type RunningBind } from '../helpers/bind';

const PARENT_ZONE = `$TTL 86400
@ SOA a.nic.test. hostmaster.nic.test. 7 1800 900 604800 60
@ NS a.nic.test.
a.nic A 127.0.0.1
example 25 NS NS2.Example.Test.
example 25 NS ns1.example.test.
ns1.example 25 A 198.18.1.2
ns2.example 25 A 198.18.1.3
ns2.example 25 AAAA 2001:db8::53
other 300 NS ns.elsewhere.invalid.
`;

let parent: RunningBind;
const { readDelegation } = createDelegationActivities();

beforeAll(async () => {
  parent = await startBind({ label: 'parent-a', zones: [{ origin: 'test', text: PARENT_ZONE }] });
});
afterAll(async () => {
  await parent?.stop();
});

const at = () => ({ address: parent.address, port: parent.port });

test('reads NS (sorted, lower case), their TTL and the glue from the referral over UDP and TCP', async () => {
  const result = await readDelegation({ parent: at(), domain: 'Example.Test.' });
  expect(result.parent).toBe(`127.0.0.1:${parent.port}`);
  expect(result.agree).toBe(true);
  const glue = [
    { name: 'ns1.example.test', type: 'A', address: '198.18.1.2', ttl: 25 },
    { name: 'ns2.example.test', type: 'A', address: '198.18.1.3', ttl: 25 },
    { name: 'ns2.example.test', type: 'AAAA', address: '2001:db8::53', ttl: 25 },
  ];
  expect(result.views).toEqual([
    { transport: 'udp', nameservers: ['ns1.example.test', 'ns2.example.test'], nsTtl: 25, glue, rcode: 'NOERROR' },
    { transport: 'tcp', nameservers: ['ns1.example.test', 'ns2.example.test'], nsTtl: 25, glue, rcode: 'NOERROR' },
  ]);
  // Plain JSON for Temporal history.
  expect(JSON.parse(JSON.stringify(result))).toEqual(result);
});

test('out-of-bailiwick NS come without glue; one transport on request', async () => {
  const result = await readDelegation({ parent: at(), domain: 'other.test', transports: ['tcp'] });
  expect(result.views).toEqual([
    { transport: 'tcp', nameservers: ['ns.elsewhere.invalid'], nsTtl: 300, glue: [], rcode: 'NOERROR' },
  ]);
  expect(result.agree).toBe(true);
});

test('no delegation in the answer is an error in the view, not an exception', async () => {
  const result = await readDelegation({ parent: at(), domain: 'missing.test' });
  expect(result.agree).toBe(false);
  for (const v of result.views)
    expect(v).toMatchObject({
      nameservers: [],
      glue: [],
      rcode: 'NXDOMAIN',
      error: expect.stringMatching(/no NS records for missing\.test/),
    });
});

test('a parent that is down: an error per transport, quickly', async () => {
  const port = await freeUdpTcpPort();
  const started = Date.now();
  const result = await readDelegation({
    parent: { address: '127.0.0.1', port },
    domain: 'example.test',
    timeoutMs: 1000,
  });
  expect(Date.now() - started).toBeLessThan(1500);
  expect(result.agree).toBe(false);
  expect(result.views.map((v) => v.transport)).toEqual(['udp', 'tcp']);
  expect(result.views[0].error).toMatch(/port unreachable|no answer/);
  expect(result.views[1].error).toMatch(/connection refused/);
});

test('transports that disagree do not agree', () => {
  const base = {
    server: 'x',
    question: { name: 'example.test', type: 'NS', class: 'IN' },
    udpTruncated: false,
    id: 1,
    rcode: 'NOERROR',
    answers: [],
    attempts: 1,
    ignoredResponses: 0,
    rttMs: 1,
  };
  const flags = { aa: false, tc: false, rd: false, ra: false, ad: false, cd: false };
  const ns = (t: string) => ({ name: 'example.test', type: 'NS', class: 'IN', ttl: 60, data: t });
  const glue = (n: string, a: string, ttl = 60) => ({ name: n, type: 'A', class: 'IN', ttl, data: a });
  const res = (transport: 'udp' | 'tcp', addr: string, ttl = 60): DnsResponse => ({
    ...base,
    transport,
    flags,
    authorities: [ns('ns1.example.test')],
    additionals: [glue('ns1.example.test', addr, ttl)],
  });
  const udp = delegationFromResponse('example.test', res('udp', '198.18.1.2'));
  expect(viewsAgree([udp, delegationFromResponse('example.test', res('tcp', '198.18.1.2', 30))])).toBe(true); // TTLs aside
  expect(viewsAgree([udp, delegationFromResponse('example.test', res('tcp', '198.18.2.9'))])).toBe(false);
  const truncated = delegationFromResponse('example.test', { ...res('udp', '198.18.1.2'), udpTruncated: true });
  expect(truncated.error).toMatch(/truncated/);
});

test('invalid input fails for good, naming the field', async () => {
  const failure = async (input: unknown) => {
    try {
      await readDelegation(input as Parameters<typeof readDelegation>[0]);
    } catch (err) {
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect((err as ApplicationFailure).nonRetryable).toBe(true);
      return (err as Error).message;
    }
    throw new Error('no failure');
  };
  expect(await failure({ parent: { address: 'parent.test' }, domain: 'example.test' })).toMatch(
    /input\.parent\.address: must be an IPv4 or IPv6 address/,
  );
  expect(await failure({ parent: { address: '127.0.0.1', port: 70000 }, domain: 'example.test' })).toMatch(
    /input\.parent\.port/,
  );
  expect(await failure({ parent: { address: '127.0.0.1' }, domain: 'exa mple.test' })).toMatch(
    /input\.domain: must be a domain name/,
  );
  expect(await failure({ parent: { address: '127.0.0.1' }, domain: 'example.test', transports: ['doh'] })).toMatch(
    /input\.transports\.0: must be "udp" or "tcp"/,
  );
  expect(await failure({ parent: { address: '127.0.0.1' }, domain: 'example.test', transports: [] })).toMatch(
    /input\.transports: must name at least one transport/,
  );
  expect(await failure({ parent: { address: '127.0.0.1' }, domain: 'example.test', timeoutMs: 0 })).toMatch(
    /input\.timeoutMs/,
  );
  expect(await failure({ domain: 'example.test' })).toMatch(/input\.parent/);
});
