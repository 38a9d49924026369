// The lab's fake parent servers and registrar, for real: three named in their own network
// namespaces on a private test bridge (198.19.230.0/24), asked over UDP and TCP with RD=0.
// Needs root (namespaces); skipped with a warning otherwise, failed under CI.
import execa from 'execa';
import path from 'node:path';
import { query } from '../../../src/dns';
import { readDelegation } from '../../../src/dns/delegation';
import { listParents, setGlue, showParents, startParents } from '../../../lab/parent';
import { describeAsRoot } from '../../helpers/requires';
import { makeDnsTestLab, teardownDnsTestLab, type DnsTestLab } from './helpers';

const ROOT = path.resolve(__dirname, '../../..');
const OCTET = 230;
const NET = `198.19.${OCTET}`;
const PARENTS = [`${NET}.53`, `${NET}.54`, `${NET}.55`];
const OLD = { 'ns1.example.test': '198.18.1.2', 'ns2.example.test': '198.18.1.3' };

describeAsRoot('lab parent servers and registrar', () => {
  let lab: DnsTestLab;
  const opts = () => ({ stateDir: lab.parentState });

  beforeAll(async () => {
    lab = await makeDnsTestLab('parents', OCTET);
    await startParents({
      network: lab.network,
      stateDir: lab.parentState,
      addresses: PARENTS,
      glue: OLD,
      ttlSeconds: 30,
    });
  });

  afterAll(async () => {
    if (lab) expect(await teardownDnsTestLab(lab)).toEqual([]);
  });

  const registrar = (args: string[]) =>
    execa(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'lab/parent/registrarCli.ts', '--state', lab.parentState, ...args],
      { cwd: ROOT, reject: false },
    );

  test('every parent refers example.test to ns1/ns2 with glue and the delegation TTL, over UDP and TCP', async () => {
    for (const address of PARENTS) {
      for (const transport of ['udp', 'tcp'] as const) {
        for (const [name, type] of [
          ['example.test', 'NS'],
          ['www.example.test', 'A'],
        ]) {
          const res = await query({ address }, { name, type }, { transport, recursionDesired: false, timeoutMs: 1000 });
          expect(res).toMatchObject({ rcode: 'NOERROR', transport, answers: [] });
          expect(res.flags.aa).toBe(false);
          expect(res.authorities.map((r) => [r.name, r.type, r.ttl, r.data]).sort()).toEqual([
            ['example.test', 'NS', 30, 'ns1.example.test'],
            ['example.test', 'NS', 30, 'ns2.example.test'],
          ]);
          expect(res.additionals.map((r) => [r.name, r.type, r.ttl, r.data]).sort()).toEqual([
            ['ns1.example.test', 'A', 30, '198.18.1.2'],
            ['ns2.example.test', 'A', 30, '198.18.1.3'],
          ]);
        }
      }
      const d = await readDelegation({ address }, 'example.test');
      expect(d.agree).toBe(true);
      expect(d.views.map((v) => v.transport)).toEqual(['udp', 'tcp']);
    }
    const dig = await execa('dig', [`@${PARENTS[0]}`, 'example.test', 'NS', '+norec', '+tcp']);
    expect(dig.stdout).toMatch(/AUTHORITY SECTION:\nexample\.test\.\s+30\s+IN\s+NS\s+ns/);
  });

  test('the registrar changes the glue one parent at a time, then all parents serve it', async () => {
    const NEW = { 'ns1.example.test': '198.18.2.9', 'ns2.example.test': '198.18.2.10' };
    const glueAt = async (address: string) =>
      (await readDelegation({ address }, 'example.test', { timeoutMs: 1000 })).views[0].glue.map(
        (g) => `${g.name}=${g.address}/${g.ttl}`,
      );
    const progress: string[] = [];
    const result = await setGlue(NEW, {
      ...opts(),
      delayMs: 1500,
      ttlSeconds: 20,
      onProgress: ({ parent, index, of }) => progress.push(`${index + 1}/${of} ${parent.label}`),
    });
    expect(progress).toEqual(['1/3 parent1', '2/3 parent2', '3/3 parent3']);
    // Served times are staggered by the delay.
    const at = result.parents.map((p) => p.servedAt);
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(1400);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(1400);
    for (const address of PARENTS)
      expect(await glueAt(address)).toEqual(['ns1.example.test=198.18.2.9/20', 'ns2.example.test=198.18.2.10/20']);
    expect(listParents(opts()).map((p) => p.served.serial)).toEqual([2, 2, 2]);
  });

  test('between two parents, the first serves the new glue while the next still serves the old', async () => {
    const glueAt = async (address: string) =>
      (await readDelegation({ address }, 'example.test', { timeoutMs: 1000 })).views.map((v) =>
        v.glue.map((g) => g.address).join(','),
      );
    const change = setGlue({ 'ns1.example.test': '198.18.2.11' }, { ...opts(), delayMs: 1500 });
    // Wait for parent 1 to switch, then look at all three during the delay.
    const deadline = Date.now() + 5000;
    while ((await glueAt(PARENTS[0]))[0] !== '198.18.2.11,198.18.2.10' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await glueAt(PARENTS[0])).toEqual(['198.18.2.11,198.18.2.10', '198.18.2.11,198.18.2.10']);
    expect(await glueAt(PARENTS[1])).toEqual(['198.18.2.9,198.18.2.10', '198.18.2.9,198.18.2.10']);
    expect(await glueAt(PARENTS[2])).toEqual(['198.18.2.9,198.18.2.10', '198.18.2.9,198.18.2.10']);
    const shown = await showParents(opts());
    expect(shown.map((v) => [v.serial, v.registeredSerial])).toEqual([
      [3, 3],
      [2, 3],
      [2, 3],
    ]);
    await change;
    for (const address of PARENTS)
      expect(await glueAt(address)).toEqual(['198.18.2.11,198.18.2.10', '198.18.2.11,198.18.2.10']);
  });

  test('bad registrar input is refused with a clear error and changes nothing', async () => {
    await expect(setGlue({ 'ns3.example.test': '198.18.2.12' }, opts())).rejects.toThrow(
      /unknown name ns3\.example\.test: the delegation of example\.test has NS ns1\.example\.test, ns2\.example\.test/,
    );
    await expect(setGlue({ 'ns1.example.test': '198.18.2' }, opts())).rejects.toThrow(
      /invalid address "198\.18\.2" for ns1\.example\.test/,
    );
    await expect(setGlue({ 'ns1.example.org': '198.18.2.12' }, opts())).rejects.toThrow(
      /glue name ns1\.example\.org is outside example\.test/,
    );
    await expect(setGlue({}, opts())).rejects.toThrow(/nothing to change/);
    await expect(setGlue({ 'ns1.example.test': '198.18.2.12' }, { ...opts(), ttlSeconds: -1 })).rejects.toThrow(
      /TTL -1/,
    );
    await expect(setGlue({ 'ns1.example.test': '198.18.2.12' }, { ...opts(), delayMs: -5 })).rejects.toThrow(/delay/);
    await expect(setGlue(OLD, { stateDir: path.join(lab.dir, 'nowhere') })).rejects.toThrow(/not set up/);
    expect(listParents(opts()).map((p) => p.served.serial)).toEqual([3, 3, 3]);

    const cli = await registrar(['set-glue', 'ns1.example.test=not-an-ip']);
    expect(cli.exitCode).toBe(1);
    expect(cli.stderr).toMatch(/invalid address "not-an-ip"/);
    const pairs = await registrar(['set-glue', 'ns1.example.test']);
    expect(pairs.stderr).toMatch(/"ns1\.example\.test" is not NAME=ADDRESS/);
    const delay = await registrar(['set-glue', 'ns1.example.test=198.18.2.12', '--delay', 'soon']);
    expect(delay.stderr).toMatch(/--delay "soon" is not a duration/);
  });

  test('CLI: set-glue prints progress per parent; show prints what each parent serves over DNS', async () => {
    const set = await registrar([
      'set-glue',
      'ns1.example.test=198.18.2.9',
      'ns2.example.test=198.18.2.10',
      '--delay',
      '200ms',
      '--ttl',
      '15s',
    ]);
    expect(set.stderr).toBe('');
    expect(set.exitCode).toBe(0);
    expect(set.stdout).toMatch(/1\/3 parent1 a\.nic\.test 198\.19\.230\.53 serves the new glue/);
    expect(set.stdout).toMatch(/3\/3 parent3 c\.nic\.test 198\.19\.230\.55 serves the new glue/);
    expect(set.stdout).toMatch(/Done: all 3 parents serve serial 4/);
    const show = await registrar(['show']);
    expect(show.exitCode).toBe(0);
    expect(show.stdout).toContain('parent2 b.nic.test 198.19.230.54: running, serial 4');
    expect(show.stdout).toContain('UDP+TCP: NS ns1.example.test ns2.example.test (TTL 15 s)');
    expect(show.stdout).toContain('glue ns1.example.test A 198.18.2.9 (TTL 15 s)');
    const help = await registrar(['set-glue', '--help']);
    expect(help.stdout).toMatch(/--delay <duration>/);
  });

  test('a parent that is down shows as errors in its views, quickly; lab:up-style start brings it back as it was', async () => {
    const victim = listParents(opts())[2];
    process.kill(victim.pid!, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    const d = await readDelegation({ address: victim.address }, 'example.test', { timeoutMs: 1000 });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(d.agree).toBe(false);
    expect(d.views.map((v) => [v.transport, !!v.error])).toEqual([
      ['udp', true],
      ['tcp', true],
    ]);
    expect(d.views[1].error).toMatch(/refused/);

    // Nothing at all at that address: a timeout, bounded by timeoutMs.
    const t = Date.now();
    const gone = await readDelegation({ address: `${NET}.99` }, 'example.test', { timeoutMs: 600 });
    expect(Date.now() - t).toBeLessThan(1500);
    expect(gone.views.every((v) => v.error && v.nameservers.length === 0)).toBe(true);

    // Starting again keeps the running parents and what they serve; the dead one comes back with its glue.
    const before = listParents(opts());
    const after = await startParents({
      network: lab.network,
      stateDir: lab.parentState,
      addresses: PARENTS,
      glue: OLD,
      ttlSeconds: 30,
    });
    expect(after.map((p) => p.running)).toEqual([true, true, true]);
    expect(after.slice(0, 2).map((p) => p.pid)).toEqual(before.slice(0, 2).map((p) => p.pid));
    expect(after.map((p) => p.served.serial)).toEqual([4, 4, 4]);
    const back = await readDelegation({ address: victim.address }, 'example.test');
    expect(back.views[0].glue.map((g) => g.address)).toEqual(['198.18.2.9', '198.18.2.10']);
  });
});
