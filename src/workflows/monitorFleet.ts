// One monitoring run of the live fleet, started by the `<fleet>/monitor` schedule: every record
// of the operator's zone file asked through each live LB and of each live nameserver directly
// (an LB round-robins, so a record broken on one nameserver shows only in some answers through
// it), over UDP and TCP, and the delegation as every parent serves it. Anything wrong raises an
// alert (log line + webhook) and sets FleetHealth = "failing"; the next healthy run after a
// failing one says the fleet recovered. The run changes nothing in the fleet.
import { setHandler, upsertSearchAttributes, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import {
  FLEET_HEALTH,
  fleetTag,
  monitorStatusQuery,
  type LegacyMonitorInput,
  type MonitorFailure,
  type MonitorInput,
  type MonitorResult,
} from '../shared';
import { legacyZones } from './lib/shape';
import { reasonOf } from './lib/failures';
import { step } from './lib/steps';
import { runUrl, sendAlert } from './monitor/alert';
import { comparisonFailures, delegationFailures } from './monitor/failures';
import { nsNameFailures, targetsOf } from './monitor/targets';
import { MonitorTracker } from './monitor/tracker';

// A run must end well within its interval: few, short retries (the next run asks again).
const retry = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '10s' } as const;
const look: ActivityOptions = { startToCloseTimeout: '1m', retry: { ...retry, maximumAttempts: 3 } };
const probe: ActivityOptions = {
  startToCloseTimeout: '5m',
  heartbeatTimeout: '1m',
  retry: { ...retry, maximumAttempts: 2 },
};

/** Failures kept in the result, the status and the alert; the rest are counted. */
const MAX_FAILURES = 50;

