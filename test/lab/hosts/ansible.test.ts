// The production Ansible roles against real lab hosts (root only): two BIND nameservers behind
// one nginx LB, queried over UDP and TCP through the LB; idempotence, check mode, zone changes.
import execa from 'execa';
import fs from 'node:fs';
import type { LabHost } from '../../../lab/hosts';
import { hostMemory, leftovers, teardownAll } from '../../../lab/hosts';
import {
  ansiblePlaybook,
  closeSshMasters,
  dig,
  livePids,
  makeTestLab,
  ssh,
  type TestLab,
} from '../../../testkit/labHosts';
import { describeAsRoot } from '../../helpers/requires';
import { startTestFleet, testFleetAddress } from './helpers';

describeAsRoot('Ansible roles on lab hosts', () => {
  let lab: TestLab;
  let knownHosts: string;
  let inventory: string;
  let zoneFile: string;
  const hosts: LabHost[] = [];
  // public = what clients use, private = what the LB uses to reach the nameservers
  const lbAddress = () => testFleetAddress(lab, 'lb1').public;

  const lbLogLines = async () =>
    Number(
      (await ssh(lab, knownHosts, lbAddress(), 'cat /var/log/nginx/dns-stream.log 2>/dev/null | wc -l')).stdout.trim(),
    );
  const nsQueries = async (label: 'ns1' | 'ns2') => {
    const json = (
      await ssh(lab, knownHosts, testFleetAddress(lab, label).public, 'curl -s http://127.0.0.1:8053/json/v1/server')
    ).stdout;
    return (JSON.parse(json) as { opcodes: { QUERY: number } }).opcodes.QUERY;
  };

  beforeAll(async () => {
    lab = await makeTestLab('ansible', 252);
    const fleet = await startTestFleet(lab, ['ns1', 'ns2']);
    hosts.push(...fleet.hosts);
    ({ knownHosts, zoneFile, inventory } = fleet);
  }, 60_000);

  afterAll(async () => {
    if (!lab) return;
    await closeSshMasters(lab);
    await teardownAll(lab.config);
    fs.rmSync(lab.dir, { recursive: true, force: true });
  });

  test('check mode on fresh hosts predicts changes and fails nothing', async () => {
    const check = await ansiblePlaybook(lab, 'site.yml', inventory, ['--check', '--diff']);
    if (check.exitCode !== 0) console.error(check.stdout);
    expect(check.exitCode).toBe(0);
    for (const r of Object.values(check.recap)) expect(r).toMatchObject({ failed: 0, unreachable: 0 });
    expect(check.recap.lb1.changed).toBeGreaterThan(0);
    expect(check.stdout).toContain('+++ after');
  }, 120_000);

  test('site.yml configures both nameservers and the LB', async () => {
    const run = await ansiblePlaybook(lab, 'site.yml', inventory);
    if (run.exitCode !== 0) console.error(run.stdout);
    expect(run.exitCode).toBe(0);
    expect(Object.keys(run.recap).sort()).toEqual(['lb1', 'ns1', 'ns2']);
    for (const r of Object.values(run.recap)) expect(r).toMatchObject({ failed: 0, unreachable: 0 });
    expect(run.recap.ns1.changed).toBeGreaterThan(0);
  }, 120_000);

  test('the LB answers from the zone over UDP and TCP, and NSID names a nameserver', async () => {
    for (const transport of ['+notcp', '+tcp']) {
      const answer = await dig(lbAddress(), 'www.example.test', 'A', [transport, '+nsid', '+norec']);
      expect(answer).toMatch(/status: NOERROR/);
      expect(answer).toMatch(/flags: qr aa;/);
      expect(answer).toMatch(/www\.example\.test\.\s+300\s+IN\s+A\s+192\.0\.2\.10/);
      expect(answer).toMatch(/NSID: .*\("ns[12]"\)/);
    }
    // Authoritative only: no recursion, no transfers.
    expect(await dig(lbAddress(), 'example.org', 'A', ['+rec'])).toMatch(/status: REFUSED/);
    expect(await dig(lbAddress(), 'example.test', 'AXFR', [])).toMatch(/Transfer failed/);
    // The nameservers listen on their private address only.
    expect(await dig(testFleetAddress(lab, 'ns1').private, 'www.example.test', 'A', ['+short'])).toBe('192.0.2.10');
    expect(await dig(testFleetAddress(lab, 'ns1').public, 'www.example.test', 'A', ['+short'])).toMatch(
      /timed out|no servers could be reached/,
    );
  });

  test('query counters: the LB access log and the nameservers statistics channel count queries', async () => {
    const before = { lb: await lbLogLines(), ns: (await nsQueries('ns1')) + (await nsQueries('ns2')) };
    for (let i = 0; i < 5; i++) await dig(lbAddress(), `q${i}.example.test`, 'A', ['+notcp']);
    for (let i = 0; i < 3; i++) await dig(lbAddress(), 'www.example.test', 'A', ['+tcp']);
    await new Promise((r) => setTimeout(r, 1500)); // access log flush interval (1s)
    expect(await lbLogLines()).toBeGreaterThanOrEqual(before.lb + 8);
    const after = (await nsQueries('ns1')) + (await nsQueries('ns2'));
    expect(after - before.ns).toBeGreaterThanOrEqual(8);
    const lastLine = (await ssh(lab, knownHosts, lbAddress(), 'tail -n 1 /var/log/nginx/dns-stream.log')).stdout;
    // time client protocol status upstream session-time bytes-in bytes-out; the upstream is
    // the nginx slot (the LB's own address, port 5301 or 5302), which the nftables map leads on.
    expect(lastLine).toMatch(
      new RegExp(
        `^\\d+\\.\\d{3} ${lab.net.replace(/\./g, '\\.')}\\.1 TCP 200 ${lbAddress().replace(/\./g, '\\.')}:530[12] `,
      ),
    );
  });

  test('after an apply, --check --diff reports no changes and a second apply changes nothing', async () => {
    const check = await ansiblePlaybook(lab, 'site.yml', inventory, ['--check', '--diff']);
    if (check.exitCode !== 0) console.error(check.stdout);
    expect(check.exitCode).toBe(0);
    for (const r of Object.values(check.recap)) expect(r).toMatchObject({ changed: 0, failed: 0 });
    const again = await ansiblePlaybook(lab, 'site.yml', inventory);
    expect(again.exitCode).toBe(0);
    for (const r of Object.values(again.recap)) expect(r).toMatchObject({ changed: 0, failed: 0 });
  }, 120_000);

  test('a zone change bumps the SOA serial and reloads named', async () => {
    const serialBefore = (await dig(lbAddress(), 'example.test', 'SOA', ['+short'])).split(' ')[2];
    expect(serialBefore).toBe('2026112301');
    fs.appendFileSync(zoneFile, 'new IN A 192.0.2.99\n');
    const run = await ansiblePlaybook(lab, 'nameserver.yml', inventory, ['--diff']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('RUNNING HANDLER [nameserver : Reload named]');
    for (const ns of ['ns1', 'ns2'] as const) {
      const server = testFleetAddress(lab, ns).private;
      expect(await dig(server, 'example.test', 'SOA', ['+short'])).toContain(' 2026112302 ');
      expect(await dig(server, 'new.example.test', 'A', ['+short'])).toBe('192.0.2.99');
    }
    expect(await dig(lbAddress(), 'new.example.test', 'A', ['+short', '+tcp'])).toBe('192.0.2.99');
  }, 120_000);

  test('facts: the role gathers the network facts only when no listen address is set', async () => {
    const ns2 = testFleetAddress(lab, 'ns2');
    const answers = async (address: string) => (await dig(address, 'example.test', 'SOA', ['+short'])).includes(' 20');
    expect(await answers(ns2.private)).toBe(true);
    expect(await answers(ns2.public)).toBe(false); // the inventory narrows listen-on to the private address

    const noAddresses = ['--limit', 'ns2', '-e', '{"nameserver_listen_addresses": []}'];
    const all = await ansiblePlaybook(lab, 'nameserver.yml', inventory, noAddresses);
    if (all.exitCode !== 0) console.error(all.stdout);
    expect(all.exitCode).toBe(0);
    // Listening on every address of the host needs its network facts: gathered, or the template fails.
    expect(await answers(ns2.public)).toBe(true);
    expect(await answers(ns2.private)).toBe(true);

    const narrowed = await ansiblePlaybook(lab, 'nameserver.yml', inventory, ['--limit', 'ns2']);
    expect(narrowed.exitCode).toBe(0);
    // The play gathers no facts of its own; the role's one task gathers what it reads.
    expect(narrowed.stdout).toContain('TASK [common : Gather the facts the roles read]');
    expect(narrowed.stdout).not.toContain('TASK [Gathering Facts]');
    expect(await answers(ns2.public)).toBe(false);
    expect(await answers(ns2.private)).toBe(true);
  }, 120_000);

  test('memory of an idle configured nameserver and LB (reported for the README)', async () => {
    await closeSshMasters(lab); // Ansible's persistent SSH sessions are not part of an idle host
    await new Promise((r) => setTimeout(r, 500));
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
    const report = ['ns1', 'lb1'].map((label) => {
      const m = hostMemory(label, lab.config);
      return `${label}: RSS ${mib(m.totalRssBytes)}, PSS ${mib(m.totalPssBytes)} (${m.processes.map((p) => `${p.command} ${mib(p.rssBytes)}`).join(', ')})`;
    });
    console.log(`idle lab host memory:\n${report.join('\n')}`);
    expect(hostMemory('ns1', lab.config).processes.map((p) => p.command)).toContain('named');
    expect(hostMemory('lb1', lab.config).processes.map((p) => p.command)).toContain('nginx');
    expect(hostMemory('ns1', lab.config).totalRssBytes).toBeLessThan(256 * 2 ** 20);
    expect(hostMemory('lb1', lab.config).totalRssBytes).toBeLessThan(128 * 2 ** 20);
  });

  test('teardown leaves no process, namespace, interface or mount of the lab', async () => {
    await closeSshMasters(lab);
    await teardownAll(lab.config);
    expect(await leftovers(lab.config)).toEqual([]);
    expect(livePids(hosts.map((h) => h.pid))).toEqual([]);
    expect((await execa('ip', ['netns', 'list'])).stdout).not.toContain(lab.config.netnsPrefix);
    expect((await execa('ip', ['-o', 'link', 'show'])).stdout).not.toContain(lab.config.bridge);
    expect(fs.readFileSync('/proc/mounts', 'utf8')).not.toContain(lab.dir);
    expect((await execa('pgrep', ['-f', lab.dir], { reject: false })).stdout).toBe('');
  });
});
