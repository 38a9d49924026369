// fleet create on the time-skipping server, its activities faked at the boundary: the build's
// order (firewalls, LBs then nameservers with their role's firewall and the fleet tag, waits,
// firewalls again, site.yml, every zone through each LB), the registrar step that waits until
// every parent serves the glue, and a failed verification that stops before the registrar step.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { PlaybookRun } from '../../src/activities/ansible';
import type { InstanceInfo, InstanceSpec } from '../../src/activities/linode';
import { fleetTag, type FleetCreateInput } from '../../src/shared';
import { fleetCreate } from '../../src/workflows';
import { LAB_FLEET } from '../../testkit/fakeFleet';
import { timeSkippingPerTest } from '../helpers/temporalEnv';

const t = timeSkippingPerTest();
let seq = 0;

const input: FleetCreateInput = {
  ...LAB_FLEET,
  firewall: { workerAddresses: ['198.18.0.1'] },
  parents: [{ address: '198.18.0.53', port: 53 }],
  policies: {
    gate: { transports: ['udp', 'tcp'], concurrency: 16 },
    bootTimeoutMs: 60_000,
    sshTimeoutMs: 60_000,
    glueCheckEveryMs: 60_000,
    glueTimeoutMs: 3_600_000,
  },
};

async function run(opts: { verifyFails?: boolean; parentServesGlueAfterPolls?: number } = {}) {
  const calls: string[] = [];
  const specs: InstanceSpec[] = [];
  let polls = 0;
  const address = new Map<string, string>();
  const info = (label: string, id: number): InstanceInfo => ({
    id,
    label,
    status: 'running',
    tags: [],
    publicIPv4: address.get(label)!,
    privateIPv4: `198.19.128.${id}`,
  });
  const activities = {
    checkRegions: async (_t: unknown, regions: string[]) => {
      calls.push(`checkRegions ${regions.join(',')}`);
      return regions;
    },
    syncFirewalls: async () => {
      calls.push('syncFirewalls');
      return { ids: { lb: 101, ns: 102 }, changes: [] };
    },
    ensureInstance: async (_t: unknown, spec: InstanceSpec) => {
      specs.push(spec);
      calls.push(`create ${spec.label}`);
      if (!address.has(spec.label)) address.set(spec.label, `198.18.1.${address.size + 2}`);
      return info(spec.label, address.size);
    },
    waitForRunning: async (_t: unknown, id: number) => {
      calls.push(`running ${id}`);
      const label = [...address.keys()][id - 1];
      return info(label, id);
    },
    waitForSsh: async (target: { name: string }) => {
      calls.push(`ssh ${target.name}`);
    },
    runPlaybook: async (r: PlaybookRun) => {
      calls.push(
        `playbook ${r.playbook} ${Object.values(r.groups)
          .flat()
          .map((h) => h.name)
          .join(',')}`,
      );
      return { recap: {}, changed: 0, logFile: '/dev/null' };
    },
    compareZoneOnServer: async (i: { server: { address: string } }) => {
      calls.push(`verify ${i.server.address}`);
      const differences = opts.verifyFails
        ? [{ server: i.server.address, transport: 'udp', name: 'www.example.test.', type: 'A', kind: 'missing' }]
        : [];
      return { ok: !opts.verifyFails, recordsChecked: 12, queriesSent: 24, differences, nsids: [] };
    },
    zoneDelegations: async () => ({
      delegations: [{ domain: 'example.test', nameservers: ['ns1.example.test', 'ns2.example.test'] }],
      glue: { 'ns1.example.test': [address.get('lb1')!], 'ns2.example.test': [address.get('lb2')!] },
    }),
    readDelegation: async (r: { parent: { address: string } }) => {
      polls++;
      const served = polls > (opts.parentServesGlueAfterPolls ?? 0);
      const glue = served
        ? ['lb1', 'lb2'].map((lb, i) => ({
            name: `ns${i + 1}.example.test`,
            type: 'A',
            address: address.get(lb)!,
            ttl: 60,
          }))
        : [];
      const view = (transport: string) => ({
        transport,
        nameservers: ['ns1.example.test', 'ns2.example.test'],
        nsTtl: 60,
        glue,
      });
      return { parent: `${r.parent.address}:53`, views: [view('udp'), view('tcp')], agree: true };
    },
  };
  const taskQueue = `fleet-create-${++seq}`;
  const worker = await Worker.create({
    connection: t.env().nativeConnection,
    taskQueue,
    workflowBundle: t.bundle(),
    activities,
  });
  const outcome = await worker.runUntil(
    t
      .env()
      .client.workflow.execute(fleetCreate, { taskQueue, workflowId: `lab/fleet-create-${seq}`, args: [input] })
      .catch((e: unknown) => e as WorkflowFailedError),
  );
  return { calls, specs, outcome, polls };
}

test('builds in order with firewalls and the fleet tag, then waits until the parent serves the glue', async () => {
  const { calls, specs, outcome, polls } = await run({ parentServesGlueAfterPolls: 2 });
  if (outcome instanceof Error) throw outcome;
  expect(calls.slice(0, 6)).toEqual([
    'checkRegions us-east',
    'syncFirewalls',
    'create lb1',
    'create lb2',
    'create ns1',
    'create ns2',
  ]);
  // The waits run in parallel; the second sync comes after every instance runs, before any SSH.
  expect(calls.slice(6, 10).sort()).toEqual(['running 1', 'running 2', 'running 3', 'running 4']);
  expect(calls[10]).toBe('syncFirewalls');
  expect(calls.slice(11, 15).sort()).toEqual(['ssh lb1', 'ssh lb2', 'ssh ns1', 'ssh ns2']);
  expect(calls[15]).toBe('playbook site.yml ns1,ns2,lb1,lb2');
  expect(calls.slice(16).sort()).toEqual(['verify 198.18.1.2', 'verify 198.18.1.3']);
  expect(specs.map((s) => [s.label, s.deployTag, s.firewallId])).toEqual([
    ['lb1', fleetTag('lab'), 101],
    ['lb2', fleetTag('lab'), 101],
    ['ns1', fleetTag('lab'), 102],
    ['ns2', fleetTag('lab'), 102],
  ]);
  expect(specs[0].tags).toContain(fleetTag('lab'));
  expect(polls).toBe(3);
  expect(outcome.outcome).toBe('created');
  expect(outcome.status.phase).toBe('done');
  expect(outcome.plan).toEqual([
    'example.test NS ns1.example.test ns2.example.test',
    'glue ns1.example.test 198.18.1.2',
    'glue ns2.example.test 198.18.1.3',
  ]);
  expect(outcome.status.events.some((e) => /glue: publish at your registrar: example\.test NS/.test(e))).toBe(true);
});

test('a record missing through an LB fails the run before the registrar step', async () => {
  const { outcome, calls, polls } = await run({ verifyFails: true });
  expect(outcome).toBeInstanceOf(WorkflowFailedError);
  const cause = (outcome as WorkflowFailedError).cause as ApplicationFailure;
  expect(cause.type).toBe('VerifyFailed');
  expect(cause.message).toMatch(/lb1: missing www\.example\.test\. A\/udp/);
  expect(calls).not.toContain('zoneDelegations');
  expect(polls).toBe(0);
});