export async function monitorFleet(given: MonitorInput | LegacyMonitorInput): Promise<MonitorResult> {
  // Schedules created before several zones start runs with one domain and zone file.
  const input: MonitorInput = 'zoneFile' in given ? { ...given, zones: legacyZones(given) } : given;
  const domains = input.zones.map((z) => z.domain);
  const t = new MonitorTracker(input.fleet, domains, input.everyMs);
  const { status } = t;
  const failures: MonitorFailure[] = [];
  setHandler(monitorStatusQuery, () => status);
  t.event(`checking ${domains.join(', ')} on fleet ${input.fleet}`);
  const zones = input.zones.map((z) => ({ origin: z.domain, file: z.file }));
  const { transports, concurrency } = input.probe;
  let recordsChecked = 0;
  let queriesSent = 0;
  try {
    // 1. The live fleet (by its tag, as the deploy finds it) and what the zone file says.
    const [live, expected] = await Promise.all([
      step(look, `list fleet ${input.fleet}`, 'listInstances', input.linode, fleetTag(input.fleet)),
      Promise.all(
        input.zones.map((z) =>
          step(look, `NS and glue of ${z.domain} in the zone file`, 'zoneDelegation', {
            zoneFile: z.file,
            domain: z.domain,
          }),
        ),
      ),
    ]);
    status.zones = expected.map((e, i) => ({ domain: domains[i], serial: e.serial }));
    const targets = targetsOf(input, live, failures);
    for (const e of expected) failures.push(...nsNameFailures(input, live, e));

    // 2. Every record through each LB and on each nameserver directly; the delegation at every
    //    parent. A probe that cannot run is a failure of that one target, not of the run.
    const asked = targets.map((x) => `${x.kind === 'lb' ? 'through' : 'on'} ${x.instance.label}`).join(', ');
    t.event(`probing ${asked}${input.parents.length ? `; delegation at ${input.parents.length} parent(s)` : ''}`);
    const [comparisons, delegations] = await Promise.all([
      Promise.all(
        targets.map((x) => {
          const label = x.instance.label;
          const what = x.kind === 'lb' ? `every record through ${label}` : `every record on ${label} (direct)`;
          const request = { server: { address: x.address }, zones, transports, concurrency };
          return step(probe, what, 'compareZoneOnServer', request).catch((err: unknown) => {
            failures.push({ where: x.where, what: `probe did not run: ${reasonOf(err)}` });
            return undefined;
          });
        }),
      ),
      Promise.all(
        input.zones.flatMap((z) =>
          input.parents.map((p) => {
            const request = { parent: p, domain: z.domain, transports: ['udp', 'tcp'] as ('udp' | 'tcp')[] };
            const summary = `delegation of ${z.domain} at ${p.address}`;
            return step(look, summary, 'readDelegation', request).catch((err: unknown) => {
              const where = `parent ${p.address}:${p.port}`;
              failures.push({ where, record: `${z.domain}. NS`, what: `delegation not read: ${reasonOf(err)}` });
              return undefined;
            });
          }),
        ),
      ),
    ]);
    comparisons.forEach((c, i) => {
      if (!c) return;
      const { instance, kind, address, where } = targets[i];
      recordsChecked += c.recordsChecked;
      queriesSent += c.queriesSent;
      const differences = c.differences.length + c.differencesOmitted;
      const seen = { recordsChecked: c.recordsChecked, queriesSent: c.queriesSent, differences, nsids: c.nsids };
      status.servers.push({ label: instance.label, kind, address, ...seen });
      failures.push(...comparisonFailures(where, c));
    });
    delegations.forEach((r, i) => {
      if (!r) return;
      const z = Math.floor(i / input.parents.length);
      const judged = delegationFailures(r, expected[z], domains[z]);
      const parent = domains.length > 1 ? `${domains[z]} at ${r.parent}` : r.parent;
      status.parents.push({ parent, ok: judged.failures.length === 0, detail: judged.detail });
      failures.push(...judged.failures);
    });
  } catch (err) {
    failures.push({ where: 'monitor', what: `the check could not run: ${reasonOf(err)}` });
  }

  // 3. The verdict: search attribute first (the Web UI filter works even if the alert fails).
  const checkedAt = new Date(Date.now()).toISOString();
  const healthy = failures.length === 0;
  status.phase = healthy ? 'ok' : 'failing';
  status.failures = failures.slice(0, MAX_FAILURES);
  status.failuresOmitted = Math.max(0, failures.length - MAX_FAILURES);
  upsertSearchAttributes([{ key: FLEET_HEALTH, value: status.phase }]);
  const info = workflowInfo();
  const last = info.lastResult as MonitorResult | undefined;
  const failingSince = healthy ? undefined : (last && !last.healthy && last.failingSince) || checkedAt;
  const summary = healthy ? healthySummary(recordsChecked, status) : failingSummary(failures);
  t.event(healthy ? `ok: ${summary}` : `FAILING: ${summary}`);

  const { failuresOmitted } = status;
  const result: MonitorResult = {
    healthy,
    checkedAt,
    recordsChecked,
    queriesSent,
    failures: status.failures,
    failuresOmitted,
    failingSince,
    status,
  };
  const state = !healthy ? 'failing' : last && !last.healthy ? 'recovered' : undefined;
  if (!state) return result;

  // 4. The alert: on every failing run (until it is fixed), and once when it recovered.
  return sendAlert(t, input, result, {
    source: 'nsdeploy',
    state,
    fleet: input.fleet,
    domain: domains.join(', '),
    zones: domains,
    checkedAt,
    failingSince: failingSince ?? last?.failingSince,
    summary,
    failures: status.failures,
    failuresOmitted,
    workflowId: info.workflowId,
    runId: info.runId,
    url: runUrl(input),
  });
}

function healthySummary(records: number, s: MonitorResult['status']): string {
  const parents = s.parents.length ? ` and the delegation at ${s.parents.length} parent(s)` : '';
  return `${records} records on ${s.servers.length} server(s)${parents} as the zone file says`;
}

function failingSummary(failures: MonitorFailure[]): string {
  const first = failures.slice(0, 3).map((f) => `${f.where}${f.record ? ` ${f.record}` : ''}: ${f.what}`);
  return `${failures.length} failure(s): ${first.join('; ')}${failures.length > 3 ? '; …' : ''}`;
}
