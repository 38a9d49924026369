// Adopting hand-made hosts on the lab, through the CLI, with the real dev server and worker: a
// nameserver and an LB made directly through the emulator's API (their own host keys in their
// user data, no fleet tag, nothing configured), then `fleet adopt`: nothing pinned before the
// fingerprints are confirmed, a wrong fingerprint for the LB refused naming it, then pinned,
// tagged, the roles applied on approval and every record verified; then an NS deploy runs on the
// adopted fleet. Run under the lab lock:
//   flock /tmp/nsdeploy-lab.lock npx jest test/e2e/fleetAdopt.test.ts
import { createLinode, getLinodes } from '@linode/api-v4';
import execa from 'execa';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { cloudConfigFor, generateHostKey, readPublicKey } from '../../src/hosts/hostKeys';
import { fingerprintsOf } from '../../src/hosts/keyScan';
import { withLinodeCredentials } from '../../src/linode';
import { fleetAdoptWorkflowId, fleetAdoptStatusQuery, TASK_QUEUE } from '../../src/shared';
import { emulatorUrl, labToken } from '../../lab/emulatorProcess';
import { LAB_CONFIG } from '../../lab/up';
import { npmRun } from '../../testkit/lab';
import { labWithWorker } from '../helpers/labE2e';

jest.setTimeout(15 * 60_000);

const lab = labWithWorker({ taskQueue: TASK_QUEUE, logLevel: 'silent' });
const ADOPT = fleetAdoptWorkflowId('adopted');
let dir: string;
let config: string;
let knownHosts: string;
const hosts: Record<string, { address: string; fingerprint: string }> = {};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form YAML edits
type Yaml = Record<string, any>;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-adopt-'));
  const cfg = parse(fs.readFileSync(LAB_CONFIG, 'utf8')) as Yaml;
  const abs = (p: string) => path.resolve(path.dirname(LAB_CONFIG), p);
  const zone = path.join(dir, 'example.test.zone');
  fs.copyFileSync(abs(cfg.zones[0].file), zone);
  cfg.fleet = 'adopted';
  cfg.zones = [{ domain: 'example.test', file: zone }];
  cfg.nameservers = [{ label: 'adopt-ns1', region: 'us-east' }];
  cfg.loadBalancers = [{ label: 'adopt-lb1', region: 'us-east' }];
  cfg.ssh.privateKeyFile = abs(cfg.ssh.privateKeyFile);
  knownHosts = cfg.ssh.knownHostsFile = abs(cfg.ssh.knownHostsFile);
  cfg.policies.soak = '5s';
  delete cfg.monitor;
  config = path.join(dir, 'adopted.yaml');
  fs.writeFileSync(config, stringify(cfg));

  // Made by hand through the API, as an operator's fleet was: no nsdeploy tag, own host keys.
  const client = readPublicKey(cfg.ssh.privateKeyFile);
  await withLinodeCredentials({ apiUrl: `${emulatorUrl()}/v4`, token: labToken() }, async () => {
    for (const label of ['adopt-ns1', 'adopt-lb1']) {
      const hostKey = await generateHostKey(label);
      const userData = cloudConfigFor({ hostname: label, hostKey, authorizedKeys: [client] });
      const made = await createLinode({
        label,
        region: 'us-east',
        type: 'g6-nanode-1',
        image: 'linode/debian12',
        tags: ['hand-made'],
        private_ip: true,
        booted: true,
        root_pass: crypto.randomBytes(24).toString('base64url') + 'aA1!',
        authorized_keys: [client],
        metadata: { user_data: Buffer.from(userData).toString('base64') },
      });
      const [fingerprint] = await fingerprintsOf([hostKey.publicKey]); // what Lish would show
      hosts[label] = { address: made.ipv4[0], fingerprint };
    }
    for (let i = 0; i < 120; i++) {
      const page = await getLinodes({}, { tags: 'hand-made' });
      if (page.data.filter((l) => l.status === 'running').length === 2) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error('the hand-made hosts never ran');
  });
}, 180_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => npmRun('nsdeploy', '--', ...args, '--address', lab.env().connection.options.address);
const pinnedLines = () =>
  fs
    .readFileSync(knownHosts, 'utf8')
    .split('\n')
    .filter((l) => Object.values(hosts).some((h) => l.split(' ')[0].split(',').includes(h.address)));

