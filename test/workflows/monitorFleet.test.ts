// One monitoring run on the time-skipping server, activities faked at the boundary: a healthy
// fleet (no alert, FleetHealth ok), a record that differs on one nameserver only, a parent
// serving old glue, a nameserver gone from the fleet, and an alert that cannot be delivered.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import type { ReadDelegationResult } from '../../src/activities/delegation';
import type { InstanceInfo } from '../../src/activities/linode';
import type { CompactZoneComparison } from '../../src/dns/compact';
import type { Difference } from '../../src/dns/difference';
import { FLEET_HEALTH, type MonitorInput, type MonitorResult, type SendAlertInput } from '../../src/shared';
import { monitorFleet } from '../../src/workflows';
import { timeSkippingPerTest } from '../helpers/temporalEnv';

const t = timeSkippingPerTest();
let seq = 0;

const PARENTS = ['198.18.0.53', '198.18.0.54', '198.18.0.55'];
const instance = (id: number, label: string, n: number): InstanceInfo => ({
  id,
  label,
  status: 'running',
  tags: ['nsdeploy', 'nsdeploy-fleet-lab'],
  publicIPv4: `198.18.1.${n}`,
  privateIPv4: `198.19.128.${n}`,
});

class FakeMonitoredFleet {
  instances = [instance(1, 'lb1', 2), instance(2, 'lb2', 3), instance(3, 'ns1', 4), instance(4, 'ns2', 5)];
  /** Server address → differences it answers with. */
  broken = new Map<string, Difference[]>();
  /** Parent address → glue it serves (default: the live LBs). */
  glue = new Map<string, Record<string, string>>();
  alerts: SendAlertInput[] = [];
  probed: string[] = [];
  alertFails = false;

  addressOf(label: string) {
    return this.instances.find((i) => i.label === label)!;
  }

  activities(): Partial<Activities> {
    const lbGlue = {
      'ns1.example.test': this.addressOf('lb1').publicIPv4,
      'ns2.example.test': this.addressOf('lb2').publicIPv4,
    };
    return {
      listInstances: async () => this.instances,
      zoneDelegation: async () => ({
        serial: 2026112301,
        nameservers: ['ns1.example.test', 'ns2.example.test'],
        addresses: {
          'ns1.example.test': [lbGlue['ns1.example.test']],
          'ns2.example.test': [lbGlue['ns2.example.test']],
        },
      }),
      compareZoneOnServer: async (input): Promise<CompactZoneComparison> => {
        const address = input.server.address;
        this.probed.push(address);
        const differences = this.broken.get(address) ?? [];
        return {
          server: `${address}:53`,
          origin: 'example.test',
          transports: input.transports ?? ['udp', 'tcp'],
          ok: differences.length === 0,
          recordsChecked: 12,
          rrsetsChecked: 10,
          queriesSent: 22,
          differences,
          skipped: [],
          nsids: [],
          durationMs: 40,
          differencesOmitted: 0,
          skippedOmitted: 0,
        };
      },
      readDelegation: async (input): Promise<ReadDelegationResult> => {
        const served = this.glue.get(input.parent.address) ?? lbGlue;
        const views = (['udp', 'tcp'] as const).map((transport) => ({
          transport,
          rcode: 'NOERROR',
          nameservers: ['ns1.example.test', 'ns2.example.test'],
          nsTtl: 172800,
          glue: Object.entries(served).map(([name, address]) => ({ name, type: 'A' as const, address, ttl: 172800 })),
        }));
        return { parent: `${input.parent.address}:53`, views, agree: true };
      },
      sendAlert: async (input) => {
        this.alerts.push(input);
        if (this.alertFails)
          throw ApplicationFailure.nonRetryable('webhook http://127.0.0.1:8790 answered HTTP 500', 'WebhookFailed');
        return { delivered: true, detail: 'HTTP 200 from http://127.0.0.1:8790' };
      },
    };
  }
}

const input: MonitorInput = {
  fleet: 'lab',
  zones: [{ domain: 'example.test', file: '/zones/example.test.zone' }],
  linode: {
    apiUrl: 'http://127.0.0.1:8789/v4',
    tokenEnv: 'LINODE_TOKEN',
    knownHostsFile: '/keys/known_hosts',
    privateKeyFile: '/keys/id',
  },
  nameservers: ['ns1', 'ns2'],
  loadBalancers: ['lb1', 'lb2'],
  nextSuffix: '-next',
  parents: PARENTS.map((address) => ({ address, port: 53 })),
  probe: { transports: ['udp', 'tcp'], concurrency: 16 },
  alert: { webhookUrl: 'http://127.0.0.1:8790/alerts' },
  everyMs: 60_000,
  webUi: { url: 'http://127.0.0.1:8233', namespace: 'default' },
};

