// The lab enforces what the emulator's networking endpoints say (root only): a Cloud Firewall
// attached to an instance becomes nftables rules in its host, so a rule dropping 53/udp makes a
// DNS query from outside fail and allowing it makes it pass; an IP assignment moves addresses
// between hosts, so queries to a moved address are answered by the other host at once. The
// emulator runs with the lab host hooks on a test lab of its own; each host runs a real BIND
// that answers who.test TXT with its own name.
import execa from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { createLabNetwork, teardownAll } from '../../../lab/hosts';
import { CLOUD_FIREWALL_TABLE } from '../../../lab/hosts/cloudFirewall';
import { hostLabelOf, labHostHooks } from '../../../lab/labHostHooks';
import { createLinodeEmulator, type LinodeEmulator } from '../../../lab/linode-emulator/server';
import { generateKeyPair, knownHostsLine, makeTestLab, ssh, type TestLab } from '../../../testkit/labHosts';
import { describeAsRoot } from '../../helpers/requires';
import { raw, ROOT_PASS, waitFor } from '../emulator/helpers';

const OCTET = 236;
const NET = `198.19.${OCTET}`;
const PRIVATE_RANGES = { 'us-east': `${NET}.128/27`, 'eu-west': `${NET}.160/27`, 'us-west': `${NET}.192/27` };
const TOKEN = 'cloud-network-token';

