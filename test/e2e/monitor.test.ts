// Continuous monitoring on the lab, with the real dev server and the lab's alert receiver: the
// CLI creates the schedule (every 15 s), a healthy run sends no alert, then one record is
// changed by hand on ns1 only (zone file edited over SSH, rndc reload) and an alert naming that
// record must reach the receiver within one interval (+ run time); the run is found by
// `FleetHealth = "failing"`. The record is put back: `monitor trigger --wait` says ok and the
// receiver hears that the fleet recovered. The schedule is deleted at the end.
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import execa from 'execa';
import { loadFleetConfig } from '../../src/config';
import { monitorScheduleId, TASK_QUEUE, type FleetAlert, type MonitorResult } from '../../src/shared';
import { alertPaths, readAlerts } from '../../lab/alertReceiver';
import { emulatorUrl } from '../../lab/emulatorProcess';
import { LAB_CONFIG } from '../../lab/up';
import { expectNoSecrets, labSecrets } from '../helpers/histories';
import { npmRun } from '../../testkit/lab';
import { labWithWorker } from '../helpers/labE2e';
import { labSsh } from '../helpers/labSsh';

const lab = labWithWorker({ taskQueue: TASK_QUEUE });
const SCHEDULE = monitorScheduleId('lab');
const EVERY_MS = 15_000;
const ZONE_ON_NS = '/etc/bind/zones/db.example.test';

const alerts = () => readAlerts() as FleetAlert[];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/** The schedule's runs that have completed, oldest first, with their results. */
async function completedRuns(client: Client): Promise<{ workflowId: string; result: MonitorResult }[]> {
  const d = await client.schedule.getHandle(SCHEDULE).describe();
  const out: { workflowId: string; result: MonitorResult }[] = [];
  for (const a of d.info.recentActions) {
    const h = client.workflow.getHandle(a.action.workflow.workflowId, a.action.workflow.firstExecutionRunId);
    if ((await h.describe()).status.name === 'COMPLETED')
      out.push({ workflowId: a.action.workflow.workflowId, result: (await h.result()) as MonitorResult });
  }
  return out;
}

