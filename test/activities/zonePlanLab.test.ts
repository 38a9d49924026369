// planZone against real nameservers (root only): two lab hosts configured by the nameserver role
// (198.19.238.0/24, bridge nsdt238), their served zone files read over SSH with the pinned host
// keys. Plan → setZoneSerial → the role deploys → the next plan sees no change and that serial.
// Serialize with the other lab suites: flock /tmp/nsdeploy-lab.lock npx jest test/activities/zonePlanLab.test.ts
import fs from 'node:fs';
import path from 'node:path';
import { teardownAll } from '../../lab/hosts';
import { createZonePlanActivities } from '../../src/activities/zonePlan';
import { readServedZones } from '../../src/hosts/servedZone';
import type { SshTarget } from '../../src/ssh/exec';
import {
  ansiblePlaybook,
  closeSshMasters,
  dig,
  knownHostsLine,
  makeTestLab,
  ssh,
  type TestLab,
} from '../../testkit/labHosts';
import { describeAsRoot } from '../helpers/requires';
import { startTestFleet, testFleetAddress, type TestFleet } from '../lab/hosts/helpers';

describeAsRoot('planZone on lab nameservers', () => {
  let lab: TestLab;
  let fleet: TestFleet;
  const domain = 'example.test';
  const pub = (l: 'ns1' | 'ns2' | 'lb1') => testFleetAddress(lab, l).public;
  const target = (l: 'ns1' | 'ns2', knownHostsFile = fleet.knownHosts): SshTarget => ({
    name: l,
    address: pub(l),
    privateKeyFile: lab.clientKeyFile,
    knownHostsFile,
  });
  const acts = createZonePlanActivities({ now: () => new Date('2026-12-01T09:30:00Z') });
  const plan = () => acts.planZone({ zone: { domain, file: fleet.zoneFile }, live: [target('ns1'), target('ns2')] });
  const deploy = async () => {
    const run = await ansiblePlaybook(lab, 'nameserver.yml', fleet.inventory);
    if (run.exitCode !== 0) console.error(run.stdout);
    expect(run.exitCode).toBe(0);
    await closeSshMasters(lab);
  };
  const servedSerial = async (l: 'ns1' | 'ns2') =>
    (await dig(testFleetAddress(lab, l).private, domain, 'SOA', ['+short', '+norec'])).split(' ')[2];

  beforeAll(async () => {
    lab = await makeTestLab('zoneplan', 238);
    fleet = await startTestFleet(lab, ['ns1']);
    await deploy();
  }, 120_000);

  afterAll(async () => {
    if (!lab) return;
    await closeSshMasters(lab);
    await teardownAll(lab.config);
    fs.rmSync(lab.dir, { recursive: true, force: true });
  });

  test('what the fleet serves, read over SSH: same content, same serial, no change', async () => {
    expect(await plan()).toMatchObject({
      fileSerial: 2026112301,
      liveSerial: 2026112301,
      live: ['ns1 2026112301', 'ns2 2026112301'],
      changes: [],
      serial: 2026112301,
    });
  });

  test('a record changed: plan, setZoneSerial, the role serves it with that serial, the next plan is empty', async () => {
    const original = fs.readFileSync(fleet.zoneFile, 'utf8');
    fs.writeFileSync(fleet.zoneFile, original.replace('www IN A 192.0.2.10', 'www IN A 192.0.2.11'));
    const p = await plan();
    expect(p.changes).toEqual([
      {
        kind: 'changed',
        name: 'www.example.test.',
        type: 'A',
        before: { ttl: 300, data: ['192.0.2.10'] },
        after: { ttl: 300, data: ['192.0.2.11'] },
      },
    ]);
    expect(p).toMatchObject({ liveSerial: 2026112301, serial: 2026120100 });
    expect(p.serialNote).toContain("serving 2026120100 (today's first)");

    const backupFile = `${fleet.zoneFile}.zoneplan.orig`;
    expect(await acts.setZoneSerial({ zone: { domain, file: fleet.zoneFile }, serial: p.serial, backupFile })).toEqual({
      changed: true,
      serialBefore: 2026112301,
      serialAfter: 2026120100,
    });
    await deploy();
    expect(await servedSerial('ns1')).toBe('2026120100');
    expect(await servedSerial('ns2')).toBe('2026120100');
    expect(await plan()).toMatchObject({
      fileSerial: 2026120100,
      liveSerial: 2026120100,
      live: ['ns1 2026120100', 'ns2 2026120100'],
      changes: [],
      serial: 2026120100,
    });
    fs.rmSync(backupFile);
  }, 120_000);

  test('a host without the zone file does not serve the zone; a host key not pinned fails for good', async () => {
    const rm = await ssh(lab, fleet.knownHosts, pub('ns2'), 'rm /etc/bind/zones/db.example.test');
    expect(rm.exitCode).toBe(0);
    const p = await plan();
    expect(p.live).toEqual(['ns1 2026120100', 'ns2 does not serve example.test (no /etc/bind/zones/db.example.test)']);
    expect(p.liveSerial).toBe(2026120100);

    // ns1's address pinned to lb1's key: SSH refuses, and the failure says why.
    const wrongKeys = path.join(lab.dir, 'wrong_known_hosts');
    fs.writeFileSync(wrongKeys, knownHostsLine([pub('ns1')], fleet.keys.lb1.publicKey));
    const err = await acts
      .planZone({ zone: { domain, file: fleet.zoneFile }, live: [target('ns1', wrongKeys)] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'SshHostKeyVerificationFailed', nonRetryable: true });
    expect((err as Error).message).toMatch(/Host key verification failed/);
  });

  test('several zones in one SSH session: each file exactly as on the host, a missing one as missing', async () => {
    const odd = '; no newline at the end, a tab\there, UTF-8 é, a line that looks like a header:\nnsdeploy- has x';
    const put = await ssh(
      lab,
      fleet.knownHosts,
      pub('ns1'),
      `printf '%s' '${odd.replace(/'/g, "'\\''")}' > /etc/bind/zones/db.odd.test`,
    );
    expect(put.exitCode).toBe(0);
    // ("END" keeps the file's last newline from execa's final-newline stripping)
    const cat = await ssh(lab, fleet.knownHosts, pub('ns1'), 'cat /etc/bind/zones/db.example.test; printf END');
    const read = await readServedZones(target('ns1'), ['example.test', 'missing.test', 'odd.test']);
    expect(read).toEqual([
      { file: '/etc/bind/zones/db.example.test', text: cat.stdout.slice(0, -'END'.length) },
      { file: '/etc/bind/zones/db.missing.test' },
      { file: '/etc/bind/zones/db.odd.test', text: odd },
    ]);
    expect(cat.stdout).toMatch(/SOA/);
  });
});
