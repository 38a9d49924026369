// SSH activities. Without root: the upstream file renderers against Ansible's own rendering of
// the role templates, parsers, input checks. As root: a private lab (198.19.240.0/24, bridge
// nsdt240) with two nameservers and one LB configured by the real roles, then the cutover (an
// nftables swap: no nginx reload, nothing lost under load), its idempotence and refusal
// paths, query counters on both sides, and waitForSsh.
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import execa from 'execa';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { LabHost } from '../../lab/hosts';
import { leftovers, teardownAll } from '../../lab/hosts';
import { createSshActivities, type SshTarget } from '../../src/activities/ssh';
import { parseBindStats } from '../../src/hosts/bindStats';
import { parseCountOutput } from '../../src/hosts/streamLog';
import type { Upstream } from '../../src/hosts/upstream';
import {
  parseUpstreamConf,
  parseUpstreamMap,
  renderUpstreamConf,
  renderUpstreamMap,
  ROLE_DEFAULT_PARAMS,
  ROLE_DEFAULT_SLOT_PORT_BASE,
  slotsFor,
  UPSTREAM_FILE,
  UPSTREAM_MAP_FILE,
  UpstreamInputError,
} from '../../src/hosts/upstreamFiles';
import {
  APPLY_PENDING,
  CONNTRACK_UDP_TIMEOUT_SEC,
  SWITCH_EXIT,
  switchUpstreamScript,
} from '../../src/hosts/upstreamSwitch';
import { SshError } from '../../src/ssh/errors';
import { bounded, checkTarget, classifySshError, runSsh, sshArgs } from '../../src/ssh/exec';
import {
  ANSIBLE_DIR,
  ansiblePlaybook,
  closeSshMasters,
  dig,
  knownHostsLine,
  livePids,
  makeTestLab,
  ssh,
  type TestLab,
} from '../../testkit/labHosts';
import { describeAsRoot, testAsRoot } from '../helpers/requires';
import {
  startTestFleet,
  TEST_FLEET,
  testFleetAddress,
  type TestFleet,
  type TestFleetLabel,
} from '../lab/hosts/helpers';

const ROLE_DIR = path.join(ANSIBLE_DIR, 'roles', 'proxy');

/** What `err` is as a Temporal failure (the activities throw ApplicationFailure). */
async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error('expected a failure');
}