test(
  'the schedule fires; a record changed by hand on ns1 raises an alert within one interval; FleetHealth finds it',
  async () => {
    const cfg = loadFleetConfig(LAB_CONFIG);
    const client = lab.env().client;
    const address = lab.env().connection.options.address;
    const cli = (...args: string[]) =>
      npmRun('nsdeploy', '--', 'monitor', ...args, '--config', 'config/lab.yaml', '--address', address);
    const state = (await (await fetch(`${emulatorUrl()}/__admin/state`)).json()) as {
      instances: { label: string; ipv4Public: string; ipv4Private: string }[];
    };
    const { ipv4Public: ns1, ipv4Private: ns1Private } = state.instances.find((i) => i.label === 'ns1')!;
    const onNs1 = (command: string) => labSsh(cfg, ns1, command, { reject: false });

    try {
      // 1. The CLI creates the schedule (first run at once) and prints where to watch it.
      const created = await cli('create', '--every', '15s');
      expect(created.exitCode).toBe(0);
      expect(created.all).toContain(
        'Created schedule lab/monitor: monitors example.test, shop.test on fleet lab every 15s (first run now)',
      );
      expect(created.all).toContain('Web UI: http://127.0.0.1:8233/namespaces/default/schedules/lab%2Fmonitor');
      expect(created.all).toContain('Alerts: http://127.0.0.1:8790/alerts');

      // 2. A healthy run: every record through both LBs and on both nameservers, the delegation
      //    at the three parents; no alert.
      const healthy = await until('a completed monitoring run', 60_000, async () => (await completedRuns(client))[0]);
      expect(healthy.result.failures).toEqual([]);
      expect(healthy.result.healthy).toBe(true);
      expect(healthy.result.status.servers.map((s) => `${s.kind} ${s.label}`).sort()).toEqual([
        'lb lb1',
        'lb lb2',
        'ns ns1',
        'ns ns2',
      ]);
      expect(healthy.result.status.parents).toHaveLength(6); // 3 parents × 2 zones
      expect(alerts()).toEqual([]);

      // 3. By hand, on ns1 only: mail.example.test A 198.18.2.25 → 198.18.2.99.
      const broken = await onNs1(`sed -i 's/198\\.18\\.2\\.25/198.18.2.99/' ${ZONE_ON_NS} && rndc reload example.test`);
      expect(broken.stderr).toBe('');
      expect(broken.exitCode).toBe(0);
      const brokenAt = Date.now();
      expect(
        (
          await execa('dig', [`@${ns1Private}`, 'mail.example.test', 'A', '+short', '+time=2', '+tries=1'], {
            reject: false,
          })
        ).stdout,
      ).toBe('198.18.2.99');

      // 4. The alert reaches the receiver within one interval (+ the run's own time), naming the record.
      const alert = await until('an alert naming mail.example.test. A', EVERY_MS + 20_000, () =>
        alerts().find((a) => a.state === 'failing' && a.failures.some((f) => f.record === 'mail.example.test. A')),
      );
      const delayMs = Date.now() - brokenAt;
      process.stdout.write(
        `alert received ${(delayMs / 1000).toFixed(1)} s after the record was changed on ns1 (interval ${EVERY_MS / 1000} s)\n`,
      );
      expect(delayMs).toBeLessThan(EVERY_MS + 15_000);
      const onNs1Direct = alert.failures.find(
        (f) => f.record === 'mail.example.test. A' && f.where.startsWith('ns1 '),
      )!;
      expect(onNs1Direct.what).toBe('udp+tcp: data differs; expected only [198.18.2.25], served only [198.18.2.99]');
      expect(alert.failures.every((f) => !f.where.startsWith('ns2 '))).toBe(true);
      expect(alert).toMatchObject({
        source: 'nsdeploy',
        fleet: 'lab',
        domain: 'example.test, shop.test',
        zones: ['example.test', 'shop.test'],
      });
      expect(alert.workflowId).toMatch(/^lab\/monitor-/);
      expect(alert.url).toContain('/namespaces/default/workflows/lab%2Fmonitor-');

      // 5. The Web UI's filter finds the run.
      const failingIds = await until('the run under FleetHealth = "failing"', 15_000, async () => {
        const ids: string[] = [];
        for await (const w of client.workflow.list({ query: 'FleetHealth = "failing"' })) ids.push(w.workflowId);
        return ids.includes(alert.workflowId) ? ids : undefined;
      });
      expect(failingIds).toContain(alert.workflowId);

      // 6. Put the record back; a run now says ok, and the receiver hears the fleet recovered.
      const fixed = await onNs1(`sed -i 's/198\\.18\\.2\\.99/198.18.2.25/' ${ZONE_ON_NS} && rndc reload example.test`);
      expect(fixed.exitCode).toBe(0);
      const now = await cli('trigger', '--wait');
      expect(now.all).toMatch(/Triggered lab\/monitor: lab\/monitor-/);
      expect(now.all).toMatch(/Fleet lab ok: \d+ records, \d+ queries, nothing wrong/);
      expect(now.exitCode).toBe(0);
      const recovered = await until('a "recovered" alert', EVERY_MS + 20_000, () =>
        alerts().find((a) => a.state === 'recovered'),
      );
      expect(recovered.failingSince).toBe(alert.failingSince);

      // 7. The status shows the runs and their FleetHealth.
      const status = await cli('status');
      expect(status.exitCode).toBe(0);
      expect(status.all).toContain('lab/monitor: active, every 15s');
      expect(status.all).toMatch(/FleetHealth=ok/);

      // No secret in any payload of the runs.
      const runs = (await client.schedule.getHandle(SCHEDULE).describe()).info.recentActions.map(
        (a) => a.action.workflow.workflowId,
      );
      await expectNoSecrets(client, [...new Set(runs)], await labSecrets(cfg.ssh.privateKeyFile));
    } finally {
      process.stdout.write(
        `alerts received (${alertPaths.alerts}): ${
          alerts()
            .map((a) => `${a.state} ${a.failures.length} failure(s)`)
            .join(', ') || 'none'
        }\n`,
      );
      // 8. Delete the schedule; a second delete has nothing to do.
      const deleted = await cli('delete');
      expect(deleted.all).toContain('Deleted schedule lab/monitor');
    }
    await expect(client.schedule.getHandle(SCHEDULE).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await cli('delete')).all).toContain('No monitoring schedule lab/monitor: nothing to delete');
  },
  4 * 60_000,
);
