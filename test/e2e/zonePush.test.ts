// The zone push on the lab, through the CLI as an operator runs it, with the real dev server and
// worker: an added, a changed and a removed record served by every nameserver and through every
// LB over UDP and TCP with a higher serial (then the monitor finds the fleet healthy); nothing to
// push; a zone named-checkzone refuses; a plan over the thresholds (refused, then --force); one
// change per fleet at a time (a push while a deploy runs, a deploy while a push waits at its
// canary approval, rejected); and a second server whose reload fails (its named refuses what the
// canary took: `check-mx fail`), which rolls every server back to the previous content with a
// serial above the pushed one. Run under the lab lock:
//   flock /tmp/nsdeploy-lab.lock npx jest test/e2e/zonePush.test.ts
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorInput } from '../../src/cli/monitorCommands';
import { loadFleetConfig } from '../../src/config';
import { compareZone, loadZoneFile } from '../../src/dns';
import { soaSerial } from '../../src/dns/serial';
import { rewriteZoneAddresses } from '../../src/dns/zoneRewrite';
import { zonePushWorkflowId, type MonitorResult } from '../../src/shared';
import { temporalTarget } from '../../src/temporal/connection';
import { monitorFleet } from '../../src/workflows';
import { emulatorUrl } from '../../lab/emulatorProcess';
import { LAB_CONFIG } from '../../lab/up';
import { recordHistories } from '../../testkit/histories';
import { npmRun } from '../../testkit/lab';
import { expectNoSecrets, labSecrets } from '../helpers/histories';
import { labWithWorker } from '../helpers/labE2e';
import { labSsh } from '../helpers/labSsh';

jest.setTimeout(10 * 60_000);

const TASK_QUEUE = 'nsdeploy';
const lab = labWithWorker({ taskQueue: TASK_QUEUE });
const PUSH = zonePushWorkflowId('lab');

let cfg: ReturnType<typeof loadFleetConfig>;
let zoneFile: string;
/** Every place a client or the monitor asks: each nameserver on its private address, each LB. */
let targets: { label: string; address: string }[];
let publicOf: Record<string, string>;

beforeAll(async () => {
  cfg = loadFleetConfig(LAB_CONFIG);
  zoneFile = cfg.zones.find((z) => z.domain === 'example.test')!.file;
  const state = (await (await fetch(`${emulatorUrl()}/__admin/state`)).json()) as {
    instances: { label: string; ipv4Public: string; ipv4Private: string }[];
  };
  const at = (label: string) => state.instances.find((i) => i.label === label)!;
  targets = [
    ...['ns1', 'ns2'].map((l) => ({ label: l, address: at(l).ipv4Private })),
    ...['lb1', 'lb2'].map((l) => ({ label: l, address: at(l).ipv4Public })),
  ];
  publicOf = Object.fromEntries(['ns1', 'ns2', 'lb1', 'lb2'].map((l) => [l, at(l).ipv4Public]));
});

const cli = (...args: string[]) => npmRun('nsdeploy', '--', ...args, '--address', lab.env().connection.options.address);
const configArgs = ['--config', 'config/lab.yaml'];

const ssh = (label: string, command: string) => labSsh(cfg, publicOf[label], command);

const dig = async (address: string, name: string, type: string, tcp: boolean) => {
  const r = await execa('dig', [`@${address}`, name, type, '+time=2', '+tries=2', ...(tcp ? ['+tcp'] : [])]);
  const status = r.stdout.match(/status: (\w+)/)?.[1];
  const answer = r.stdout.split('\n').filter((l) => l && !l.startsWith(';') && l.includes(`\t${type}\t`));
  return { status, answer: answer.map((l) => l.split('\t').pop()!) };
};

/** The SOA serial of example.test at every target, over UDP and over TCP. */
async function servedSerials(): Promise<number[]> {
  const serials: number[] = [];
  for (const t of targets)
    for (const tcp of [false, true]) {
      const { answer } = await dig(t.address, 'example.test', 'SOA', tcp);
      serials.push(Number(answer[0]?.split(/\s+/)[2]));
    }
  return serials;
}

/** Every RRset of `file` (example.test) answered as it says, at every target, over UDP and TCP. */
async function expectServedEverywhere(file: string): Promise<void> {
  const zone = await loadZoneFile(file, 'example.test');
  for (const t of targets) {
    const c = await compareZone({ address: t.address }, zone, { transports: ['udp', 'tcp'] });
    expect({ at: t.label, differences: c.differences }).toEqual({ at: t.label, differences: [] });
  }
}

const fileSerial = async () => soaSerial((await loadZoneFile(zoneFile, 'example.test')).records)!;
const edit = (fn: (text: string) => string) => fs.writeFileSync(zoneFile, fn(fs.readFileSync(zoneFile, 'utf8')));

