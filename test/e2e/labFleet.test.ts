// The whole lab, as a user runs it: `npm run lab:up` brings up lb1, lb2, ns1, ns2 through the
// Linode emulator as real hosts configured by the production roles; DNS answers through both
// LBs over UDP and TCP; sshd presents the pinned keys; 20 more instances come and go without
// leaving a host; `npm run lab:down` leaves nothing behind.
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDnsActivities } from '../../src/activities/dns';
import { createLinodeActivities } from '../../src/activities/linode';
import { createSshActivities } from '../../src/activities/ssh';
import { fleetTag } from '../../src/shared';
import { loadFleetConfig } from '../../src/config';
import { hostMemory, leftovers, listHosts } from '../../lab/hosts';
import { emulatorPid, emulatorUrl, labToken } from '../../lab/emulatorProcess';
import { labPaths } from '../../lab/labPaths';
import { BOOTSTRAP_TAG, ensureLabZone, LAB_CONFIG, linodeTarget } from '../../lab/up';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { createActivities } from '../../src/activities';
import { nsDeployInput } from '../../src/cli/deployInput';
import { nsBlueGreen } from '../../src/workflows';
import { recordHistories } from '../../testkit/histories';
import { npmRun, refuseIfLabUp } from '../../testkit/lab';
import { bundleWorkflows, createLocalEnv } from '../../testkit/temporalEnv';
import { expectNoSecrets, labSecrets } from '../helpers/histories';
import { labSsh } from '../helpers/labSsh';

ensureLabZone(); // the config's zone file is the lab's working copy
const cfg = loadFleetConfig(LAB_CONFIG);
const hostLabels = () =>
  listHosts({ stateDir: labPaths.hostsState })
    .map((h) => h.label)
    .sort();
/** Deleting an instance returns at once; its host goes when the emulator's onDeleted hook is done. */
async function hostsSettle(expected: string[], timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  while (JSON.stringify(hostLabels()) !== JSON.stringify(expected) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  return hostLabels();
}
const [LB1, LB2] = ['198.18.1.2', '198.18.1.3'];
const dig = (...args: string[]) => execa('dig', [...args, '+time=2', '+tries=2'], { reject: false });

beforeAll(refuseIfLabUp);

afterAll(async () => {
  await npmRun('lab:down');
});

test('lab:up brings up the fleet in two regions; both zones answer through both LBs over UDP and TCP', async () => {
  const up = await npmRun('lab:up');
  expect(up.all).toMatch(
    /Lab fleet is up: lb1=198\.18\.1\.2 \(us-east[^)]*\) lb2=198\.18\.1\.3 \(eu-west[^)]*\) ns1=\S+ \(us-east[^)]*\) ns2=\S+ \(eu-west/,
  );
  expect(up.exitCode).toBe(0);

  // lb1 (us-east) forwards to ns1, lb2 (eu-west) to ns2: each answers both zones from its region.
  for (const [lb, ns] of [
    [LB1, 'ns1'],
    [LB2, 'ns2'],
  ]) {
    for (const transport of ['+notcp', '+tcp']) {
      const soa = await dig(`@${lb}`, 'example.test', 'SOA', '+norec', '+nsid', transport);
      expect(soa.stdout).toMatch(/flags: qr aa;/);
      expect(soa.stdout).toMatch(
        /example\.test\.\s+3600\s+IN\s+SOA\s+ns1\.example\.test\. hostmaster\.example\.test\. 2026112301 /,
      );
      expect(soa.stdout).toContain(`("${ns}")`);
      const mx = await dig(`@${lb}`, 'example.test', 'MX', '+short', transport);
      expect(mx.stdout.trim()).toBe('10 mail.example.test.');
      const shop = await dig(`@${lb}`, 'shop.test', 'A', '+norec', '+nsid', transport);
      expect(shop.stdout).toMatch(/flags: qr aa;/);
      expect(shop.stdout).toMatch(/^shop\.test\.\s+3600\s+IN\s+A\s+198\.18\.2\.90$/m);
      expect(shop.stdout).toContain(`("${ns}")`);
    }
  }
  // The glue targets in the zone are the LBs themselves.
  expect((await dig('@198.18.1.2', 'ns2.example.test', 'A', '+short')).stdout.trim()).toBe('198.18.1.3');
});

