// `fleet create` on the lab from an empty emulator account, with the real dev server: every LB,
// nameserver and Cloud Firewall, the roles, every zone through every LB, the registrar step
// proven by the parents. Then the firewalls as an outsider meets them (a parent server's
// namespace: DNS through the LBs works, a nameserver's DNS and every SSH port do not) and as
// Linode's own CLI lists them; a re-run that changes nothing; a run whose worker (the real
// src/worker.ts in a child process) is SIGKILLed half-way, then finished by a new worker without
// a duplicate instance; an NS deploy on the fleet it built (both histories checked for
// secrets and, with NSDEPLOY_RECORD_HISTORIES=1, kept for test/replay); and an LB replacement
// on it (glue changed by the lab registrar), whose new LBs get the LB firewall.
import { temporal } from '@temporalio/proto';
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLinodeActivities } from '../../src/activities/linode';
import { fleetCreateInput } from '../../src/cli/fleetCreateInput';
import { nsDeployInput } from '../../src/cli/deployInput';
import { lbReplacementInput } from '../../src/cli/lbInput';
import { loadFleetConfig } from '../../src/config';
import {
  fleetTag,
  lbStatusQuery,
  TASK_QUEUE,
  type FleetCreateResult,
  type LbReplacementResult,
  type NsDeployResult,
} from '../../src/shared';
import { fleetCreate, lbReplacement, nsBlueGreen } from '../../src/workflows';
import { emulatorUrl, labToken } from '../../lab/emulatorProcess';
import { labPaths } from '../../lab/labPaths';
import { listParents } from '../../lab/parent';
import { ensureLabZones, LAB_CONFIG, linodeTarget } from '../../lab/up';
import { recordHistories } from '../../testkit/histories';
import { npmRun } from '../../testkit/lab';
import { expectNoSecrets, labSecrets } from '../helpers/histories';
import { startChildWorker, type ChildWorker } from '../helpers/childWorker';
import { labWithWorker, shortenDelegationTtl } from '../helpers/labE2e';

ensureLabZones();
const cfg = loadFleetConfig(LAB_CONFIG);
const { TimeoutType } = temporal.api.enums.v1;
const KILLED_QUEUE = `${TASK_QUEUE}-killed`;
/** The child workers a test started: stopped (SIGTERM, then their exit) even if the test timed out;
 * registered before labWithWorker's hooks, so this runs before the dev server goes. */
const children: ChildWorker[] = [];
afterAll(() => Promise.all(children.map((c) => c.stop())), 60_000);
const lab = labWithWorker({ taskQueue: TASK_QUEUE, labUpArgs: ['--', '--no-fleet'] });
const CLI = path.resolve(__dirname, '../../.tools/linode-cli/bin/linode-cli');

const run = (cmd: string[], netns?: string) =>
  execa(netns ? 'ip' : cmd[0], netns ? ['netns', 'exec', netns, ...cmd] : cmd.slice(1), {
    reject: false,
    timeout: 20_000,
  });
const digSoa = (server: string, zone: string, transport: string, netns?: string) =>
  run(['dig', `@${server}`, zone, 'SOA', '+short', '+time=2', '+tries=1', transport], netns).then((r) =>
    r.exitCode === 0 ? r.stdout.trim() : '',
  );
/** A TCP connection to port 22 within 3 s (bash's /dev/tcp, no other tool needed). */
const sshPortOpen = (address: string, netns?: string) =>
  run(['timeout', '3', 'bash', '-c', `exec 3<>/dev/tcp/${address}/22`], netns).then((r) => r.exitCode === 0);

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function instances() {
  const linode = createLinodeActivities({ env: { [cfg.linode.tokenEnv]: labToken() } });
  const all = await linode.listInstances(linodeTarget(cfg), fleetTag(cfg.fleet));
  return new Map(all.map((i) => [i.label, i]));
}

async function emulatorInstances(): Promise<{ id: number; label: string }[]> {
  const state = (await (await fetch(`${emulatorUrl()}/__admin/state`)).json()) as {
    instances: { id: number; label: string }[];
  };
  return state.instances;
}

function runFleetCreate(): Promise<FleetCreateResult> {
  return lab.env().client.workflow.execute(fleetCreate, {
    taskQueue: TASK_QUEUE,
    workflowId: 'lab/fleet-create',
    args: [fleetCreateInput(cfg)],
  });
}