async function monitor(fleet: FakeMonitoredFleet) {
  const taskQueue = `monitor-${++seq}`;
  const worker = await Worker.create({
    connection: t.env().nativeConnection,
    taskQueue,
    workflowBundle: t.bundle(),
    activities: fleet.activities(),
  });
  return worker.runUntil(async () => {
    const handle = await t
      .env()
      .client.workflow.start(monitorFleet, { taskQueue, workflowId: `lab/monitor-${seq}`, args: [input] });
    const outcome = await handle.result().catch((e: unknown) => e as WorkflowFailedError);
    const desc = await handle.describe();
    const details =
      (await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails ?? '';
    return { outcome, health: desc.typedSearchAttributes.get(FLEET_HEALTH), details };
  });
}

test('a healthy fleet: every LB and every nameserver asked, every parent checked, no alert, FleetHealth ok', async () => {
  const fleet = new FakeMonitoredFleet();
  const { outcome, health, details } = await monitor(fleet);
  const result = outcome as MonitorResult;
  expect(result.healthy).toBe(true);
  expect(result.failures).toEqual([]);
  expect(result.recordsChecked).toBe(4 * 12);
  expect(fleet.probed.sort()).toEqual(['198.18.1.2', '198.18.1.3', '198.19.128.4', '198.19.128.5']); // LBs public, NS private (direct)
  expect(result.status.parents.map((p) => p.ok)).toEqual([true, true, true]);
  expect(fleet.alerts).toEqual([]);
  expect(result.alert).toBeUndefined();
  expect(health).toBe('ok');
  expect(details).toMatch(/Fleet `lab`: ok/);
});

test('a record that differs on one nameserver only: an alert naming the record and the server, FleetHealth failing', async () => {
  const fleet = new FakeMonitoredFleet();
  const ns1 = fleet.addressOf('ns1').privateIPv4!;
  fleet.broken.set(
    ns1,
    (['udp', 'tcp'] as const).map((transport) => ({
      kind: 'data',
      server: `${ns1}:53`,
      transport,
      name: 'mail.example.test.',
      type: 'A',
      expectedOnly: ['198.18.2.25'],
      actualOnly: ['198.18.2.99'],
    })),
  );
  const { outcome, health, details } = await monitor(fleet);
  const result = outcome as MonitorResult;
  expect(result.healthy).toBe(false);
  expect(result.failures).toEqual([
    {
      where: `ns1 ${ns1} (direct)`,
      record: 'mail.example.test. A',
      what: 'udp+tcp: data differs; expected only [198.18.2.25], served only [198.18.2.99]',
    },
  ]);
  expect(fleet.alerts).toHaveLength(1);
  const { alert, webhookUrl } = fleet.alerts[0];
  expect(webhookUrl).toBe('http://127.0.0.1:8790/alerts');
  expect(alert).toMatchObject({
    source: 'nsdeploy',
    state: 'failing',
    fleet: 'lab',
    domain: 'example.test',
    workflowId: `lab/monitor-${seq}`,
    failingSince: result.checkedAt,
  });
  expect(alert.summary).toContain('mail.example.test. A');
  expect(alert.failures[0].record).toBe('mail.example.test. A');
  expect(alert.url).toMatch(
    new RegExp(`^http://127\\.0\\.0\\.1:8233/namespaces/default/workflows/lab%2Fmonitor-${seq}/`),
  );
  expect(result.alert).toEqual({ state: 'failing', delivered: true, detail: 'HTTP 200 from http://127.0.0.1:8790' });
  expect(health).toBe('failing');
  expect(details).toMatch(/\*\*FAILING\*\*/);
  expect(details).toContain('mail.example.test. A');
});

test('a parent serving the old glue: an alert naming the parent and the glue it serves', async () => {
  const fleet = new FakeMonitoredFleet();
  fleet.glue.set('198.18.0.54', {
    'ns1.example.test': '198.18.1.12',
    'ns2.example.test': fleet.addressOf('lb2').publicIPv4,
  });
  const { outcome, health } = await monitor(fleet);
  const result = outcome as MonitorResult;
  expect(result.healthy).toBe(false);
  expect(result.failures).toHaveLength(1);
  expect(result.failures[0]).toMatchObject({ where: 'parent 198.18.0.54:53', record: 'example.test. NS glue' });
  expect(result.failures[0].what).toMatch(
    /serves glue ns1\.example\.test 198\.18\.1\.12.*expected ns1\.example\.test 198\.18\.1\.2, ns2\.example\.test 198\.18\.1\.3/,
  );
  expect(result.status.parents.map((p) => p.ok)).toEqual([true, false, true]);
  expect(fleet.alerts).toHaveLength(1);
  expect(fleet.alerts[0].alert.failures[0].where).toBe('parent 198.18.0.54:53');
  expect(health).toBe('failing');
});

test('a nameserver gone from the fleet is a failure; the rest is still probed', async () => {
  const fleet = new FakeMonitoredFleet();
  fleet.instances = fleet.instances.filter((i) => i.label !== 'ns2');
  const { outcome } = await monitor(fleet);
  const result = outcome as MonitorResult;
  expect(result.failures).toEqual([
    { where: 'fleet', what: 'no running instance labelled ns2 with tag nsdeploy-fleet-lab' },
  ]);
  expect(fleet.probed).toHaveLength(3);
  expect(fleet.alerts).toHaveLength(1);
});

test('an alert that cannot be delivered fails the run (FleetHealth still failing) and says why', async () => {
  const fleet = new FakeMonitoredFleet();
  fleet.alertFails = true;
  fleet.glue.set('198.18.0.53', {});
  const { outcome, health } = await monitor(fleet);
  expect(outcome).toBeInstanceOf(WorkflowFailedError);
  const cause = (outcome as WorkflowFailedError).cause as ApplicationFailure;
  expect(cause.type).toBe('AlertNotDelivered');
  expect(cause.message).toMatch(
    /fleet lab is failing and the alert was not delivered: sendAlert: webhook http:\/\/127\.0\.0\.1:8790 answered HTTP 500/,
  );
  expect(health).toBe('failing');
});
