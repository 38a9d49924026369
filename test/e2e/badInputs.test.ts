// Bad inputs to an NS deploy on the lab, each through the real CLI against a real dev server
// and worker: the operator gets an error that names the problem, and the fleet is exactly as
// it was (same instances, same answers through both LBs, no host left over).
//   - a zone that named-checkzone refuses        - a config field / Linode label that is invalid
//   - a wrong Linode token (one 401, no retries) - a new host that never answers SSH
//   - a second deploy while one runs (then the first is aborted and rolls back)
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { deployStatusQuery, TASK_QUEUE } from '../../src/shared';
import { emulatorUrl } from '../../lab/emulatorProcess';
import { writeHostFaults } from '../../lab/labHostHooks';
import { listHosts } from '../../lab/hosts';
import { labPaths } from '../../lab/labPaths';
import { LAB_CONFIG } from '../../lab/up';
import { recordHistories } from '../../testkit/histories';
import { PROJECT_DIR } from '../../testkit/temporalTools';
import { expectNoSecrets, labSecrets } from '../helpers/histories';
import { labWithWorker } from '../helpers/labE2e';

const LBS = ['198.18.1.2', '198.18.1.3'];

const lab = labWithWorker({ taskQueue: TASK_QUEUE, logLevel: 'silent' });
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-bad-'));
  process.env.NSDEPLOY_WRONG_TOKEN = 'not-the-lab-token';
});

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The lab config with absolute paths and some fields changed, written to a temp file. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form YAML edits
type Yaml = Record<string, any>;
function configWith(name: string, change: (c: Yaml) => void): string {
  const cfg = parse(fs.readFileSync(LAB_CONFIG, 'utf8')) as Yaml;
  const abs = (p: string) => path.resolve(path.dirname(LAB_CONFIG), p);
  for (const zone of cfg.zones) zone.file = abs(zone.file);
  cfg.ssh.privateKeyFile = abs(cfg.ssh.privateKeyFile);
  cfg.ssh.knownHostsFile = abs(cfg.ssh.knownHostsFile);
  cfg.policies.soak = '5s';
  change(cfg);
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, stringify(cfg));
  return file;
}

function cli(...args: string[]) {
  return execa('npx', ['ts-node', '--transpile-only', 'src/client.ts', ...args], {
    cwd: PROJECT_DIR,
    all: true,
    reject: false,
    stdin: 'ignore',
    env: { ...process.env, TEMPORAL_ADDRESS: lab.env().connection.options.address, npm_config_loglevel: 'error' },
  });
}

/** What must not change: the instances, and who answers through each LB. */
async function fleet(): Promise<{ instances: string[]; hosts: string[]; answers: string[] }> {
  const state = (await (await fetch(`${emulatorUrl()}/__admin/state`)).json()) as {
    instances: { id: number; label: string; status: string }[];
  };
  const answers: string[] = [];
  for (const lb of LBS) {
    for (const transport of ['+notcp', '+tcp']) {
      const soa = await execa(
        'dig',
        [`@${lb}`, 'example.test', 'SOA', '+norec', '+nsid', '+time=2', '+tries=2', transport],
        { reject: false },
      );
      const nsid = soa.stdout.match(/NSID: .*\("([^"]+)"\)/)?.[1] ?? 'no-nsid';
      // Either live server may answer (round robin); what matters is that it is a live one.
      answers.push(
        `${lb}${transport} ${/flags: qr aa;/.test(soa.stdout) ? 'aa' : 'NOT-AA'} ${/^ns[12]$/.test(nsid) ? 'live' : nsid}`,
      );
    }
  }
  return {
    instances: state.instances.map((i) => `${i.id} ${i.label} ${i.status}`).sort(),
    hosts: listHosts({ stateDir: labPaths.hostsState })
      .map((h) => h.label)
      .sort(),
    answers,
  };
}

let before: Awaited<ReturnType<typeof fleet>>;
beforeAll(async () => {
  before = await fleet();
  expect(before.instances).toHaveLength(4);
  expect(before.answers.every((a) => / aa live$/.test(a))).toBe(true);
});