async function linodeCli(args: string[]): Promise<unknown> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-linode-cli-'));
  try {
    const r = await execa(CLI, [...args, '--json', '--suppress-warnings', '--no-defaults'], {
      reject: false,
      timeout: 30_000,
      extendEnv: false,
      env: {
        HOME: home,
        PATH: process.env.PATH,
        LINODE_CLI_TOKEN: labToken(),
        LINODE_CLI_API_HOST: new URL(emulatorUrl()).host,
        LINODE_CLI_API_SCHEME: 'http',
        LINODE_CLI_API_VERSION: 'v4',
        LINODE_CLI_SUPPRESS_VERSION_WARNING: '1',
      },
    });
    if (r.exitCode !== 0) throw new Error(`linode-cli ${args.join(' ')} failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

let first: FleetCreateResult;

test('from an empty account: every host with its firewall and roles, every zone through every LB, the registrar step', async () => {
  expect(await emulatorInstances()).toEqual([]);
  first = await runFleetCreate();
  expect(first.outcome).toBe('created');
  expect(first.status.phase).toBe('done');
  expect(first.status.registrar).toEqual(
    expect.arrayContaining([
      'example.test NS ns1.example.test ns2.example.test',
      'shop.test NS ns1.example.test ns2.example.test',
      'glue ns1.example.test 198.18.1.2',
      'glue ns2.example.test 198.18.1.3',
    ]),
  );
  expect(first.status.glue?.parents.map((p) => p.serves)).toEqual(cfg.parents.map(() => 'new'));
  const live = await instances();
  expect([...live.keys()].sort()).toEqual(['lb1', 'lb2', 'ns1', 'ns2']);
  expect(live.get('lb1')?.publicIPv4).toBe('198.18.1.2');
  expect(live.get('lb2')?.publicIPv4).toBe('198.18.1.3');
  expect(first.status.events.join('\n')).toMatch(/created firewall nsdeploy-lab-lb/);
  expect(first.status.events.join('\n')).toMatch(/every record of example\.test, shop\.test through lb1, lb2/);
}, 600_000);

test('an outsider reaches DNS through the LBs only: no nameserver, no SSH; the worker reaches both', async () => {
  const live = await instances();
  const outsider = listParents({ stateDir: labPaths.parentState })[0].netns;
  for (const lb of ['lb1', 'lb2'].map((l) => live.get(l)!)) {
    for (const transport of ['+notcp', '+tcp'])
      expect(await digSoa(lb.publicIPv4, 'example.test', transport, outsider)).toMatch(/ns1\.example\.test\./);
    expect(await sshPortOpen(lb.publicIPv4, outsider)).toBe(false);
    expect(await sshPortOpen(lb.publicIPv4)).toBe(true);
  }
  for (const ns of ['ns1', 'ns2'].map((l) => live.get(l)!)) {
    for (const address of [ns.publicIPv4, ns.privateIPv4!]) {
      expect(await digSoa(address, 'example.test', '+notcp', outsider)).toBe('');
      expect(await sshPortOpen(address, outsider)).toBe(false);
    }
    expect(await digSoa(ns.privateIPv4!, 'example.test', '+tcp')).toMatch(/ns1\.example\.test\./);
    expect(await sshPortOpen(ns.publicIPv4)).toBe(true);
  }
}, 120_000);

test("the firewalls as Linode's own CLI lists them", async () => {
  expect(fs.existsSync(CLI)).toBe(true); // scripts/setup installs it; without it this suite fails
  const live = await instances();
  const firewalls = (await linodeCli(['firewalls', 'list'])) as { id: number; label: string; status: string }[];
  const byLabel = new Map(firewalls.map((f) => [f.label, f]));
  expect([...byLabel.keys()].sort()).toEqual(['nsdeploy-lab-lb', 'nsdeploy-lab-ns']);
  for (const [role, labels] of [
    ['lb', ['lb1', 'lb2']],
    ['ns', ['ns1', 'ns2']],
  ] as const) {
    const fw = byLabel.get(`nsdeploy-lab-${role}`)!;
    expect(fw.status).toBe('enabled');
    const devices = (await linodeCli(['firewalls', 'devices-list', String(fw.id)])) as {
      entity: { id: number; label: string };
    }[];
    expect(devices.map((d) => d.entity.label).sort()).toEqual([...labels]);
    expect(devices.map((d) => d.entity.id).sort()).toEqual(labels.map((l) => live.get(l)!.id).sort());
    const rules = (await linodeCli(['firewalls', 'rules-list', String(fw.id)])) as {
      inbound_policy: string;
      inbound: { ports: string; addresses: { ipv4?: string[] } }[];
    }[];
    expect(rules[0].inbound_policy).toBe('DROP');
    const ssh = rules[0].inbound.find((r) => r.ports === '22');
    expect(ssh?.addresses.ipv4).toEqual(['198.18.0.1/32']);
  }
}, 120_000);

test('a re-run changes nothing: same instances, no firewall change', async () => {
  const before = await emulatorInstances();
  const again = await runFleetCreate();
  expect(again.outcome).toBe('created');
  expect(await emulatorInstances()).toEqual(before);
  expect(again.status.events.join('\n')).not.toMatch(/created firewall|attached firewall|updated the rules/);
}, 600_000);

test('its worker killed half-way (SIGKILL during the creates), another started: the same run completes, no duplicate', async () => {
  const linode = createLinodeActivities({ env: { [cfg.linode.tokenEnv]: labToken() } });
  const live = await instances();
  for (const label of ['ns1', 'ns2']) await linode.deleteInstance(linodeTarget(cfg), live.get(label)!.id);
  // The real worker in a child process, on a queue of its own: the workflow's activities go to
  // the workflow's queue, so the in-process worker of labWithWorker takes no part in this run.
  const childWorker = () =>
    startChildWorker({
      address: lab.env().address,
      taskQueue: KILLED_QUEUE,
      env: { [cfg.linode.tokenEnv]: labToken() },
    });
  const killed = await childWorker();
  children.push(killed);
  try {
    const handle = await lab.env().client.workflow.start(fleetCreate, {
      taskQueue: KILLED_QUEUE,
      workflowId: 'lab/fleet-create',
      args: [fleetCreateInput(cfg)],
    });

    // Half-way: lb1 and lb2 are kept, ns1 has just been created in the account (its create activity
    // is finishing, or the workflow task after it is being run, or ns2's create is under way); ns2,
    // the boots, SSH, the playbook and the verification through the LBs are all still ahead. The
    // kill comes as soon as the emulator lists ns1 (polled every 20 ms).
    const deadline = Date.now() + 120_000;
    let atKill = await emulatorInstances();
    while (!atKill.some((i) => i.label === 'ns1') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      atKill = await emulatorInstances();
    }
    expect(await killed.kill()).toBe('SIGKILL');
    expect(processAlive(killed.pid)).toBe(false);
    const ns1AtKill = atKill.find((i) => i.label === 'ns1');
    expect(ns1AtKill).toBeDefined();
    expect(atKill.length).toBeLessThanOrEqual(4);
    expect((await handle.describe()).status.name).toBe('RUNNING'); // nothing else can finish it now

    const successor = await childWorker();
    children.push(successor);
    const result = await handle.result();
    expect(result.outcome).toBe('created');
    expect(result.status.phase).toBe('done');
    expect((await handle.describe()).runId).toBe(handle.firstExecutionRunId); // the same run, no new one
    const after = await emulatorInstances();
    expect(after.map((i) => i.label).sort()).toEqual(['lb1', 'lb2', 'ns1', 'ns2']);
    expect(after.find((i) => i.label === 'ns1')?.id).toBe(ns1AtKill?.id);

    // The history: the killed worker ran the first part, its successor the rest, and the kill lost
    // something in flight (a workflow task that timed out, or an activity that needed a second attempt).
    const events = (await handle.fetchHistory()).events ?? [];
    const identityOf = (e: (typeof events)[number]) =>
      e.workflowTaskStartedEventAttributes?.identity ??
      e.workflowTaskCompletedEventAttributes?.identity ??
      e.activityTaskStartedEventAttributes?.identity ??
      e.activityTaskCompletedEventAttributes?.identity;
    const by = (w: ChildWorker) => events.flatMap((e, i) => (identityOf(e) === w.identity ? [i] : []));
    expect(by(killed).length).toBeGreaterThan(0);
    expect(by(successor).length).toBeGreaterThan(0);
    expect(Math.min(...by(successor))).toBeGreaterThan(Math.max(...by(killed)));
    const interrupted = events.filter(
      (e) => e.workflowTaskTimedOutEventAttributes || (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1,
    );
    expect(interrupted.length).toBeGreaterThan(0);
    // Replay, not re-execution: one create per host in the whole run.
    const creates = events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'ensureInstance',
    );
    expect(creates).toHaveLength(4);
    process.stdout.write(
      `killed worker ${killed.pid} with ${atKill.map((i) => `${i.label}#${i.id}`).join(', ')} in the account; ` +
        `worker ${successor.pid} finished run ${handle.firstExecutionRunId}: ` +
        `${after.map((i) => `${i.label}#${i.id}`).join(', ')}; interrupted: ` +
        interrupted
          .map((e) =>
            e.workflowTaskTimedOutEventAttributes
              ? `workflow task timed out, ${TimeoutType[e.workflowTaskTimedOutEventAttributes.timeoutType ?? 0]} ` +
                `(event ${e.eventId})`
              : `activity attempt ${e.activityTaskStartedEventAttributes?.attempt} (event ${e.eventId})`,
          )
          .join(', ') +
        '\n',
    );
  } finally {
    await Promise.all(children.map((c) => c.stop())); // no worker left behind, whatever the outcome
  }
}, 600_000);

test('an NS deploy runs on the fleet fleet create built, through its firewalls', async () => {
  const result: NsDeployResult = await lab.env().client.workflow.execute(nsBlueGreen, {
    taskQueue: TASK_QUEUE,
    workflowId: 'lab/deploy',
    args: [nsDeployInput(cfg)],
  });
  expect(result.outcome).toBe('deployed');
  const live = await instances();
  expect([...live.keys()].sort()).toEqual(['lb1', 'lb2', 'ns1', 'ns2']);
  const devices = (await linodeCli(['firewalls', 'list'])) as { label: string; entities: { label: string }[] }[];
  const ns = devices.find((f) => f.label === 'nsdeploy-lab-ns');
  expect(ns?.entities.map((e) => e.label).sort()).toEqual(['ns1', 'ns2']);

  // No secret in any payload of either; keep them for replay (NSDEPLOY_RECORD_HISTORIES=1).
  const histories = await expectNoSecrets(
    lab.env().client,
    ['lab/fleet-create', 'lab/deploy'],
    await labSecrets(cfg.ssh.privateKeyFile),
  );
  recordHistories('fleet-create', histories);
}, 900_000);

test('an LB replacement runs on the fleet fleet create built: new LBs behind the LB firewall, the old ones gone', async () => {
  const before = await instances();
  await shortenDelegationTtl();
  // Glue forced: the plan would pick the IP swap (same region); this test drives the registrar step.
  const input = lbReplacementInput(cfg, { strategy: 'glue' });
  input.nsDeployPolicies.soakMs = 6_000;
  input.nsDeployPolicies.soakProbeEveryMs = 3_000;
  input.policies.glueCheckEveryMs = 2_000;
  input.policies.proof.windowMs = 10_000;
  const handle = await lab.env().client.workflow.start(lbReplacement, {
    taskQueue: TASK_QUEUE,
    workflowId: 'lab/lb-replacement',
    args: [input],
  });
  // The human step: the registrar takes the new glue to the parents, then the operator signals.
  const deadline = Date.now() + 6 * 60_000;
  let status = await handle.query(lbStatusQuery);
  while (status.phase !== 'glue' && Date.now() < deadline) {
    expect(['rolling-back', 'rolled-back', 'failed']).not.toContain(status.phase);
    await new Promise((r) => setTimeout(r, 500));
    status = await handle.query(lbStatusQuery);
  }
  const change = status.glue!.change;
  const glue = await npmRun(
    'lab:registrar',
    '--',
    'set-glue',
    ...change.map((c) => `${c.name}=${c.to.join(',')}`),
    '--delay',
    '0',
  );
  expect(glue.exitCode).toBe(0);
  const address = lab.env().connection.options.address;
  const signal = await npmRun(
    'nsdeploy',
    '--',
    'glue-updated',
    'lab/lb-replacement',
    '--by',
    'e2e',
    '--address',
    address,
  );
  expect(signal.exitCode).toBe(0);
  const result: LbReplacementResult = await handle.result();
  expect(result.outcome).toBe('replaced');

  const after = await instances();
  expect([...after.keys()].sort()).toEqual(['lb1', 'lb2', 'ns1', 'ns2']);
  const outsider = listParents({ stateDir: labPaths.parentState })[0].netns;
  for (const [i, label] of ['lb1', 'lb2'].entries()) {
    const lb = after.get(label)!;
    expect(lb.id).not.toBe(before.get(label)!.id);
    expect(lb.publicIPv4).toBe(change[i].to[0]);
    expect(await digSoa(lb.publicIPv4, 'example.test', '+tcp', outsider)).toMatch(/ns1\.example\.test\./);
    expect(await sshPortOpen(lb.publicIPv4, outsider)).toBe(false);
  }
  const firewalls = (await linodeCli(['firewalls', 'list'])) as { label: string; entities: { id: number }[] }[];
  const lbFirewall = firewalls.find((f) => f.label === 'nsdeploy-lab-lb');
  expect(lbFirewall?.entities.map((e) => e.id).sort()).toEqual(['lb1', 'lb2'].map((l) => after.get(l)!.id).sort());
}, 900_000);
