// Several zones under one TLD, as the lab fleet has them: example.test delegated with glue (its NS
// names are inside it), shop.test delegated to ns1/ns2.example.test without glue of its own. The
// parents refer both, the registrar changes a name's glue for every zone that uses it, and the
// resolver follows both. Private test bridge 198.19.232.0/24; needs root.
import execa from 'execa';
import path from 'node:path';
import { query } from '../../../src/dns';
import { readDelegation } from '../../../src/dns/delegation';
import { setGlue, showParents, startParents, startResolver } from '../../../lab/parent';
import { describeAsRoot } from '../../helpers/requires';
import { makeDnsTestLab, startChild, teardownDnsTestLab, type DnsTestLab } from './helpers';

const ROOT = path.resolve(__dirname, '../../..');
const OCTET = 232;
const NET = `198.19.${OCTET}`;
const PARENTS = [`${NET}.53`, `${NET}.54`];
const CHILD = `${NET}.21`;
const RESOLVER = `${NET}.10`;
const NS = ['ns1.example.test', 'ns2.example.test'];
const ZONES = [
  { domain: 'example.test', nameservers: NS },
  { domain: 'shop.test', nameservers: NS },
];

const zone = (origin: string, www: string) => `$TTL 1
@ SOA ns1.example.test. hostmaster.${origin}. 1 60 60 600 1
@ NS ns1.example.test.
@ NS ns2.example.test.
${origin === 'example.test' ? `ns1 A ${CHILD}\nns2 A ${CHILD}\n` : ''}www 0 A ${www}
`;