test("each host's sshd presents its own pinned key and refuses passwords", async () => {
  const known = fs.readFileSync(cfg.ssh.knownHostsFile, 'utf8').trim().split('\n');
  expect(known).toHaveLength(4);
  const wrongKnownHosts = path.join(os.tmpdir(), `nsdeploy-wrong-known-${process.pid}`);
  try {
    for (const line of known) {
      const address = line.split(/[ ,]/)[0];
      const ok = await labSsh(cfg, address, 'cat /etc/ssh/ssh_host_ed25519_key.pub', { reject: false });
      expect(ok.exitCode).toBe(0);
      expect(line).toContain(ok.stdout.trim().split(' ').slice(0, 2).join(' '));

      // Another host's key pinned for this address: the connection must be refused.
      const other = known
        .find((l) => l !== line)!
        .split(' ')
        .slice(1)
        .join(' ');
      fs.writeFileSync(wrongKnownHosts, `${address} ${other}\n`);
      const wrong = await labSsh(cfg, address, 'true', { knownHostsFile: wrongKnownHosts, reject: false });
      expect(wrong.exitCode).not.toBe(0);
      expect(wrong.stderr).toMatch(/Host key verification failed/);

      const password = await execa(
        'ssh',
        [
          '-o',
          'PubkeyAuthentication=no',
          '-o',
          'PasswordAuthentication=yes',
          '-o',
          `UserKnownHostsFile=${cfg.ssh.knownHostsFile}`,
          '-o',
          'BatchMode=yes',
          `root@${address}`,
          'true',
        ],
        { reject: false },
      );
      expect(password.stderr).toMatch(/Permission denied \(publickey\)/);
    }
  } finally {
    fs.rmSync(wrongKnownHosts, { force: true });
  }
});

/** Every record of both zones through `lb`, UDP and TCP: aa, no difference, and the NSIDs that answered. */
async function throughLb(lb: string) {
  const { compareZoneOnServer } = createDnsActivities({ heartbeat: () => undefined });
  const zones = cfg.zones.map((z) => ({ origin: z.domain, file: z.file }));
  return compareZoneOnServer({ server: { address: lb }, zones, transports: ['udp', 'tcp'] });
}

const servedSerial = async (lb: string, zone: string) =>
  Number((await dig(`@${lb}`, zone, 'SOA', '+short')).stdout.trim().split(/\s+/)[2]);

/**
 * The operator's edit: one record added, one removed, one changed in example.test, the SOA serial
 * left as it was (as a new user would do it).
 */
function editExampleZone(): void {
  const file = cfg.zones[0].file;
  const text = fs.readFileSync(file, 'utf8');
  const edited = text
    .replace(/^_dmarc .*\n/m, '')
    .replace(/^mail(\s+IN A\s+)198\.18\.2\.25$/m, 'mail$1198.18.2.26')
    .concat('added               IN A    198.18.2.77\n');
  expect(edited).not.toBe(text);
  fs.writeFileSync(file, edited);
}

