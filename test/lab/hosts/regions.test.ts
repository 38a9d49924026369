// Regions on the lab network (root only): Linode's private network stops at the data centre, so
// a lab host reaches the private addresses of its own region only, public addresses everywhere,
// and this machine (the worker, in the root namespace) every address. Hosts are started the way
// the emulator starts them: through the lab host hooks, with the instance's region.
import execa from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import type { LabInstance } from '../../../lab/linode-emulator/hooks';
import { createLabNetwork, leftovers, listHosts, teardownAll } from '../../../lab/hosts';
import { hostLabelOf, labHostHooks } from '../../../lab/labHostHooks';
import { generateKeyPair, makeTestLab, type TestLab } from '../../../testkit/labHosts';
import { describeAsRoot } from '../../helpers/requires';

const OCTET = 247;
const NET = `198.19.${OCTET}`;
/** Every region's private range inside the test lab's /24. */
const PRIVATE_RANGES = {
  'us-east': `${NET}.128/27`,
  'eu-west': `${NET}.160/27`,
  'us-west': `${NET}.192/27`,
};
const FLEET = {
  east1: { id: 1, region: 'us-east', public: `${NET}.11`, private: `${NET}.130` },
  east2: { id: 2, region: 'us-east', public: `${NET}.12`, private: `${NET}.131` },
  west1: { id: 3, region: 'eu-west', public: `${NET}.21`, private: `${NET}.161` },
} as const;
type Name = keyof typeof FLEET;

describeAsRoot('lab network regions', () => {
  let lab: TestLab;
  const instances = {} as Record<Name, LabInstance>;
  const userData = {} as Record<Name, string>;
  const netns = (name: Name) => `${lab.config.netnsPrefix}${hostLabelOf(FLEET[name])}`;

  /** TCP to sshd (port 22) at `address`, from a host's namespace or from this machine. */
  async function sshBanner(from: Name | 'worker', address: string): Promise<'SSH-' | 'timeout' | string> {
    const probe = `exec 3<>/dev/tcp/${address}/22 && head -c 4 <&3`;
    const cmd = ['timeout', '2', 'bash', '-c', probe];
    const result = await execa(
      from === 'worker' ? cmd[0] : 'ip',
      from === 'worker' ? cmd.slice(1) : ['netns', 'exec', netns(from), ...cmd],
      {
        reject: false,
      },
    );
    if (result.exitCode === 124) return 'timeout';
    return result.stdout || `exit ${result.exitCode}: ${result.stderr.trim()}`;
  }

  beforeAll(async () => {
    lab = await makeTestLab('regions', OCTET);
    await createLabNetwork(lab.config);
    const hooks = labHostHooks(lab.config.stateDir, PRIVATE_RANGES);
    for (const label of Object.keys(FLEET) as Name[]) {
      const h = FLEET[label];
      const key = await generateKeyPair(path.join(lab.dir, `host-${label}`), label);
      const instance: LabInstance = (instances[label] = {
        id: h.id,
        label,
        region: h.region,
        type: 'g6-nanode-1',
        image: 'linode/debian12',
        tags: [],
        ipv4: { public: h.public, additional: [], private: h.private },
        ipv6: '2001:db8::1',
        firewall: null,
      });
      userData[label] = [
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
      await hooks.onRunning!(instance, userData[label]);
    }
  }, 60_000);

  afterAll(async () => {
    if (lab) await teardownAll(lab.config);
    if (lab) fs.rmSync(lab.dir, { recursive: true, force: true });
  });

  test('every host knows its region and the private ranges it does not reach', () => {
    expect(
      listHosts(lab.config)
        .map((h) => [h.label, h.region, h.unreachable, h.running])
        .sort(),
    ).toEqual([
      ['linode-1', 'us-east', [PRIVATE_RANGES['eu-west'], PRIVATE_RANGES['us-west']], true],
      ['linode-2', 'us-east', [PRIVATE_RANGES['eu-west'], PRIVATE_RANGES['us-west']], true],
      ['linode-3', 'eu-west', [PRIVATE_RANGES['us-east'], PRIVATE_RANGES['us-west']], true],
    ]);
  });

  test('a private address of the same region is reachable', async () => {
    expect(await sshBanner('east1', FLEET.east2.private)).toBe('SSH-');
    expect(await sshBanner('east2', FLEET.east1.private)).toBe('SSH-');
  });

  test("another region's private address gets no answer, either way: the packets are lost, not refused", async () => {
    expect(await sshBanner('east1', FLEET.west1.private)).toBe('timeout');
    expect(await sshBanner('west1', FLEET.east1.private)).toBe('timeout');
    expect(await sshBanner('west1', FLEET.east2.private)).toBe('timeout');
  });

  test('public addresses reach each other across regions', async () => {
    expect(await sshBanner('east1', FLEET.west1.public)).toBe('SSH-');
    expect(await sshBanner('west1', FLEET.east1.public)).toBe('SSH-');
    expect(await sshBanner('west1', FLEET.east2.public)).toBe('SSH-');
  });

  test('this machine (the worker) reaches every address, private ones of every region included', async () => {
    for (const h of Object.values(FLEET)) {
      expect(await sshBanner('worker', h.private)).toBe('SSH-');
      expect(await sshBanner('worker', h.public)).toBe('SSH-');
    }
  });

  test('a host cannot lift the isolation: the rules are in the network, not in the host', async () => {
    await execa('ip', ['netns', 'exec', netns('east1'), 'nft', 'flush', 'ruleset']);
    expect(await sshBanner('east1', FLEET.west1.private)).toBe('timeout');
  });

  test('booting a running host again changes nothing; a stop or teardown removes its rules', async () => {
    const pids = () => Object.fromEntries(listHosts(lab.config).map((h) => [h.label, h.pid]));
    const tables = async () =>
      (await execa('nft', ['list', 'tables', 'netdev'])).stdout.split('\n').filter((l) => l.includes('nsdeploy_lab_'));
    const before = pids();
    expect(await tables()).toHaveLength(3);
    const hooks = labHostHooks(lab.config.stateDir, PRIVATE_RANGES);
    await hooks.onRunning!(instances.west1, userData.west1);
    expect(pids()).toEqual(before);
    await hooks.onStopped!(instances.east2);
    expect(pids()).toEqual({ ...before, 'linode-2': null });
    expect(await tables()).toHaveLength(2);

    await teardownAll(lab.config);
    expect(await leftovers(lab.config)).toEqual([]);
    expect(await tables()).toEqual([]);
  });
});