async function whenPhase(phase: string, pending?: 'approval'): Promise<void> {
  const handle = lab.env().client.workflow.getHandle(ADOPT);
  for (let i = 0; i < 240; i++) {
    const s = await handle.query(fleetAdoptStatusQuery).catch(() => undefined);
    if (s?.phase === phase && (!pending || s.approval?.pending)) return;
    if (s?.phase === 'failed') throw new Error(`adoption failed: ${s.error}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the adoption never reached ${phase}`);
}

test('hand-made hosts adopted: pinned only after their fingerprints are confirmed, a wrong one refused', async () => {
  const started = await cli('fleet', 'adopt', '--config', config, '--detach');
  expect(started.exitCode).toBe(0);
  await whenPhase('confirm-keys');
  expect(pinnedLines()).toEqual([]); // scanned and shown, nothing pinned

  const status = await lab.env().client.workflow.getHandle(ADOPT).query(fleetAdoptStatusQuery);
  expect(status.hosts.map((h) => h.keys.map((k) => k.fingerprint))).toEqual([
    expect.arrayContaining([hosts['adopt-ns1'].fingerprint]),
    expect.arrayContaining([hosts['adopt-lb1'].fingerprint]),
  ]);

  const other = (await fingerprintsOf([(await generateHostKey('impostor')).publicKey]))[0];
  const wrong = await cli(
    'fleet',
    'confirm-keys',
    ADOPT,
    '--fingerprint',
    `adopt-ns1=${hosts['adopt-ns1'].fingerprint}`,
    '--fingerprint',
    `adopt-lb1=${other}`,
  );
  expect(wrong.exitCode).not.toBe(0);
  expect(wrong.all).toContain(`refused, nothing pinned: adopt-lb1: ${other} is not a key adopt-lb1 presents`);
  expect(pinnedLines()).toEqual([]);

  const right = await cli(
    'fleet',
    'confirm-keys',
    ADOPT,
    ...Object.entries(hosts).flatMap(([label, h]) => ['--fingerprint', `${label}=${h.fingerprint}`]),
  );
  expect(right.exitCode).toBe(0);
  await whenPhase('approval', 'approval');
  expect(pinnedLines()).toHaveLength(2);
  const approved = await cli('approve', ADOPT, '--reason', 'plan read');
  expect(approved.exitCode).toBe(0);
  const followed = await cli('follow', ADOPT);
  expect(followed.all).toContain(`${ADOPT}: adopted (phase done)`);
  expect(followed.exitCode).toBe(0);

  const state = (await (await fetch(`${emulatorUrl()}/__admin/state`)).json()) as {
    instances: { label: string; tags: string[] }[];
  };
  for (const label of Object.keys(hosts))
    expect(state.instances.find((i) => i.label === label)!.tags).toEqual(
      expect.arrayContaining(['hand-made', 'nsdeploy-fleet-adopted']),
    );
  const dig = await execa('dig', [`@${hosts['adopt-lb1'].address}`, 'www.example.test', 'A', '+short', '+tcp']);
  expect(dig.stdout).toContain('198.18.2.80');
});

test('an NS deploy runs on the adopted fleet', async () => {
  const deploy = await cli('start-deploy', '--config', config);
  expect(deploy.all).toContain('adopted/deploy: deployed (phase done)');
  expect(deploy.exitCode).toBe(0);
  const state = (await (await fetch(`${emulatorUrl()}/__admin/state`)).json()) as { instances: { label: string }[] };
  expect(state.instances.map((i) => i.label).filter((l) => l.startsWith('adopt-'))).toEqual(
    expect.arrayContaining(['adopt-ns1', 'adopt-lb1']),
  );
  expect(state.instances.filter((i) => i.label.startsWith('adopt-'))).toHaveLength(2);
});
