// The lab's resolver (Debian's unbound) follows the parents' referral and glue, and caches the
// delegation for its TTL: after a glue change it keeps asking the old child until the TTL runs
// out, then the new one. Private test bridge 198.19.231.0/24; needs root.
import { query } from '../../../src/dns';
import { resolverStatus, setGlue, startParents, startResolver } from '../../../lab/parent';
import { describeAsRoot } from '../../helpers/requires';
import { makeDnsTestLab, startChild, teardownDnsTestLab, type DnsTestLab } from './helpers';

const OCTET = 231;
const NET = `198.19.${OCTET}`;
const OLD_CHILD = `${NET}.21`;
const NEW_CHILD = `${NET}.22`;
const RESOLVER = `${NET}.10`;
const DELEGATION_TTL = 4;

/**
 * The child zone; www differs between the old and the new child so answers show who was asked.
 * www has TTL 0 so the resolver asks the child every time, through the delegation it holds.
 */
const childZone = (self: string, www: string) => `$TTL 1
@ SOA ns1 hostmaster 1 60 60 600 1
@ NS ns1
@ NS ns2
ns1 A ${self}
ns2 A ${self}
www 0 A ${www}
`;

describeAsRoot('lab resolver', () => {
  let lab: DnsTestLab;

  beforeAll(async () => {
    lab = await makeDnsTestLab('resolver', OCTET);
    await startChild(lab, 'oldchild', OLD_CHILD, 'example.test', childZone(OLD_CHILD, '192.0.2.1'));
    await startChild(lab, 'newchild', NEW_CHILD, 'example.test', childZone(NEW_CHILD, '192.0.2.2'));
    const parents = await startParents({
      network: lab.network,
      stateDir: lab.parentState,
      addresses: [`${NET}.53`, `${NET}.54`],
      glue: { 'ns1.example.test': OLD_CHILD, 'ns2.example.test': OLD_CHILD },
      ttlSeconds: DELEGATION_TTL,
    });
    await startResolver({
      network: lab.network,
      stateDir: lab.resolverState,
      address: RESOLVER,
      parents: parents.map((p) => p.address),
    });
  });

  afterAll(async () => {
    if (lab) expect(await teardownDnsTestLab(lab)).toEqual([]);
  });

  const www = async (): Promise<string> => {
    const res = await query(
      { address: RESOLVER },
      { name: 'www.example.test', type: 'A' },
      { transport: 'udp', recursionDesired: true, timeoutMs: 1000 },
    );
    return (
      res.answers
        .filter((r) => r.type === 'A')
        .map((r) => String(r.data))
        .join(',') || res.rcode
    );
  };

  test('after a glue change it uses the old child until the delegation TTL expires, then the new one', async () => {
    // First test of the file: the resolver has cached nothing yet, so this query caches the delegation.
    const cachedAt = Date.now();
    expect(await www()).toBe('192.0.2.1');
    await setGlue(
      { 'ns1.example.test': NEW_CHILD, 'ns2.example.test': NEW_CHILD },
      { stateDir: lab.parentState, delayMs: 0 },
    );
    expect(Date.now() - cachedAt).toBeLessThan(2000);

    const answers: { at: number; www: string }[] = [];
    while (Date.now() - cachedAt < (DELEGATION_TTL + 5) * 1000) {
      const answer = await www();
      answers.push({ at: Date.now() - cachedAt, www: answer });
      if (answer === '192.0.2.2') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (process.env.DEBUG_LAB) console.log(answers);
    const firstNew = answers.find((a) => a.www === '192.0.2.2');
    const lastOld = [...answers].reverse().find((a) => a.www === '192.0.2.1');
    expect(answers.every((a) => a.www === '192.0.2.1' || a.www === '192.0.2.2')).toBe(true);
    // The parents had the new glue from the start; the resolver kept the cached delegation.
    expect(lastOld!.at).toBeGreaterThanOrEqual((DELEGATION_TTL - 1) * 1000);
    expect(firstNew).toBeDefined();
    // unbound counts TTLs in whole seconds: allow a second either side.
    expect(firstNew!.at).toBeLessThanOrEqual((DELEGATION_TTL + 2) * 1000);
  });

  test('resolves through the delegation; names outside the lab TLD are refused; starting again leaves it be', async () => {
    const res = await query(
      { address: RESOLVER },
      { name: 'www.example.test', type: 'A' },
      { transport: 'tcp', recursionDesired: true },
    );
    expect(res.flags.ra).toBe(true);
    expect(res.answers.map((r) => r.data)).toEqual(['192.0.2.2']); // the new child, since the test above
    const outside = await query(
      { address: RESOLVER },
      { name: 'www.example.com', type: 'A' },
      { transport: 'udp', recursionDesired: true },
    );
    expect(outside.rcode).toBe('REFUSED');
    const before = resolverStatus({ stateDir: lab.resolverState });
    const again = await startResolver({
      network: lab.network,
      stateDir: lab.resolverState,
      address: RESOLVER,
      parents: before!.parents,
    });
    expect(again.pid).toBe(before!.pid);
  });
});