/** Every deploy below leaves the fleet as it was. */
async function expectFleetUntouched(): Promise<void> {
  // Hosts of deleted instances go when the emulator's hook is done; give it a moment.
  const deadline = Date.now() + 15_000;
  let now = await fleet();
  while (JSON.stringify(now) !== JSON.stringify(before) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    now = await fleet();
  }
  expect(now).toEqual(before);
}

test('an invalid config field and an invalid Linode label are refused before anything starts', async () => {
  const label = await cli(
    'start-deploy',
    '--config',
    configWith('bad-label', (c) => {
      c.nameservers = [{ label: 'ns--1' }, { label: 'ns2' }];
    }),
  );
  expect(label.exitCode).not.toBe(0);
  expect(label.all).toMatch(/line \d+: nameservers\[0\]\.label: Linode label "ns--1" must not contain two dashes/);
  const field = await cli(
    'start-deploy',
    '--config',
    configWith('bad-field', (c) => {
      c.policies.sshTimeout = 'soon';
    }),
  );
  expect(field.exitCode).not.toBe(0);
  expect(field.all).toMatch(/policies\.sshTimeout: "soon" is not a duration/);
  // Neither reached Temporal: no deploy was started.
  await expect(lab.env().client.workflow.getHandle('lab/deploy').describe()).rejects.toThrow(/not found/i);
  await expectFleetUntouched();
});

test('a zone that named-checkzone refuses: the deploy fails in preflight, naming the error', async () => {
  const zone = path.join(dir, 'broken.zone');
  fs.writeFileSync(
    zone,
    fs
      .readFileSync(path.resolve(path.dirname(LAB_CONFIG), '../zones/example.test.zone'), 'utf8')
      .replace('www                 IN CNAME @', 'www IN CNAME @\nwww IN A 198.18.2.81'),
  );
  const run = await cli(
    'start-deploy',
    '--config',
    configWith('broken-zone', (c) => {
      c.zones[0].file = zone; // example.test
    }),
  );
  expect(run.exitCode).not.toBe(0);
  expect(run.all).toMatch(/CNAME and other data/);
  expect(run.all).toMatch(/did not complete/);
  expect(run.all).not.toMatch(/create/);
  await expectFleetUntouched();
});

test('fleet shape and zones in the config: each mistake named, no deploy started', async () => {
  const lastRun = () =>
    lab
      .env()
      .client.workflow.getHandle('lab/deploy')
      .describe()
      .then((d) => d.runId)
      .catch(() => 'none');
  const runBefore = await lastRun();
  const refused = async (name: string, change: (c: Yaml) => void, message: RegExp) => {
    const run = await cli('start-deploy', '--config', configWith(name, change));
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(message);
  };
  await refused(
    'lb-alone',
    (c) => {
      c.loadBalancers[1].region = 'us-west';
    },
    /loadBalancers\[1\]: lb2 \(region us-west\) has no nameserver in its region \(ns1 in us-east, ns2 in eu-west\)/,
  );
  await refused(
    'domain-twice',
    (c) => {
      c.zones.push({ domain: 'EXAMPLE.test.', file: c.zones[0].file });
    },
    /zones\[2\]\.domain: example\.test is listed twice \(zones\[0\] too\)/,
  );
  await refused(
    'zone-missing',
    (c) => {
      c.zones[1].file = path.join(dir, 'no-such.zone');
    },
    /zones\[1\]\.file: file not found: .*no-such\.zone/,
  );
  expect(await lastRun()).toBe(runBefore); // none of them reached Temporal
  await expectFleetUntouched();
});

test('a region Linode does not have, a second zone refused, an MX at a CNAME: refused in preflight', async () => {
  const failed = async (name: string, change: (c: Yaml) => void, message: RegExp) => {
    const run = await cli('start-deploy', '--config', configWith(name, change));
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(message);
    expect(run.all).not.toMatch(/create ns/);
    await expectFleetUntouched();
  };
  await failed(
    'no-region',
    (c) => {
      c.nameservers[1].region = 'xx-nowhere';
      c.loadBalancers[1].region = 'xx-nowhere';
    },
    /checkRegions: "xx-nowhere": not a Linode region/,
  );
  const template = (zone: string) =>
    fs.readFileSync(path.resolve(path.dirname(LAB_CONFIG), `../zones/${zone}.zone`), 'utf8');
  const broken = path.join(dir, 'shop-broken.zone');
  fs.writeFileSync(broken, template('shop.test').replace('api                 IN A', 'www IN A 198.18.2.92\napi IN A'));
  await failed(
    'second-zone-refused',
    (c) => {
      c.zones[1].file = broken;
    },
    /shop\.test.*CNAME and other data/,
  );
  const mxAtCname = path.join(dir, 'mx-cname.zone');
  fs.writeFileSync(
    mxAtCname,
    template('example.test').replace('@                   IN MX   10 mail', '@ IN MX 10 www'),
  );
  await failed(
    'mx-at-cname',
    (c) => {
      c.zones[0].file = mxAtCname;
    },
    /zone example\.test refused: .*www\.example\.test.*RFC 2181/,
  );
});