test('NS deploys on two regions and two zones: the plan lists each change, the serial rises only with content', async () => {
  process.env[cfg.linode.tokenEnv] = labToken();
  const env = await createLocalEnv();
  const ssh = createSshActivities();
  const sshTo = (address: string) => ({
    address,
    user: cfg.ssh.user,
    privateKeyFile: cfg.ssh.privateKeyFile,
    knownHostsFile: cfg.ssh.knownHostsFile,
  });
  try {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'lab-deploy',
      workflowBundle: await bundleWorkflows(),
      activities: createActivities({ logger: pino({ level: 'warn' }) }),
    });
    const run = (workflowId: string, dryRun = false) => {
      const input = nsDeployInput(cfg, { dryRun });
      input.policies.soakMs = 6_000;
      input.policies.soakProbeEveryMs = 3_000;
      return env.client.workflow.execute(nsBlueGreen, { taskQueue: 'lab-deploy', workflowId, args: [input] });
    };
    // One worker run for every deploy (a worker can only run once).
    await worker.runUntil(async () => {
      const before = await servedSerial(LB1, 'example.test');
      const shopBefore = await servedSerial(LB1, 'shop.test');
      // A date-style serial moves to today's first when that is higher (RFC 1982 order).
      const today = Number(new Date().toISOString().slice(0, 10).replace(/-/g, '')) * 100;
      const after = Math.max(today, before + 1);
      editExampleZone();

      // The dry run: exactly the three changes of example.test, none in shop.test, serial old → new.
      const planned = await run('lab/deploy-plan', true);
      expect(planned.outcome).toBe('planned');
      const changes = planned.plan.filter((l) => /^ {2}[-+~] /.test(l));
      expect(changes.sort()).toEqual(
        [
          '  + added.example.test. A 3600 [198.18.2.77]',
          '  ~ mail.example.test. A 3600 [198.18.2.25] → 3600 [198.18.2.26]',
          '  - _dmarc.example.test. TXT 3600 ["v=DMARC1; p=reject; rua=mailto:dmarc@example.test"]',
        ].sort(),
      );
      expect(planned.plan).toContainEqual(
        expect.stringMatching(new RegExp(`^zone example\\.test: serial ${before} → ${after}, 3 RRset\\(s\\) change`)),
      );
      expect(planned.plan).toContainEqual(
        expect.stringMatching(new RegExp(`^zone shop\\.test: serial ${shopBefore} → ${shopBefore}, no change`)),
      );
      expect(planned.status.zones).toEqual([
        { domain: 'example.test', serialBefore: before, serialAfter: after, changes: 3 },
        { domain: 'shop.test', serialBefore: shopBefore, serialAfter: shopBefore, changes: 0 },
      ]);

      for (const round of [1, 2]) {
        const oldIds = (await linodeIds()).ns;
        const result = await run(`lab/deploy-${round}`);
        expect(result.outcome).toBe('deployed');
        expect(result.status.phase).toBe('done');

        const ids = await linodeIds();
        expect(ids.labels).toEqual(['lb1', 'lb2', 'ns1', 'ns2']);
        expect(ids.ns.some((id) => oldIds.includes(id))).toBe(false);
        const [ns1, ns2] = (await labInstances()).filter((i) => /^ns/.test(i.label));
        // Each LB answers every record of both zones (aa, UDP and TCP) from its own region's new server only.
        for (const [lb, server] of [
          [LB1, ns1],
          [LB2, ns2],
        ] as const) {
          const seen = await throughLb(lb);
          expect(seen.differences).toEqual([]);
          expect(seen.ok).toBe(true);
          expect(seen.nsids).toEqual([`${server.label}-next.${server.id}`]);
          // …and on the LB itself: its upstreams are that server's private address only.
          expect(await ssh.readUpstreams(sshTo(lb))).toEqual([{ address: server.privateIPv4, port: 53 }]);
        }
        // The serial: above the one served before the edit after round 1, unchanged by round 2.
        for (const lb of [LB1, LB2]) {
          expect(await servedSerial(lb, 'example.test')).toBe(after);
          expect(await servedSerial(lb, 'shop.test')).toBe(shopBefore);
        }
        expect(fs.readFileSync(cfg.zones[0].file, 'utf8')).toMatch(new RegExp(`${after} ; serial`));
        expect(fs.readdirSync(path.dirname(cfg.zones[0].file)).filter((f) => f.endsWith('.orig'))).toEqual([]);
        // The replaced instances' hosts are gone; nothing else is left.
        const hosts = await hostsSettle(ids.all.map((id) => `linode-${id}`).sort());
        expect(hosts).toEqual(ids.all.map((id) => `linode-${id}`).sort());
        for (const id of oldIds) expect(hosts).not.toContain(`linode-${id}`);
        expect(fs.readFileSync(cfg.ssh.knownHostsFile, 'utf8').trim().split('\n')).toHaveLength(4);
      }
    });
    const histories = await expectNoSecrets(
      env.client,
      ['lab/deploy-1', 'lab/deploy-2'],
      await labSecrets(cfg.ssh.privateKeyFile),
    );
    recordHistories('ns-deploy', { 'lab/deploy-1': histories['lab/deploy-1'] });
  } finally {
    await env.teardown();
  }
});