describeAsRoot('lab enforcement of Cloud Firewalls and IP assignment', () => {
  let lab: TestLab;
  let emulator: LinodeEmulator;
  let url: string;
  let knownHosts: string;
  const hosts: Record<'a' | 'b', { id: number; address: string }> = {} as never;

  const api = (p: string, init: Parameters<typeof raw>[2] = {}) => raw(url, p, { token: TOKEN, ...init });

  /** The TXT answer of who.test from `address`, asked from this machine, or 'no answer'. */
  async function who(address: string, tcp = false): Promise<string> {
    const args = [`@${address}`, 'who.test', 'TXT', '+short', '+time=1', '+tries=1', ...(tcp ? ['+tcp'] : [])];
    const result = await execa('dig', args, { reject: false });
    return result.exitCode === 0 && result.stdout.trim() ? result.stdout.trim().replaceAll('"', '') : 'no answer';
  }

  /** A real BIND in the host (it ends with the host), answering who.test TXT with `name`. */
  async function startNamed(address: string, name: string): Promise<void> {
    const zone = `$TTL 60\n@ SOA ns.who.test. h.who.test. 1 60 60 600 60\n@ NS ns\nns A ${address}\n@ TXT "${name}"\n`;
    const conf = [
      'options { directory "/tmp/who"; listen-on { any; }; listen-on-v6 { none; }; pid-file none;',
      '  recursion no; automatic-interface-scan yes; };',
      'zone "who.test" { type primary; file "/tmp/who/who.zone"; };',
    ].join('\n');
    const script = [
      'mkdir -p /tmp/who',
      `printf '%s' '${zone}' > /tmp/who/who.zone`,
      `printf '%s' '${conf}' > /tmp/who/named.conf`,
      'named -c /tmp/who/named.conf',
    ].join(' && ');
    const result = await ssh(lab, knownHosts, address, script);
    expect(result.stderr).toBe('');
    await waitFor('named answering', async () => ((await who(address)) === name ? true : undefined), 10_000);
  }

  beforeAll(async () => {
    lab = await makeTestLab('cloudnet', OCTET);
    await createLabNetwork(lab.config); // the hooks then use this test lab's bridge, not the default lab's
    emulator = createLinodeEmulator({
      token: TOKEN,
      publicCidr: `${NET}.0/26`,
      privateCidrs: PRIVATE_RANGES,
      hooks: labHostHooks(lab.config.stateDir, PRIVATE_RANGES),
      latencies: { provisioningMs: 50, bootingMs: 50 },
    });
    url = await emulator.listen(0);
    knownHosts = path.join(lab.dir, 'known_hosts');
    for (const name of ['a', 'b'] as const) {
      const key = await generateKeyPair(path.join(lab.dir, `host-${name}`), name);
      const userData = [
        '#cloud-config',
        'ssh_keys:',
        '  ed25519_private: |',
        ...key.privateKeyOpenSSH
          .trim()
          .split('\n')
          .map((l) => `    ${l}`),
        `  ed25519_public: ${key.publicKey}`,
        `ssh_authorized_keys: ['${lab.clientPublicKey}']`,
      ].join('\n');
      const created = await api('/v4/linode/instances', {
        method: 'POST',
        body: {
          label: `host-${name}`,
          region: 'us-east',
          type: 'g6-nanode-1',
          image: 'linode/debian12',
          root_pass: ROOT_PASS,
          metadata: { user_data: Buffer.from(userData).toString('base64') },
        },
      });
      const instance = created.body as { id: number; ipv4: string[] };
      hosts[name] = { id: instance.id, address: instance.ipv4[0] };
      fs.appendFileSync(knownHosts, knownHostsLine(instance.ipv4, key.publicKey));
    }
    for (const name of ['a', 'b'] as const) {
      const { id } = hosts[name];
      await waitFor(
        `${name} running`,
        async () =>
          ((await api(`/v4/linode/instances/${id}`)).body as { status: string }).status === 'running' || undefined,
        30_000,
      );
      await startNamed(hosts[name].address, name);
    }
  }, 90_000);

  afterAll(async () => {
    if (emulator) await emulator.close();
    if (lab) await teardownAll(lab.config);
    if (lab) fs.rmSync(lab.dir, { recursive: true, force: true });
  });

  const rules = (dnsOverUdp: boolean) => ({
    inbound_policy: 'DROP',
    outbound_policy: 'ACCEPT',
    inbound: [
      { action: 'ACCEPT', protocol: 'TCP', ports: '22', addresses: { ipv4: ['0.0.0.0/0'] }, label: 'ssh' },
      ...(dnsOverUdp ? [{ action: 'ACCEPT', protocol: 'UDP', ports: '53', addresses: { ipv4: [`${NET}.0/24`] } }] : []),
    ],
  });

  test('a firewall rule that drops 53/udp makes a query from outside fail; allowing it makes it pass', async () => {
    const a = hosts.a;
    const created = await api('/v4/networking/firewalls', {
      method: 'POST',
      body: { label: 'dns-fw', rules: rules(true), devices: { linodes: [a.id] } },
    });
    expect(created.status).toBe(200);
    const fw = created.body as { id: number };
    const netns = `${lab.config.netnsPrefix}${hostLabelOf(a)}`;
    const table = await execa('ip', ['netns', 'exec', netns, 'nft', 'list', 'table', 'inet', CLOUD_FIREWALL_TABLE]);
    expect(table.stdout).toContain('policy drop');
    expect(await who(a.address)).toBe('a');
    expect(await who(a.address, true)).toBe('no answer'); // 53/tcp is not allowed
    expect(await who(hosts.b.address)).toBe('b'); // the other host has no firewall

    expect((await api(`/v4/networking/firewalls/${fw.id}/rules`, { method: 'PUT', body: rules(false) })).status).toBe(
      200,
    );
    expect(await who(a.address)).toBe('no answer');

    await api(`/v4/networking/firewalls/${fw.id}/rules`, { method: 'PUT', body: rules(true) });
    expect(await who(a.address)).toBe('a');

    // Disabling the firewall lifts its rules (53/tcp answers again); deleting it too.
    await api(`/v4/networking/firewalls/${fw.id}`, { method: 'PUT', body: { status: 'disabled' } });
    expect(await who(a.address, true)).toBe('a');
    await api(`/v4/networking/firewalls/${fw.id}`, { method: 'PUT', body: { status: 'enabled' } });
    expect(await who(a.address, true)).toBe('no answer');
    await api(`/v4/networking/firewalls/${fw.id}`, { method: 'DELETE' });
    expect(await who(a.address, true)).toBe('a');
  }, 60_000);

  test('an assignment moves the addresses: queries to each are answered by the other host at once', async () => {
    const { a, b } = hosts;
    expect([await who(a.address), await who(b.address)]).toEqual(['a', 'b']);
    const swap = await api('/v4/networking/ips/assign', {
      method: 'POST',
      body: {
        region: 'us-east',
        assignments: [
          { address: a.address, linode_id: b.id },
          { address: b.address, linode_id: a.id },
        ],
      },
    });
    expect(swap.status).toBe(200);
    // named notices the new address on its own (automatic interface scan); no neighbour entry is stale.
    await waitFor('the swap to reach named', async () => ((await who(a.address)) === 'b' ? true : undefined), 10_000);
    expect(await who(b.address)).toBe('a');
    const addrs = async (name: 'a' | 'b') =>
      (
        await execa('ip', [
          '-n',
          `${lab.config.netnsPrefix}${hostLabelOf(hosts[name])}`,
          '-4',
          '-o',
          'addr',
          'show',
          'dev',
          'eth0',
        ])
      ).stdout;
    expect(await addrs('a')).toContain(`${b.address}/`);
    expect(await addrs('a')).not.toContain(`${a.address}/`);
    expect(await addrs('b')).toContain(`${a.address}/`);
  }, 60_000);
});