test('a wrong Linode token: one 401 from the API, no retries, a clear message', async () => {
  const run = await cli(
    'start-deploy',
    '--config',
    configWith('wrong-token', (c) => {
      c.linode.tokenEnv = 'NSDEPLOY_WRONG_TOKEN';
    }),
  );
  expect(run.exitCode).not.toBe(0);
  expect(run.all).toMatch(/Invalid Token/);
  const history = await lab.env().client.workflow.getHandle('lab/deploy').fetchHistory();
  const events = history.events ?? [];
  const typeOf = (scheduledId: unknown) =>
    events.find((e) => String(e.eventId) === String(scheduledId))?.activityTaskScheduledEventAttributes?.activityType
      ?.name;
  const listing = events.filter(
    (e) =>
      e.activityTaskStartedEventAttributes &&
      typeOf(e.activityTaskStartedEventAttributes.scheduledEventId) === 'listInstances',
  );
  expect(listing).toHaveLength(1); // one attempt, never retried
  expect(listing[0].activityTaskStartedEventAttributes!.attempt).toBe(1);
  expect(run.all).toMatch(/listInstances: .*401|listInstances: .*Invalid Token/);
  await expectFleetUntouched();
});

test('a new host that never answers SSH: the wait times out and the new instances are deleted', async () => {
  writeHostFaults({ noHost: ['ns1-next'] });
  try {
    const started = Date.now();
    const run = await cli(
      'start-deploy',
      '--config',
      configWith('no-ssh', (c) => {
        c.policies.sshTimeout = '15s';
      }),
    );
    expect(run.exitCode).not.toBe(0);
    expect(run.all).toMatch(/SSH to ns1-next .* did not succeed within 15 s/s);
    expect(run.all).toMatch(/rolled back/);
    expect(Date.now() - started).toBeLessThan(90_000);
  } finally {
    writeHostFaults({});
  }
  await expectFleetUntouched();
  // The rolled-back run: no secret in its history; kept for the replay test.
  const key = path.resolve(
    path.dirname(LAB_CONFIG),
    (parse(fs.readFileSync(LAB_CONFIG, 'utf8')) as Yaml).ssh.privateKeyFile,
  );
  recordHistories('ns-rollback', await expectNoSecrets(lab.env().client, ['lab/deploy'], await labSecrets(key)));
});

test('a second deploy while one runs is refused naming it; the first, aborted, rolls back', async () => {
  const config = configWith('concurrent', () => undefined);
  const first = await cli('start-deploy', '--config', config, '--detach', '--approve-before-cutover');
  expect(first.exitCode).toBe(0);
  expect(first.all).toMatch(/Started lab\/deploy/);
  const handle = lab.env().client.workflow.getHandle('lab/deploy');
  const second = await cli('start-deploy', '--config', config);
  expect(second.exitCode).not.toBe(0);
  expect(second.all).toMatch(/a deploy of fleet lab is already running: lab\/deploy/);

  // Abort it once the new servers are up and waiting for approval: they must go again.
  const deadline = Date.now() + 120_000;
  while ((await handle.query(deployStatusQuery)).phase !== 'approval' && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 500));
  expect((await handle.query(deployStatusQuery)).phase).toBe('approval');
  const abort = await cli('abort', 'lab/deploy');
  expect(abort.exitCode).toBe(0);
  const follow = await cli('follow', 'lab/deploy');
  expect(follow.exitCode).not.toBe(0);
  expect(follow.all).toMatch(/undone: delete ns1-next/);
  expect((await handle.describe()).status.name).toBe('CANCELLED');
  await expectFleetUntouched();
});