describe('upstream file, parsers and checks (no lab)', () => {
  test('renders byte for byte what Ansible renders from the role templates (nginx slots and the nftables map)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-ssh-render-'));
    try {
      const defaults = parseYaml(fs.readFileSync(path.join(ROLE_DIR, 'defaults', 'main.yml'), 'utf8')) as Record<
        string,
        unknown
      >;
      expect({
        maxFails: defaults.proxy_upstream_max_fails,
        failTimeout: defaults.proxy_upstream_fail_timeout,
      }).toEqual(ROLE_DEFAULT_PARAMS);
      expect(defaults.proxy_upstream_slot_port_base).toBe(ROLE_DEFAULT_SLOT_PORT_BASE);
      expect(defaults.proxy_conntrack_udp_timeout).toBe(CONNTRACK_UDP_TIMEOUT_SEC); // the switch waits for it
      const cases: {
        upstreams: Upstream[];
        listen: string[];
        base?: number;
        maxFails?: number;
        failTimeout?: string;
      }[] = [
        { upstreams: [{ address: '198.19.128.11', port: 53 }], listen: ['198.18.1.2'] },
        {
          upstreams: [
            { address: '198.19.128.14', port: 53 },
            { address: '198.19.128.15', port: 5353 },
            { address: '10.0.0.3', port: 53 },
          ],
          listen: ['2001:db8::2', '203.0.113.7'],
        },
        {
          upstreams: [
            { address: '192.168.130.11', port: 53 },
            { address: '192.168.130.12', port: 53 },
          ],
          listen: ['203.0.113.8'],
          base: 6000,
          maxFails: 3,
          failTimeout: '30s',
        },
      ];
      const playbook = path.join(dir, 'render.yml');
      const varsOf = (c: (typeof cases)[number]) => ({
        proxy_upstreams: c.upstreams,
        proxy_listen_addresses: c.listen,
        ...(c.base !== undefined && { proxy_upstream_slot_port_base: c.base }),
        ...(c.maxFails !== undefined && {
          proxy_upstream_max_fails: c.maxFails,
          proxy_upstream_fail_timeout: c.failTimeout,
        }),
      });
      fs.writeFileSync(
        playbook,
        JSON.stringify([
          {
            hosts: 'localhost',
            connection: 'local',
            gather_facts: false,
            // The role's defaults, then its vars (proxy_listen_on), as the role reads them.
            vars_files: [path.join(ROLE_DIR, 'defaults', 'main.yml'), path.join(ROLE_DIR, 'vars', 'main.yml')],
            tasks: cases.flatMap((c, i) =>
              ['nsdeploy-upstream.conf', 'nsdeploy-upstreams.nft'].map((file) => ({
                name: `render ${file} case ${i}`,
                'ansible.builtin.template': {
                  src: path.join(ROLE_DIR, 'templates', `${file}.j2`),
                  dest: path.join(dir, `case${i}.${file}`),
                  mode: '0644',
                },
                vars: varsOf(c),
              })),
            ),
          },
        ]),
      );
      const run = await execa('ansible-playbook', ['-i', 'localhost,', playbook], {
        reject: false,
        env: { ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'False' },
      });
      if (run.exitCode !== 0) console.error(run.stdout, run.stderr);
      expect(run.exitCode).toBe(0);
      cases.forEach((c, i) => {
        const slotAddress = c.listen.find((a) => /^[0-9.]+$/.test(a))!;
        const slots = slotsFor(slotAddress, c.upstreams.length, c.base);
        const params = c.maxFails !== undefined ? { maxFails: c.maxFails, failTimeout: c.failTimeout! } : undefined;
        const nginx = fs.readFileSync(path.join(dir, `case${i}.nsdeploy-upstream.conf`), 'utf8');
        const map = fs.readFileSync(path.join(dir, `case${i}.nsdeploy-upstreams.nft`), 'utf8');
        expect(renderUpstreamConf(slots, params)).toBe(nginx);
        expect(renderUpstreamMap(slots, c.upstreams)).toBe(map);
        expect(parseUpstreamConf(nginx)).toEqual({ slots, params: params ?? ROLE_DEFAULT_PARAMS });
        expect(parseUpstreamMap(map, slots)).toEqual(c.upstreams);
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  testAsRoot('nft accepts the rendered map (check mode, in a scratch network namespace)', async () => {
    const map = renderUpstreamMap(slotsFor('203.0.113.8', 2), [
      { address: '192.168.130.11', port: 53 },
      { address: '192.168.130.12', port: 5353 },
    ]);
    const r = await execa('unshare', ['-n', 'nft', '-c', '-f', '-'], { input: map, reject: false });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  test('refuses upstreams the map cannot hold, before any SSH', () => {
    const slots = slotsFor('198.18.1.2', 1);
    const bad: unknown[] = [
      [],
      [{ address: '198.19.128.11; include /etc/passwd', port: 53 }],
      [{ address: '198.19.128.11\n}', port: 53 }],
      [{ address: '[2001:db8::53]', port: 53 }],
      [{ address: 'ns3.example.net', port: 53 }],
      [{ address: '198.19.128.256', port: 53 }],
      [{ address: '198.19.128.11', port: 53.5 }],
      [{ address: '198.19.128.11', port: 0 }],
      [{ address: '198.19.128.11', port: 70000 }],
      [{ address: '198.19.128.11' }],
    ];
    for (const upstreams of bad) {
      let thrown: unknown;
      try {
        renderUpstreamMap(slots, upstreams as Upstream[]);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(UpstreamInputError);
      expect(thrown).toMatchObject({ type: 'InvalidUpstreams', nonRetryable: true });
    }
    // One slot, two upstreams: the number of slots is the proxy role's to change.
    expect(() =>
      renderUpstreamMap(slots, [
        { address: '10.0.0.1', port: 53 },
        { address: '10.0.0.2', port: 53 },
      ]),
    ).toThrow(/has 1 upstream slot\(s\) and 2 upstream\(s\) were asked for/);
  });

  test('parses an upstream file with comments and other directives, and the map by slot', () => {
    const text =
      '# x\nupstream other { server 10.0.0.1:53; }\nupstream nsdeploy_nameservers {\n  least_conn;\n  server 10.0.0.2:5301 max_fails=2 fail_timeout=5s; # c\n  server 10.0.0.2:5302;\n}\n';
    const slots = [
      { address: '10.0.0.2', port: 5301 },
      { address: '10.0.0.2', port: 5302 },
    ];
    expect(parseUpstreamConf(text)).toEqual({ slots, params: undefined });
    expect(() => parseUpstreamConf('upstream nsdeploy_nameservers { }')).toThrow(/no server/);
    expect(() => parseUpstreamConf('stream {}')).toThrow(/no "upstream nsdeploy_nameservers/);
    expect(() => parseUpstreamConf('upstream nsdeploy_nameservers { server ns1.example.net:53; }')).toThrow(
      /not an IPv4 slot/,
    );
    // Rules in any order are matched to the slots by address and port.
    const map = renderUpstreamMap([...slots].reverse(), [
      { address: '10.0.1.2', port: 53 },
      { address: '10.0.1.1', port: 53 },
    ]);
    expect(parseUpstreamMap(map, slots)).toEqual([
      { address: '10.0.1.1', port: 53 },
      { address: '10.0.1.2', port: 53 },
    ]);
    expect(() => parseUpstreamMap(map, [{ address: '10.0.0.2', port: 5399 }])).toThrow(
      /no rule for nginx's slot 10.0.0.2:5399/,
    );
  });

  test('classifies ssh failures and keeps messages bounded', () => {
    expect(
      classifySshError('@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\nHost key verification failed.\n'),
    ).toBe('host-key');
    expect(
      classifySshError(
        'No ED25519 host key is known for 198.19.240.21 and you have requested strict checking.\nHost key verification failed.',
      ),
    ).toBe('host-key');
    expect(classifySshError('ssh: connect to host 198.19.240.11 port 2222: Connection refused')).toBe('refused');
    expect(classifySshError('ssh: connect to host 198.19.240.99 port 22: Connection timed out')).toBe('timeout');
    expect(classifySshError('root@198.19.240.11: Permission denied (publickey).')).toBe('auth');
    expect(bounded('x'.repeat(5000)).length).toBeLessThanOrEqual(600);
    const args = sshArgs({ address: '198.19.240.11', privateKeyFile: '/k', knownHostsFile: '/kh' }, 'true', {
      connectTimeoutSec: 3,
    });
    expect(args.join(' ')).toContain('StrictHostKeyChecking=yes');
    expect(args.join(' ')).not.toMatch(/StrictHostKeyChecking=(no|accept-new)/);
    expect(args.indexOf('ConnectTimeout=3')).toBeLessThan(args.indexOf('ConnectTimeout=10')); // ssh keeps the first
  });

  test('parses log counts and BIND statistics', () => {
    expect(
      parseCountOutput(
        'now 1795421436000\nuntil 1795421434800\ntotal 7\nfailed 1\nproto UDP 6\nproto TCP 1\nupstream 198.19.128.11:53 4\nupstream 198.19.128.12:53 3\noldest 1795421000.125\n',
      ),
    ).toEqual({
      queries: 7,
      udp: 6,
      tcp: 1,
      failed: 1,
      byUpstream: { '198.19.128.11:53': 4, '198.19.128.12:53': 3 },
      untilEpochMs: 1795421434800,
      hostNowEpochMs: 1795421436000,
      oldestEntryEpochMs: 1795421000125,
    });
    expect(parseCountOutput('garbage')).toBeUndefined();
    expect(
      parseBindStats(
        '{"boot-time":"2026-11-23T09:00:00.000Z","opcodes":{"QUERY":12},"nsstats":{"QryUDP":10,"QryTCP":2}}',
      ),
    ).toEqual({ queries: 12, udp: 10, tcp: 2, bootTime: '2026-11-23T09:00:00.000Z' });
    expect(parseBindStats('{"boot-time":"2026-11-23T09:00:00.000Z"}')).toEqual({
      queries: 0,
      udp: 0,
      tcp: 0,
      bootTime: '2026-11-23T09:00:00.000Z',
    });
    expect(parseBindStats('<html>')).toBeUndefined();
  });

  test('targets that cannot work are refused without running ssh', async () => {
    const acts = createSshActivities();
    const f = await failureOf(
      acts.readUpstreams({
        address: '-oProxyCommand=x',
        privateKeyFile: '/nonexistent',
        knownHostsFile: '/nonexistent',
      }),
    );
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe('SshConfigError');
    const g = await failureOf(
      acts.readUpstreams({
        address: '198.19.240.21',
        privateKeyFile: __filename,
        knownHostsFile: '/nonexistent/known_hosts',
      }),
    );
    expect(g.message).toMatch(/known_hosts file \/nonexistent\/known_hosts does not exist/);
  });

  test('src/ssh and src/hosts throw plain typed errors; activities report them as ApplicationFailures', async () => {
    const bad = { address: '-oProxyCommand=x', privateKeyFile: '/nonexistent', knownHostsFile: '/nonexistent' };
    let thrown: unknown;
    try {
      checkTarget(bad);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(SshError);
    expect(thrown).not.toBeInstanceOf(ApplicationFailure);
    expect(thrown).toMatchObject({ type: 'SshConfigError', nonRetryable: true });
    const f = await failureOf(createSshActivities().readUpstreams(bad));
    expect(f).toMatchObject({ message: (thrown as Error).message, type: 'SshConfigError', nonRetryable: true });
  });
});

describeAsRoot('SSH activities on lab hosts', () => {
  let lab: TestLab;
  let knownHosts: string;
  const hosts: LabHost[] = [];
  let keys: TestFleet['keys'];
  const plan = TEST_FLEET;
  type Label = TestFleetLabel;
  const pub = (l: Label) => testFleetAddress(lab, l).public;
  const priv = (l: Label) => testFleetAddress(lab, l).private;
  const up = (l: 'ns1' | 'ns2'): Upstream => ({ address: priv(l), port: 53 });
  const target = (l: Label, extra: Partial<SshTarget> = {}): SshTarget => ({
    address: pub(l),
    privateKeyFile: lab.clientKeyFile,
    knownHostsFile: knownHosts,
    ...extra,
  });
  const acts = createSshActivities();

  const onLb = async (command: string) => {
    const r = await ssh(lab, knownHosts, pub('lb1'), command);
    if (r.exitCode !== 0) throw new Error(`${command}: ${r.stderr}`);
    return r.stdout;
  };
  /** The nginx workers taking new queries: they would change on every reload. */
  const workers = async () =>
    (
      await onLb(
        'ps --ppid "$(cat /run/nginx.pid)" -o pid= -o args= | awk \'NF == 4 && $4 == "process" { print $1 }\' | sort',
      )
    ).trim();
  const fileState = () =>
    onLb(`stat -c %.9Y ${UPSTREAM_FILE} ${UPSTREAM_MAP_FILE}; sha256sum ${UPSTREAM_FILE} ${UPSTREAM_MAP_FILE}`);
  const sha = (text: string) => crypto.createHash('sha256').update(text).digest('hex');
  /** The LB's file is byte for byte this text. */
  const lbFileIs = async (file: string, text: string) =>
    expect((await onLb(`sha256sum < ${file}`)).split(' ')[0]).toBe(sha(text));
  const slots = () => slotsFor(pub('lb1'), 1);
  /** The live nftables table's DNAT targets. */
  const liveDnat = async () =>
    (await onLb('nft list table ip nsdeploy_upstreams 2>&1 | grep -o "dnat to [0-9.:]*" || true')).trim();
  /** NSIDs of the servers answering queries sent through the LB. */
  const nsidsThroughLb = async (count: number, transport: '+notcp' | '+tcp' = '+notcp') => {
    const seen: string[] = [];
    for (let i = 0; i < count; i++) {
      const out = await dig(pub('lb1'), `q${i}.example.test`, 'A', [transport, '+nsid', '+norec']);
      seen.push(
        out.match(/NSID: .*\("([^"]+)"\)/)?.[1] ??
          `no answer: ${out.split('\n').find((l) => l.includes('status') || l.includes('timed out'))}`,
      );
    }
    return [...new Set(seen)];
  };
  const sendThroughLb = async (count: number, transport: '+notcp' | '+tcp' = '+notcp') => {
    for (let i = 0; i < count; i++)
      expect(await dig(pub('lb1'), 'www.example.test', 'A', [transport, '+short', '+norec'])).toBe('192.0.2.10');
  };

  beforeAll(async () => {
    lab = await makeTestLab('ssh', 240);
    // The LB starts on ns1 only, so switching to ns2 is visible in the answers' NSID.
    const fleet = await startTestFleet(lab, ['ns1']);
    hosts.push(...fleet.hosts);
    keys = fleet.keys;
    knownHosts = fleet.knownHosts;
    const inventory = fleet.inventory;
    const run = await ansiblePlaybook(lab, 'site.yml', inventory);
    if (run.exitCode !== 0) console.error(run.stdout);
    expect(run.exitCode).toBe(0);
    await closeSshMasters(lab);
  }, 120_000);

  afterAll(async () => {
    if (!lab) return;
    await closeSshMasters(lab);
    await teardownAll(lab.config);
    fs.rmSync(lab.dir, { recursive: true, force: true });
  });

  test('waitForSsh resolves with the pinned key on every host', async () => {
    for (const label of Object.keys(plan) as Label[])
      await expect(acts.waitForSsh(target(label), 10_000)).resolves.toBeUndefined();
  });

  test('the rendered files equal what the role wrote; the same upstreams change nothing', async () => {
    await lbFileIs(UPSTREAM_FILE, renderUpstreamConf(slots()));
    await lbFileIs(UPSTREAM_MAP_FILE, renderUpstreamMap(slots(), [up('ns1')]));
    expect(await liveDnat()).toBe(`dnat to ${priv('ns1')}:53`);
    expect(await acts.readUpstreams(target('lb1'))).toEqual([up('ns1')]);
    expect(await nsidsThroughLb(3)).toEqual(['ns1']);
    const [before, file] = [await workers(), await fileState()];
    expect(await acts.switchUpstreams(target('lb1'), { upstreams: [up('ns1')] })).toEqual({
      changed: false,
      previous: [up('ns1')],
      appliedAt: null,
    });
    expect(await workers()).toBe(before);
    expect(await fileState()).toBe(file);
  });

  test('switchUpstreams moves the LB to ns2 without reloading nginx; a second identical call is a no-op', async () => {
    const [before, nginxFile] = [await workers(), await onLb(`sha256sum ${UPSTREAM_FILE}`)];
    const t0 = Date.now();
    const result = await acts.switchUpstreams(target('lb1'), { upstreams: [up('ns2')] });
    expect(result).toMatchObject({ changed: true, previous: [up('ns1')] });
    expect(Date.parse(result.appliedAt!)).toBeGreaterThanOrEqual(t0 - 1000);
    // The new table is live when the activity returns: every answer now comes from ns2.
    expect(await nsidsThroughLb(6)).toEqual(['ns2']);
    expect(await nsidsThroughLb(2, '+tcp')).toEqual(['ns2']);
    expect(await acts.readUpstreams(target('lb1'))).toEqual([up('ns2')]);
    // nginx was not touched: same workers, same upstream (slot) file.
    expect(await workers()).toBe(before);
    expect(await onLb(`sha256sum ${UPSTREAM_FILE}`)).toBe(nginxFile);
    await lbFileIs(UPSTREAM_MAP_FILE, renderUpstreamMap(slots(), [up('ns2')]));
    expect(await liveDnat()).toBe(`dnat to ${priv('ns2')}:53`);
    expect(
      await onLb(
        `stat -c '%a %U %G' ${UPSTREAM_MAP_FILE}; ls /root; ls /etc/nginx | grep nsdeploy; test ! -e ${APPLY_PENDING} && echo no-pending`,
      ),
    ).toBe('644 root root\nnsdeploy-upstreams.nft\nno-pending');

    const file = await fileState();
    expect(await acts.switchUpstreams(target('lb1'), { upstreams: [up('ns2')] })).toEqual({
      changed: false,
      previous: [up('ns2')],
      appliedAt: null,
    });
    expect(await workers()).toBe(before);
    expect(await fileState()).toBe(file);

    // No query through the LB for longer than the conntrack UDP timeout: no flow of the old
    // mapping is left, so a switch does not wait for one (it waits ≈ 2 s under load, below).
    await new Promise((r) => setTimeout(r, 2_500));
    const idle = await acts.switchUpstreams(target('lb1'), { upstreams: [up('ns1')] });
    const back = await acts.switchUpstreams(target('lb1'), { upstreams: [up('ns2')] });
    expect(idle.settledMs).toBeLessThan(500);
    expect(back.settledMs).toBeLessThan(500);
    expect(await nsidsThroughLb(4)).toEqual(['ns2']);
  });

  test('switching back and forth under a UDP load of 1 000 qps loses no query and never reloads nginx', async () => {
    const queries = path.join(lab.dir, 'queries');
    fs.writeFileSync(queries, 'www.example.test A\nexample.test SOA\nexample.test NS\n');
    const before = await workers();
    const report = path.join(lab.dir, 'dnsperf.out');
    const perf = execa(
      'sh',
      ['-c', `exec dnsperf -s ${pub('lb1')} -d ${queries} -m udp -Q 1000 -l 8 -t 2 -c 4 > ${report} 2>&1`],
      { reject: false, timeout: 40_000, stdin: 'ignore' },
    );
    await new Promise((r) => setTimeout(r, 1000));
    const settled: number[] = [];
    for (const ns of ['ns1', 'ns2', 'ns1', 'ns2'] as const) {
      settled.push((await acts.switchUpstreams(target('lb1'), { upstreams: [up(ns)] })).settledMs!);
      await new Promise((r) => setTimeout(r, 300));
    }
    const done = await perf;
    const out = fs.readFileSync(report, 'utf8');
    if (!/Queries sent/.test(out)) console.error(done.exitCode, done.signal, out);
    const num = (re: RegExp) => Number(out.match(re)?.[1] ?? NaN);
    process.stdout.write(
      `dnsperf through lb1 during 4 switches: sent ${num(/Queries sent:\s+(\d+)/)}, lost ${num(/Queries lost:\s+(\d+)/)}\n`,
    );
    expect(num(/Queries sent:\s+(\d+)/)).toBeGreaterThanOrEqual(7000);
    expect(num(/Queries lost:\s+(\d+)/)).toBe(0);
    expect(num(/NOERROR (\d+)/)).toBe(num(/Queries completed:\s+(\d+)/));
    expect(await workers()).toBe(before);
    expect(await nsidsThroughLb(4)).toEqual(['ns2']);
    // Under load a switch waits for the old mapping's flows to end: at least the 2 s UDP timeout
    // after their last packet, at most its 2.5 s bound (the last switches may come after the load).
    process.stdout.write(`waited for old flows: ${settled.join(', ')} ms\n`);
    expect(settled[0]).toBeGreaterThanOrEqual(1_500);
    for (const ms of settled) expect(ms).toBeLessThanOrEqual(2_700);
  }, 60_000);

  test('a map nft refuses changes nothing on the LB; unsafe or mismatched input never reaches it', async () => {
    const file = await fileState();
    // What the activity sends, with a map nft cannot parse (the renderer never writes one).
    const bad =
      'table ip nsdeploy_upstreams {\n\tchain slots { type nat hook output priority -100; ip daddr 1.2.3.4 dnat to nowhere; }\n}\n';
    const current = await onLb(`cat ${UPSTREAM_MAP_FILE}`);
    const script = switchUpstreamScript({
      expectOldSha256: sha(current + '\n'),
      expectNewSha256: sha(bad),
      settleMs: 0,
    });
    const r = await runSsh(target('lb1'), script, { what: 'switch', input: bad });
    expect(r.exitCode).toBe(SWITCH_EXIT.invalid);
    expect(r.stderr).toMatch(/nowhere|Error/);
    expect(await fileState()).toBe(file);
    expect(await liveDnat()).toBe(`dnat to ${priv('ns2')}:53`);
    expect(await onLb(`ls /root; test ! -e ${APPLY_PENDING} && echo no-pending`)).toBe('no-pending');
    expect(await nsidsThroughLb(3)).toEqual(['ns2']);
    // Unsafe input never reaches the host.
    const g = await failureOf(
      acts.switchUpstreams(target('lb1'), {
        upstreams: [{ address: `${priv('ns1')}:53; }} include /etc/passwd;`, port: 53 }],
      }),
    );
    expect(g.type).toBe('InvalidUpstreams');
    const h = await failureOf(acts.switchUpstreams(target('lb1'), { upstreams: [up('ns1'), up('ns2')] }));
    expect(h).toMatchObject({ type: 'UpstreamSlotCountMismatch', nonRetryable: true });
    expect(await fileState()).toBe(file);
  });

  test('a switch interrupted between install and apply is finished by the next call', async () => {
    // As if the worker died after installing the file: the marker says an apply is owed, and
    // the live table is not what the file says.
    await onLb(`touch ${APPLY_PENDING}; nft delete table ip nsdeploy_upstreams`);
    expect(await liveDnat()).toBe('');
    const before = await workers();
    const result = await acts.switchUpstreams(target('lb1'), { upstreams: [up('ns2')] });
    expect(result.changed).toBe(false);
    expect(result.appliedAt).not.toBeNull();
    expect(await workers()).toBe(before);
    expect(await liveDnat()).toBe(`dnat to ${priv('ns2')}:53`);
    expect(await onLb(`test ! -e ${APPLY_PENDING} && echo no-pending`)).toBe('no-pending');
    expect(await nsidsThroughLb(2)).toEqual(['ns2']);
  });

  test('lbQueryCount counts exactly the queries sent, per upstream, across log rotation', async () => {
    const t0 = Date.now();
    await sendThroughLb(4); // → ns2
    const toNs1 = await acts.switchUpstreams(target('lb1'), { upstreams: [up('ns1')] });
    expect(toNs1).toMatchObject({ changed: true, previous: [up('ns2')] });
    // logrotate's move + USR1 (reopen): the lines above are now in dns-stream.log.1.
    await onLb(
      'mv /var/log/nginx/dns-stream.log /var/log/nginx/dns-stream.log.1 && kill -USR1 "$(cat /run/nginx.pid)"',
    );
    await new Promise((r) => setTimeout(r, 200));
    await sendThroughLb(3); // → ns1
    await sendThroughLb(1, '+tcp'); // → ns1, one line per TCP connection
    const count = await acts.lbQueryCount(target('lb1'), { sinceEpochMs: t0 });
    // nginx logs the slot it proxied to; both nameservers were behind the same slot.
    expect(count).toMatchObject({
      queries: 8,
      udp: 7,
      tcp: 1,
      failed: 0,
      byUpstream: { [`${pub('lb1')}:${ROLE_DEFAULT_SLOT_PORT_BASE}`]: 8 },
      sinceEpochMs: t0,
      coversSince: true,
    });
    expect(await onLb('ls /var/log/nginx')).toMatch(/dns-stream\.log\n.*dns-stream\.log\.1/s);
    // The next window starts where this one ended: nothing is counted twice.
    const next = await acts.lbQueryCount(target('lb1'), { sinceEpochMs: count.untilEpochMs });
    expect(next).toMatchObject({ queries: 0, byUpstream: {} });
    expect(next.untilEpochMs).toBeGreaterThan(count.untilEpochMs);
  });

  test('nsQueryCounter: the live server counts the queries, the drained one stays still', async () => {
    const [ns1Before, ns2Before] = [await acts.nsQueryCounter(target('ns1')), await acts.nsQueryCounter(target('ns2'))];
    expect(Number.isNaN(Date.parse(ns1Before.bootTime))).toBe(false);
    await sendThroughLb(5);
    await sendThroughLb(2, '+tcp');
    const [ns1After, ns2After] = [await acts.nsQueryCounter(target('ns1')), await acts.nsQueryCounter(target('ns2'))];
    expect(ns1After.queries - ns1Before.queries).toBeGreaterThanOrEqual(7);
    expect(ns1After.udp - ns1Before.udp).toBeGreaterThanOrEqual(5);
    expect(ns1After.tcp - ns1Before.tcp).toBeGreaterThanOrEqual(2);
    expect(ns1After.bootTime).toBe(ns1Before.bootTime);
    expect(ns2After.queries).toBe(ns2Before.queries);
  });

  test('a live table lost (as after a reboot without the boot unit) is put back by the next proxy role run', async () => {
    await onLb('nft delete table ip nsdeploy_upstreams');
    const lost = await dig(pub('lb1'), 'www.example.test', 'A', ['+notcp', '+short', '+norec']);
    expect(lost).not.toBe('192.0.2.10');
    const inventory = path.join(lab.dir, 'lb1-only.yml');
    const fleetInventory = parseYaml(fs.readFileSync(path.join(lab.dir, 'inventory.yml'), 'utf8')) as {
      all: { children: { loadbalancers: { vars: Record<string, unknown> } } };
    };
    fleetInventory.all.children.loadbalancers.vars.proxy_upstreams = [up('ns1')];
    fs.writeFileSync(inventory, JSON.stringify(fleetInventory));
    const run = await ansiblePlaybook(lab, 'proxy.yml', inventory);
    if (run.exitCode !== 0) console.error(run.stdout);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/TASK \[proxy : Apply the upstream map[^\n]*\n(?:[^\n]*\n)*?changed: \[lb1\]/);
    expect(await liveDnat()).toBe(`dnat to ${priv('ns1')}:53`);
    expect(await acts.readUpstreams(target('lb1'))).toEqual([up('ns1')]);
    await sendThroughLb(2);
  }, 120_000);

  test('a host presenting another key than the pinned one fails fast, non-retryable, and says so', async () => {
    const wrong = path.join(lab.dir, 'known_hosts.wrong');
    fs.writeFileSync(wrong, knownHostsLine([pub('lb1')], keys.ns1.publicKey));
    const started = Date.now();
    const f = await failureOf(acts.waitForSsh(target('lb1', { knownHostsFile: wrong }), 30_000));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(f.nonRetryable).toBe(true);
    expect(f.type).toBe('SshHostKeyVerificationFailed');
    expect(f.message).toContain('Host key verification failed');
    expect(f.message).toContain(pub('lb1'));
    expect(f.message).toContain(wrong);
    // Every activity refuses it the same way, before touching the host.
    const g = await failureOf(
      acts.switchUpstreams(target('lb1', { knownHostsFile: wrong }), { upstreams: [up('ns2')] }),
    );
    expect(g.type).toBe('SshHostKeyVerificationFailed');
    // No key pinned for the address at all.
    const h = await failureOf(acts.nsQueryCounter(target('ns2', { knownHostsFile: wrong })));
    expect(h.message).toMatch(/Host key verification failed: no host key is pinned for .*known_hosts\.wrong/);
    expect(await acts.readUpstreams(target('lb1'))).toEqual([up('ns1')]);
  });

  test('waitForSsh keeps trying a refused port until its bound, heartbeating, and says why', async () => {
    // The failure is expected: keep the mock's "Activity failed" warning out of the output.
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const started = Date.now();
    const f = await failureOf(env.run(acts.waitForSsh, target('ns1', { port: 2222 }), 2_500));
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_400);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(f.type).toBe('SshWaitTimedOut');
    expect(f.message).toContain('within 2.5 s');
    expect(f.message).toContain(`root@${pub('ns1')}:2222`);
    expect(f.message).toContain('Connection refused');
    expect(f.message).not.toContain('Host key');
    expect(beats.length).toBeGreaterThanOrEqual(2);
  });

  test('waitForSsh stops at once when the activity is cancelled', async () => {
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const started = Date.now();
    const waiting = env.run(acts.waitForSsh, target('ns1', { port: 2222 }), 30_000);
    setTimeout(() => env.cancel(), 300);
    await expect(waiting).rejects.toBeInstanceOf(CancelledFailure);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  test('teardown leaves no host, namespace, ssh client or mount of this lab', async () => {
    await closeSshMasters(lab);
    await teardownAll(lab.config);
    expect(await leftovers(lab.config)).toEqual([]);
    expect(livePids(hosts.map((h) => h.pid))).toEqual([]);
    expect((await execa('ip', ['netns', 'list'])).stdout).not.toContain(lab.config.netnsPrefix);
    expect(fs.readFileSync('/proc/mounts', 'utf8')).not.toContain(lab.dir);
    expect((await execa('pgrep', ['-f', lab.dir], { reject: false })).stdout).toBe('');
  });
});