test('an added, a changed and a removed record: served everywhere over UDP and TCP with a higher serial', async () => {
  const before = await servedSerials();
  expect(new Set(before).size).toBe(1);
  edit((z) =>
    z
      .replace(/^mail(\s+)IN A\s+198\.18\.2\.25$/m, 'mail$1IN A    198.18.2.26')
      .replace(/^_dmarc .*\n/m, '')
      .concat('pushed              IN A    192.0.2.77\n'),
  );
  const run = await cli('zone-push', ...configArgs);
  expect(run.all).toContain('+ pushed.example.test. A 3600 [192.0.2.77]');
  expect(run.all).toContain('~ mail.example.test. A 3600 [198.18.2.25] → 3600 [198.18.2.26]');
  expect(run.all).toMatch(/- _dmarc\.example\.test\. TXT 3600/);
  expect(run.all).toMatch(/canary: ns1[\s\S]*ns1 serves example\.test \d+[\s\S]*push: ns2[\s\S]*verify: every record/);
  expect(run.all).toContain('lab/zone-push: pushed (phase done)');
  expect(run.exitCode).toBe(0);

  const pushed = await fileSerial();
  expect(pushed).toBeGreaterThan(before[0]);
  expect(await servedSerials()).toEqual(Array(8).fill(pushed));
  await expectServedEverywhere(zoneFile);
  for (const t of targets)
    for (const tcp of [false, true]) {
      expect(await dig(t.address, 'pushed.example.test', 'A', tcp)).toEqual({
        status: 'NOERROR',
        answer: ['192.0.2.77'],
      });
      expect((await dig(t.address, '_dmarc.example.test', 'TXT', tcp)).status).toBe('NXDOMAIN');
    }
  // Nothing left beside the served files.
  expect((await ssh('ns2', 'ls /etc/bind/zones')).stdout.split('\n').sort()).toEqual([
    'db.example.test',
    'db.shop.test',
  ]);

  // The monitor's next run finds every record of every zone through every LB.
  const target = temporalTarget({ address: lab.env().connection.options.address, taskQueue: TASK_QUEUE });
  const monitored = (await lab.env().client.workflow.execute(monitorFleet, {
    taskQueue: TASK_QUEUE,
    workflowId: `lab/monitor-after-push-${Date.now()}`,
    args: [monitorInput(cfg, target)],
  })) as MonitorResult;
  expect({ healthy: monitored.healthy, failures: monitored.failures }).toEqual({ healthy: true, failures: [] });
  expect(monitored.recordsChecked).toBeGreaterThan(0);

  const histories = await expectNoSecrets(lab.env().client, [PUSH], await labSecrets(cfg.ssh.privateKeyFile));
  recordHistories('zone-push', histories);
});

test('nothing to push: says so, changes nothing', async () => {
  const before = await servedSerials();
  const text = fs.readFileSync(zoneFile, 'utf8');
  const run = await cli('zone-push', ...configArgs);
  expect(run.all).toContain('nothing to push');
  expect(run.all).toContain('lab/zone-push: unchanged (phase unchanged)');
  expect(run.exitCode).toBe(0);
  expect(await servedSerials()).toEqual(before);
  expect(fs.readFileSync(zoneFile, 'utf8')).toBe(text);
});

test('a zone file named-checkzone refuses: a clear error, nothing changed', async () => {
  const before = await servedSerials();
  const good = fs.readFileSync(zoneFile, 'utf8');
  const bad = `${good}www                 IN A    192.0.2.1\n`; // www is a CNAME
  fs.writeFileSync(zoneFile, bad);
  try {
    const run = await cli('zone-push', ...configArgs);
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(/CNAME and other data/);
    expect(await servedSerials()).toEqual(before);
    expect(fs.readFileSync(zoneFile, 'utf8')).toBe(bad);
  } finally {
    fs.writeFileSync(zoneFile, good);
  }
});

test('a plan over the thresholds is refused with the numbers, and pushed with --force', async () => {
  const before = await servedSerials();
  // Six of example.test's 11 RRsets get another TTL: over the default 30 % updated.
  edit((z) =>
    z.replace(/^(@|mail|www|ns1|ns2)(\s+)(\d+ )?IN (A|MX|CNAME) /gm, (_m, name, space, _ttl, type) => {
      return `${name}${space}600 IN ${type} `;
    }),
  );
  const text = fs.readFileSync(zoneFile, 'utf8');
  const refused = await cli('zone-push', ...configArgs);
  expect(refused.exitCode).not.toBe(0);
  expect(refused.all).toMatch(/zone example\.test: \d+ of \d+ RRsets updated \([\d.]+ %, over maxUpdatePercent 30 %\)/);
  expect(refused.all).toContain('run with --force');
  expect(await servedSerials()).toEqual(before);
  expect(fs.readFileSync(zoneFile, 'utf8')).toBe(text);

  const forced = await cli('zone-push', ...configArgs, '--force');
  expect(forced.all).toContain('lab/zone-push: pushed (phase done)');
  expect(forced.exitCode).toBe(0);
  await expectServedEverywhere(zoneFile);
});

