// Real lab hosts (root only): network namespaces on a bridge, sshd as PID 1 with the injected
// host key, a disk that survives stop/start, and a teardown that leaves nothing behind.
import execa from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import type { HostKey, LabHost } from '../../../lab/hosts';
import {
  createLabNetwork,
  hostMemory,
  leftovers,
  listHosts,
  startHost,
  stopHost,
  teardownAll,
} from '../../../lab/hosts';
import { generateKeyPair, knownHostsLine, livePids, makeTestLab, ssh, type TestLab } from '../../../testkit/labHosts';
import { describeAsRoot } from '../../helpers/requires';

describeAsRoot('lab hosts', () => {
  let lab: TestLab;
  const keys: Record<string, HostKey> = {};
  const hosts: Record<string, LabHost> = {};
  const recordedPids: number[] = [];
  const addresses: Record<string, string[]> = {};
  let knownHosts: string;

  const start = (label: string) =>
    startHost({
      label,
      addresses: addresses[label],
      hostKey: keys[label],
      authorizedKeys: [lab.clientPublicKey],
      stateDir: lab.config.stateDir,
    });

  beforeAll(async () => {
    lab = await makeTestLab('hosts', 251);
    Object.assign(addresses, {
      ns1: [`${lab.net}.11`, `${lab.net}.111`],
      ns2: [`${lab.net}.12`, `${lab.net}.112`],
      lb1: [`${lab.net}.21`, `${lab.net}.121`],
    });
    for (const label of Object.keys(addresses))
      keys[label] = await generateKeyPair(path.join(lab.dir, `host-${label}`), label);
    knownHosts = path.join(lab.dir, 'known_hosts');
    fs.writeFileSync(
      knownHosts,
      Object.keys(addresses)
        .map((l) => knownHostsLine(addresses[l], keys[l].publicKey))
        .join(''),
    );
    await createLabNetwork(lab.config);
    for (const label of Object.keys(addresses)) {
      hosts[label] = await start(label);
      recordedPids.push(hosts[label].pid);
    }
  }, 60_000);

  afterAll(async () => {
    if (lab) await teardownAll(lab.config);
    if (lab) fs.rmSync(lab.dir, { recursive: true, force: true });
  });

  test('each host is its own machine: hostname, addresses, no default route', async () => {
    const result = await ssh(
      lab,
      knownHosts,
      addresses.ns1[0],
      'hostname; ip -4 -o addr show dev eth0; ip route; cat /proc/1/comm',
    );
    expect(result.exitCode).toBe(0);
    const [hostname, ...rest] = result.stdout.split('\n');
    expect(hostname).toBe('ns1');
    expect(result.stdout).toContain(`inet ${addresses.ns1[0]}/24`);
    expect(result.stdout).toContain(`inet ${addresses.ns1[1]}/24`);
    expect(rest.join('\n')).not.toMatch(/^default/m);
    expect(result.stdout.trim().endsWith('sshd')).toBe(true);
    expect(listHosts(lab.config).map((h) => [h.label, h.running])).toEqual([
      ['ns1', true],
      ['ns2', true],
      ['lb1', true],
    ]);
  });

  test('creating the lab network again is a no-op; another bridge for the same lab is refused', async () => {
    await expect(createLabNetwork({ stateDir: lab.config.stateDir })).resolves.toMatchObject({
      bridge: lab.config.bridge,
      bridgeCidr: lab.config.bridgeCidr,
    });
    await expect(createLabNetwork({ ...lab.config, bridge: 'nsdtother' })).rejects.toThrow(/already uses bridge/);
    expect((await ssh(lab, knownHosts, addresses.ns1[0], 'true')).exitCode).toBe(0);
  });

  test('each sshd presents exactly its injected host key, on every address', async () => {
    for (const label of Object.keys(addresses)) {
      for (const address of addresses[label]) {
        const scanned = await execa('ssh-keyscan', ['-T', '5', '-t', 'ed25519,rsa,ecdsa', address], { reject: false });
        expect(
          scanned.stdout
            .trim()
            .split('\n')
            .map((l) => l.split(' ').slice(1).join(' ')),
        ).toEqual([keys[label].publicKey.split(' ').slice(0, 2).join(' ')]);
        expect((await ssh(lab, knownHosts, address, 'true')).exitCode).toBe(0);
      }
    }
  });

  test('a wrong pinned key fails host key verification', async () => {
    const wrong = path.join(lab.dir, 'known_hosts.wrong');
    fs.writeFileSync(wrong, knownHostsLine(addresses.ns1, keys.ns2.publicKey));
    const result = await ssh(lab, wrong, addresses.ns1[0], 'true');
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('Host key verification failed');
  });

  test('password and keyboard-interactive logins are refused: only public keys are offered', async () => {
    const result = await ssh(lab, knownHosts, addresses.lb1[0], 'true', [
      '-o',
      'PubkeyAuthentication=no',
      '-o',
      'PreferredAuthentications=password,keyboard-interactive',
    ]);
    expect(result.exitCode).toBe(255);
    expect(result.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  test('hosts reach each other over the lab bridge', async () => {
    const result = await ssh(
      lab,
      knownHosts,
      addresses.lb1[0],
      `exec 3<>/dev/tcp/${addresses.ns2[1]}/22 && head -c 4 <&3`,
    );
    expect(result.stdout).toBe('SSH-');
  });

  test('a host cannot change this machine: only its own directories are writable', async () => {
    const probe = (dir: string) => `touch ${dir}/.lab-probe 2>/dev/null && echo ${dir}:rw || echo ${dir}:ro`;
    const dirs = [
      '/etc',
      '/usr/sbin',
      '/var/lib/apt',
      '/etc/bind',
      '/etc/nginx',
      '/etc/ssh',
      '/var/cache/bind',
      '/var/log/nginx',
      '/usr/local/sbin',
      '/root',
      '/tmp',
      '/run',
    ];
    const result = await ssh(lab, knownHosts, addresses.ns1[0], dirs.map(probe).join('; '));
    expect(result.stdout.split('\n')).toEqual(
      dirs.map((d) => `${d}:${['/etc', '/usr/sbin', '/var/lib/apt'].includes(d) ? 'ro' : 'rw'}`),
    );
    expect(
      fs.existsSync('/etc/bind/.lab-probe') ||
        fs.existsSync('/usr/local/sbin/.lab-probe') ||
        fs.existsSync('/root/.lab-probe'),
    ).toBe(false);
    // The host's /etc/bind started as the package's.
    expect((await ssh(lab, knownHosts, addresses.ns1[0], 'ls /etc/bind')).stdout.split('\n')).toContain(
      'named.conf.options',
    );
  });

  test('starting a running host again returns it unchanged; a stopped host keeps its disk', async () => {
    const again = await start('ns2');
    expect(again.pid).toBe(hosts.ns2.pid);
    expect(
      (await ssh(lab, knownHosts, addresses.ns2[0], 'echo kept > /etc/bind/lab-marker; echo gone > /run/lab-marker'))
        .exitCode,
    ).toBe(0);
    await stopHost('ns2', { stateDir: lab.config.stateDir });
    expect(livePids([hosts.ns2.pid])).toEqual([]);
    expect(listHosts(lab.config).find((h) => h.label === 'ns2')?.running).toBe(false);
    hosts.ns2 = await start('ns2');
    recordedPids.push(hosts.ns2.pid);
    const result = await ssh(
      lab,
      knownHosts,
      addresses.ns2[0],
      'cat /etc/bind/lab-marker; ls /run/lab-marker 2>&1 || true',
    );
    expect(result.stdout).toMatch(/^kept\n.*No such file/);
  });

  test('memory of an idle host is small', () => {
    const memory = hostMemory('ns1', lab.config);
    expect(memory.processes.map((p) => p.command)).toContain('sshd');
    expect(memory.totalRssBytes).toBeGreaterThan(1 << 20);
    expect(memory.totalRssBytes).toBeLessThan(64 << 20);
  });

  test('teardown removes every process, namespace, interface, mount and address of the lab', async () => {
    await teardownAll(lab.config);
    expect(await leftovers(lab.config)).toEqual([]);
    expect(livePids(recordedPids)).toEqual([]);
    const netns = (await execa('ip', ['netns', 'list'])).stdout;
    expect(netns).not.toContain(lab.config.netnsPrefix);
    const links = (await execa('ip', ['-o', 'link', 'show'])).stdout;
    expect(links).not.toContain(lab.config.bridge);
    expect(links).not.toContain(`nsdeploy-lab:${lab.config.bridge}:`);
    expect((await execa('ip', ['-4', '-o', 'addr', 'show'])).stdout).not.toContain(`${lab.net}.`);
    expect(fs.readFileSync('/proc/mounts', 'utf8')).not.toContain(lab.dir);
    expect(fs.readFileSync('/proc/mounts', 'utf8')).not.toContain(`/run/netns/${lab.config.netnsPrefix}`);
    const pgrep = await execa('pgrep', ['-f', lab.dir], { reject: false });
    expect(pgrep.stdout).toBe('');
  });
});