async function labInstances() {
  const linode = createLinodeActivities({ env: { [cfg.linode.tokenEnv]: labToken() } });
  const all = await linode.listInstances(linodeTarget(cfg), fleetTag(cfg.fleet));
  return all.sort((a, b) => a.label.localeCompare(b.label));
}

async function linodeIds(): Promise<{ labels: string[]; ns: number[]; all: number[] }> {
  const state = (await (await fetch(`${emulatorUrl()}/__admin/state`)).json()) as {
    instances: { id: number; label: string }[];
  };
  const sorted = [...state.instances].sort((a, b) => a.label.localeCompare(b.label));
  return {
    labels: sorted.map((i) => i.label),
    ns: sorted.filter((i) => /^ns/.test(i.label)).map((i) => i.id),
    all: sorted.map((i) => i.id),
  };
}

test('20 instances created and deleted in a row leave no host behind; memory per host is measured', async () => {
  await fetch(`${emulatorUrl()}/__admin/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ latencies: { provisioningMs: 50, bootingMs: 50 } }),
  });
  const linode = createLinodeActivities({ env: { [cfg.linode.tokenEnv]: labToken() }, pollMs: 50 });
  const target = linodeTarget(cfg);
  const before = hostLabels();
  expect(before).toHaveLength(4);
  for (let i = 1; i <= 20; i++) {
    const inst = await linode.ensureInstance(target, {
      label: `churn${i}`,
      region: 'us-east',
      type: 'g6-nanode-1',
      image: 'linode/debian12',
      tags: ['churn'],
      deployTag: BOOTSTRAP_TAG,
    });
    await linode.waitForRunning(target, inst.id);
    expect(await hostsSettle([...before, `linode-${inst.id}`].sort())).toContain(`linode-${inst.id}`);
    expect(await linode.deleteInstance(target, inst.id)).toEqual({ deleted: true });
  }
  expect(await hostsSettle(before)).toEqual(before);
  const memory = before.map((label) => hostMemory(label, { stateDir: labPaths.hostsState }));
  for (const m of memory) {
    expect(m.totalRssBytes).toBeGreaterThan(1 << 20);
    process.stdout.write(
      `lab host ${m.label}: RSS ${(m.totalRssBytes / 2 ** 20).toFixed(1)} MiB, PSS ${(m.totalPssBytes / 2 ** 20).toFixed(1)} MiB (${m.processes.map((p) => p.command).join(', ')})\n`,
    );
  }
});

test('lab:down leaves no process, namespace, interface, mount or address behind', async () => {
  const pids = listHosts({ stateDir: labPaths.hostsState })
    .map((h) => h.pid)
    .filter((p): p is number => p !== null);
  const emuPid = emulatorPid();
  const down = await npmRun('lab:down');
  expect(down.all).toMatch(/Lab is down/);
  expect(down.exitCode).toBe(0);
  expect(await leftovers({ stateDir: labPaths.hostsState })).toEqual([]);
  for (const pid of [...pids, emuPid!]) expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
  expect((await execa('ip', ['netns', 'list'])).stdout).not.toMatch(/nsdlab-/);
  expect((await execa('ip', ['-o', 'link'])).stdout).not.toMatch(/nsdlab/);
  expect((await execa('ip', ['-o', 'addr'])).stdout).not.toMatch(/198\.1[89]\./);
  expect(fs.readFileSync('/proc/mounts', 'utf8')).not.toMatch(/\.lab\/hosts/);
  expect(fs.existsSync(labPaths.dir)).toBe(false);
});