test('one change per fleet: a deploy is refused while a push waits at its canary, a push while a deploy runs', async () => {
  const before = await servedSerials();
  edit((z) => `${z}canary              IN A    192.0.2.88\n`);
  const started = await cli('zone-push', ...configArgs, '--approve', '--detach');
  expect(started.exitCode).toBe(0);
  const handle = lab.env().client.workflow.getHandle(PUSH);
  for (let i = 0; i < 120; i++) {
    const s = (await handle.query('status')) as { approval?: { pending: boolean } };
    if (s.approval?.pending) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const deploy = await cli('start-deploy', ...configArgs, '--detach');
  expect(deploy.exitCode).not.toBe(0);
  expect(deploy.all).toContain('fleet lab has a change running: lab/zone-push');
  const lbs = await cli('update-lbs', ...configArgs, '--detach');
  expect(lbs.all).toContain('fleet lab has a change running: lab/zone-push');

  const rejected = await cli('reject', PUSH, '--reason', 'not now');
  expect(rejected.exitCode).toBe(0);
  await expect(handle.result()).rejects.toThrow();
  // The servers went past the pushed serial (before + 1); the file's serial was put back.
  const after = await servedSerials();
  expect(new Set(after).size).toBe(1);
  expect(after[0]).toBeGreaterThan(before[0] + 1);
  expect(await fileSerial()).toBe(before[0]);
  for (const t of targets) expect((await dig(t.address, 'canary.example.test', 'A', false)).status).toBe('NXDOMAIN');

  const deploying = await cli('start-deploy', ...configArgs, '--detach');
  expect(deploying.exitCode).toBe(0);
  try {
    const push = await cli('zone-push', ...configArgs);
    expect(push.exitCode).not.toBe(0);
    expect(push.all).toContain('fleet lab has a change running: lab/deploy');
  } finally {
    await cli('abort', 'lab/deploy');
    await lab
      .env()
      .client.workflow.getHandle('lab/deploy')
      .result()
      .catch(() => undefined);
  }
  const state = (await (await fetch(`${emulatorUrl()}/__admin/state`)).json()) as { instances: { label: string }[] };
  expect(state.instances.map((i) => i.label).sort()).toEqual(['lb1', 'lb2', 'ns1', 'ns2']);
});

test('the second server fails to load the zone: every server serves the previous content with a higher serial', async () => {
  // ns2's named refuses an MX that names an address (check-mx fail); ns1's, like named-checkzone, warns.
  const conf = '/etc/bind/named.conf.local';
  await ssh(
    'ns2',
    `cp ${conf} ${conf}.orig && sed -i '/db.example.test/a\\    check-mx fail;' ${conf} && rndc reconfig`,
  );
  const previous = fs.readFileSync(zoneFile, 'utf8').replace(/^canary .*\n/m, '');
  fs.writeFileSync(zoneFile, previous);
  try {
    edit((z) => `${z}mx2                 IN MX   10 192.0.2.9.\n`);
    const run = await cli('zone-push', ...configArgs);
    expect(run.exitCode).not.toBe(0);
    const pushedSerial = Number((run.all ?? '').match(/ns1 serves example\.test (\d+)/)?.[1]);
    expect(pushedSerial).toBeGreaterThan(0);
    expect(run.all).toMatch(/zone push rolled back: pushZone: named did not load example\.test serial \d+ on ns2/);
    expect(run.all).toContain('undone: put the previous zones back on every nameserver');

    const served = await servedSerials();
    expect(new Set(served).size).toBe(1);
    expect(served[0]).toBeGreaterThan(pushedSerial);
    // The previous content, with the serial the rollback gave it, at every target over UDP and TCP.
    const restoredFile = path.join(os.tmpdir(), `nsdeploy-zone-push-previous-${process.pid}`);
    fs.writeFileSync(restoredFile, rewriteZoneAddresses(previous, 'example.test', {}, () => served[0]).text);
    try {
      await expectServedEverywhere(restoredFile);
    } finally {
      fs.rmSync(restoredFile, { force: true });
    }
    for (const t of targets) expect((await dig(t.address, 'mx2.example.test', 'MX', true)).status).toBe('NXDOMAIN');
    expect((await ssh('ns1', 'ls /etc/bind/zones')).stdout.split('\n').sort()).toEqual([
      'db.example.test',
      'db.shop.test',
    ]);
  } finally {
    await ssh('ns2', `mv ${conf}.orig ${conf} && rndc reconfig`);
    fs.writeFileSync(zoneFile, previous);
  }
});