describeAsRoot('lab parents with several zones', () => {
  let lab: DnsTestLab;
  const opts = () => ({ stateDir: lab.parentState });

  beforeAll(async () => {
    lab = await makeDnsTestLab('zones', OCTET);
    await startChild(lab, 'child', CHILD, 'example.test', zone('example.test', '192.0.2.1'), [
      { origin: 'shop.test', zoneText: zone('shop.test', '192.0.2.2') },
    ]);
    await startParents({
      network: lab.network,
      stateDir: lab.parentState,
      addresses: PARENTS,
      zones: ZONES,
      glue: { 'ns1.example.test': CHILD, 'ns2.example.test': CHILD },
      ttlSeconds: 30,
    });
    await startResolver({ network: lab.network, stateDir: lab.resolverState, address: RESOLVER, parents: PARENTS });
  });

  afterAll(async () => {
    if (lab) expect(await teardownDnsTestLab(lab)).toEqual([]);
  });

  const referral = async (address: string, name: string, transport: 'udp' | 'tcp') => {
    const res = await query({ address }, { name, type: 'NS' }, { transport, recursionDesired: false, timeoutMs: 1000 });
    expect(res.flags.aa).toBe(false);
    return {
      ns: res.authorities.map((r) => [r.name, r.type, r.ttl, r.data]).sort(),
      glue: res.additionals.map((r) => [r.name, String(r.data)]).sort(),
    };
  };

  test('every parent refers shop.test to ns1/ns2.example.test and example.test with glue, UDP and TCP', async () => {
    for (const address of PARENTS) {
      for (const transport of ['udp', 'tcp'] as const) {
        const example = await referral(address, 'example.test', transport);
        expect(example.ns).toEqual([
          ['example.test', 'NS', 30, 'ns1.example.test'],
          ['example.test', 'NS', 30, 'ns2.example.test'],
        ]);
        expect(example.glue).toEqual([
          ['ns1.example.test', CHILD],
          ['ns2.example.test', CHILD],
        ]);
        const shop = await referral(address, 'www.shop.test', transport);
        expect(shop.ns).toEqual([
          ['shop.test', 'NS', 30, 'ns1.example.test'],
          ['shop.test', 'NS', 30, 'ns2.example.test'],
        ]);
        // No glue of its own; a parent may add example.test's addresses for these names.
        for (const [name, address] of shop.glue) {
          expect(NS).toContain(name);
          expect(address).toBe(CHILD);
        }
      }
    }
    const dig = await execa('dig', [`@${PARENTS[0]}`, 'shop.test', 'NS', '+norec']);
    // A referral (no answer, the NS in the authority section), in whatever order the parent gives them.
    expect(dig.stdout).toMatch(/ANSWER: 0, AUTHORITY: 2,/);
    expect(dig.stdout).toMatch(/AUTHORITY SECTION:\nshop\.test\.\s+30\s+IN\s+NS\s+ns[12]\.example\.test\./);
    for (const ns of ['ns1', 'ns2']) {
      expect(dig.stdout).toMatch(new RegExp(`^shop\\.test\\.\\s+30\\s+IN\\s+NS\\s+${ns}\\.example\\.test\\.$`, 'm'));
    }
  });

  test('the resolver follows both delegations', async () => {
    for (const [name, address] of [
      ['www.example.test', '192.0.2.1'],
      ['www.shop.test', '192.0.2.2'],
    ]) {
      const res = await query(
        { address: RESOLVER },
        { name, type: 'A' },
        { transport: 'udp', recursionDesired: true, timeoutMs: 2000 },
      );
      expect(res.answers.map((r) => String(r.data))).toEqual([address]);
    }
  });

  test('show lists every zone per parent (or one with --domain); a name glue is changed for every zone', async () => {
    const shown = await showParents(opts());
    expect(shown[0].zones.map((z) => [z.domain, z.agree, z.views[0].nameservers])).toEqual([
      ['example.test', true, NS],
      ['shop.test', true, NS],
    ]);
    await expect(showParents({ ...opts(), domain: 'other.test' })).rejects.toThrow(
      /other\.test is not delegated by the lab's parents \(they delegate example\.test, shop\.test\)/,
    );
    const cli = await execa(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        'lab/parent/registrarCli.ts',
        '--state',
        lab.parentState,
        'show',
        '--domain',
        'shop.test',
      ],
      { cwd: ROOT, reject: false },
    );
    expect(cli.exitCode).toBe(0);
    expect(cli.stdout).toContain('shop.test UDP+TCP: NS ns1.example.test ns2.example.test (TTL 30 s)');
    expect(cli.stdout).not.toContain('example.test UDP');

    await expect(setGlue({ 'ns1.example.test': `${NET}.22` }, { ...opts(), domain: 'shop.test' })).rejects.toThrow(
      /glue name ns1\.example\.test is outside shop\.test/,
    );
    await expect(setGlue({ 'ns1.shop.test': `${NET}.22` }, opts())).rejects.toThrow(
      /unknown name ns1\.shop\.test: the delegation of shop\.test has NS ns1\.example\.test, ns2\.example\.test/,
    );
    await setGlue({ 'ns2.example.test': `${NET}.22` }, { ...opts(), domain: 'example.test' });
    const after = await readDelegation({ address: PARENTS[1] }, 'example.test');
    expect(after.views[0].glue.map((g) => [g.name, g.address])).toEqual([
      ['ns1.example.test', CHILD],
      ['ns2.example.test', `${NET}.22`],
    ]);
    const shop = await readDelegation({ address: PARENTS[1] }, 'shop.test');
    expect(shop.agree).toBe(true);
    expect(shop.views[0].nameservers).toEqual(NS);
    for (const g of shop.views[0].glue) expect(g.address).toBe(g.name === 'ns2.example.test' ? `${NET}.22` : CHILD);
  });

  test('delegations the parents cannot serve are refused before anything starts', async () => {
    const start = (zones: { domain: string; nameservers: string[] }[], glue: Record<string, string>) =>
      startParents({
        network: lab.network,
        stateDir: path.join(lab.dir, 'never'),
        addresses: [`${NET}.99`],
        zones,
        glue,
      });
    await expect(start([{ domain: 'example.test', nameservers: NS }], { 'ns1.example.test': CHILD })).rejects.toThrow(
      /NS ns2\.example\.test of example\.test is inside example\.test and needs glue/,
    );
    await expect(start([{ domain: 'shop.test', nameservers: ['ns.other.test'] }], {})).rejects.toThrow(
      /NS ns\.other\.test of shop\.test is in test\. but below no delegated zone/,
    );
    await expect(
      start(
        [
          { domain: 'example.test', nameservers: ['ns.example.net'] },
          { domain: 'shop.example', nameservers: ['ns.example.net'] },
        ],
        {},
      ),
    ).rejects.toThrow(/shop\.example is not a zone directly below test\./);
    await expect(
      start([{ domain: 'shop.test', nameservers: ['ns.example.net'] }], { 'ns9.shop.test': CHILD }),
    ).rejects.toThrow(/unknown name ns9\.shop\.test/);
  });
});
