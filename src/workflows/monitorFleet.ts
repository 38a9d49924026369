// One monitoring run of the live fleet, started by the `<fleet>/monitor` schedule: every record
// of the operator's zone file asked through each live LB and of each live nameserver directly
// (an LB round-robins, so a record broken on one nameserver shows only in some answers through
// it), over UDP and TCP, and the delegation as every parent serves it. Anything wrong raises an
// alert (log line + webhook) and sets FleetHealth = "failing"; the next healthy run after a
// failing one says the fleet recovered. The run changes nothing in the fleet.
import {
  ApplicationFailure, log, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo, type ActivityOptions,
} from '@temporalio/workflow';
import type { ReadDelegationResult } from '../activities/delegation';
import type { InstanceInfo } from '../activities/linode';
import type { ZoneDelegation } from '../activities/monitor';
import type { CompactZoneComparison } from '../dns/compact';
import { describeDifference, type Difference } from '../dns/difference';
import {
  FLEET_HEALTH, fleetTag, monitorStatusQuery,
  type FleetAlert, type MonitorFailure, type MonitorInput, type MonitorResult, type MonitorStatus,
} from '../shared';
import { reasonOf } from './lib/failures';
import { judgeParent } from './lib/glue';
import { step } from './lib/steps';
import { formatDuration } from '../shared/duration';

// A run must end well within its interval: few, short retries (the next run asks again).
const retry = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '10s' } as const;
const look: ActivityOptions = { startToCloseTimeout: '1m', retry: { ...retry, maximumAttempts: 3 } };
const probe: ActivityOptions = { startToCloseTimeout: '5m', heartbeatTimeout: '1m', retry: { ...retry, maximumAttempts: 2 } };
const alerting: ActivityOptions = { startToCloseTimeout: '30s', retry: { ...retry, maximumInterval: '30s', maximumAttempts: 5 } };

/** Failures kept in the result, the status and the alert; the rest are counted. */
const MAX_FAILURES = 50;
const MAX_EVENTS = 40;

interface Target {
  instance: InstanceInfo;
  kind: 'lb' | 'ns';
  address: string;
  where: string;
}

/** A comparison's differences as failures; UDP and TCP saying the same thing become one line. */
function comparisonFailures(where: string, c: CompactZoneComparison): MonitorFailure[] {
  const errors = c.differences.filter((d) => d.kind === 'error');
  if (c.differences.length > 0 && errors.length === c.differences.length && new Set(errors.map((d) => `${d.name}/${d.type}`)).size >= c.rrsetsChecked) {
    return [{ where, what: `does not answer: ${(errors[0] as Extract<Difference, { kind: 'error' }>).message}` }];
  }
  const merged = new Map<string, MonitorFailure & { transports: string[] }>();
  for (const d of c.differences) {
    const prefix = `${d.name} ${d.type} @${d.server}/${d.transport}: `;
    const what = describeDifference(d).slice(prefix.length);
    const key = `${d.name} ${d.type}\n${what}`;
    const seen = merged.get(key);
    if (seen) seen.transports.push(d.transport);
    else merged.set(key, { where, record: `${d.name} ${d.type}`, what, transports: [d.transport] });
  }
  const rank = (x: string) => ['udp', 'tcp'].indexOf(x) >>> 0; // udp, tcp, then anything else
  const out: MonitorFailure[] = [...merged.values()].map(({ transports, ...f }) => ({ ...f, what: `${transports.sort((a, b) => rank(a) - rank(b)).join('+')}: ${f.what}` }));
  if (c.differencesOmitted > 0) out.push({ where, what: `and ${c.differencesOmitted} more difference(s)` });
  return out;
}

/** What one parent serves against what the zone file says: NS names, and glue for in-zone names. */
function delegationFailures(r: ReadDelegationResult, expected: ZoneDelegation, domain: string): { failures: MonitorFailure[]; detail: string } {
  const where = `parent ${r.parent}`;
  const record = `${domain}. NS (delegation)`;
  const broken = r.views.filter((v) => v.error);
  if (broken.length > 0) return { failures: broken.map((v) => ({ where, record, what: `${v.transport}: ${v.error}` })), detail: `no usable answer over ${broken.map((v) => v.transport).join('+')}` };
  const failures: MonitorFailure[] = [];
  for (const v of r.views) {
    if (v.nameservers.join() !== expected.nameservers.join()) failures.push({ where, record, what: `${v.transport}: NS ${v.nameservers.join(', ') || '(none)'}, the zone file says ${expected.nameservers.join(', ')}` });
  }
  const change = Object.entries(expected.addresses).map(([name, to]) => ({ name, from: [], to }));
  const judged = judgeParent(r, change);
  if (judged.serves !== 'new') {
    failures.push({ where, record: `${domain}. NS glue`, what: `serves glue ${judged.detail}; expected ${change.map((c) => `${c.name} ${c.to.join(',') || '(none)'}`).join(', ')}` });
  }
  return { failures, detail: failures.length ? failures.map((f) => f.what).join('; ') : judged.detail };
}

export async function monitorFleet(input: MonitorInput): Promise<MonitorResult> {
  const info = workflowInfo();
  const status: MonitorStatus = { phase: 'probing', fleet: input.fleet, domain: input.domain, servers: [], parents: [], failures: [], failuresOmitted: 0, events: [] };
  const failures: MonitorFailure[] = [];
  let alertLine: string | undefined;
  const runUrl = input.webUi ? `${input.webUi.url}/namespaces/${encodeURIComponent(input.webUi.namespace)}/workflows/${encodeURIComponent(info.workflowId)}/${info.runId}` : undefined;

  const render = () => {
    const s = status;
    const head = s.phase === 'probing' ? 'checking' : s.phase === 'ok' ? 'ok' : '**FAILING**';
    setCurrentDetails([
      `**Fleet \`${s.fleet}\`: ${head}** — ${s.domain}${s.zoneSerial ? ` serial ${s.zoneSerial}` : ''} (every ${formatDuration(input.everyMs)})`,
      '',
      ...s.servers.map((v) => `- ${v.kind === 'lb' ? 'through' : 'direct on'} ${v.label} ${v.address}: ${v.recordsChecked} records, ${v.queriesSent} queries, ${v.differences ? `**${v.differences} difference(s)**` : 'no difference'}${v.nsids.length ? ` (answered by ${v.nsids.join(', ')})` : ''}`),
      ...s.parents.map((p) => `- parent ${p.parent}: ${p.ok ? 'ok' : '**wrong**'} — ${p.detail}`),
      ...(s.failures.length ? ['', 'Failures:', '', ...s.failures.slice(0, 15).map((f) => `- ${f.where}${f.record ? ` — ${f.record}` : ''}: ${f.what}`)] : []),
      ...(s.failures.length > 15 || s.failuresOmitted ? [`- … ${s.failures.length - 15 + s.failuresOmitted} more`] : []),
      ...(alertLine ? ['', alertLine] : []),
      '',
      'Recent:',
      '',
      ...s.events.slice(-8).map((e) => `- ${e}`),
    ].join('\n'));
  };
  const event = (text: string) => {
    status.events.push(`${new Date(Date.now()).toISOString().slice(11, 19)} ${text}`);
    if (status.events.length > MAX_EVENTS) status.events.splice(0, status.events.length - MAX_EVENTS);
    render();
  };
  setHandler(monitorStatusQuery, () => status);
  event(`checking ${input.domain} on fleet ${input.fleet}`);

  let recordsChecked = 0;
  let queriesSent = 0;
  try {
    // 1. The live fleet (by its tag, as the deploy finds it) and what the zone file says.
    const [live, expected] = await Promise.all([
      step(look, `list fleet ${input.fleet}`, 'listInstances', input.linode, fleetTag(input.fleet)),
      step(look, `NS and glue of ${input.domain} in the zone file`, 'zoneDelegation', { zoneFile: input.zoneFile, domain: input.domain }),
    ]);
    status.zoneSerial = expected.serial;
    const running = (label: string) => live.find((i) => i.label === label && i.status === 'running');
    for (const label of [...input.loadBalancers, ...input.nameservers].filter((l) => !running(l))) {
      failures.push({ where: 'fleet', what: `no running instance labelled ${label} with tag ${fleetTag(input.fleet)}` });
    }
    const targets: Target[] = [
      ...input.loadBalancers.flatMap((l) => running(l) ?? []).map((i): Target => ({ instance: i, kind: 'lb', address: i.publicIPv4, where: `${i.label} ${i.publicIPv4}` })),
      ...input.nameservers.flatMap((l) => running(l) ?? []).map((i): Target => {
        const address = i.privateIPv4 ?? i.publicIPv4;
        return { instance: i, kind: 'ns', address, where: `${i.label} ${address} (direct)` };
      }),
    ];

    // The zone's NS names must point at live LBs (a replacement's new LBs count: the zone and
    // glue move to them before the old ones go).
    const lbLabels = new Set(input.loadBalancers.flatMap((l) => [l, l + input.nextSuffix]));
    const lbAddresses = new Set(live.filter((i) => lbLabels.has(i.label)).flatMap((i) => [i.publicIPv4, ...(i.privateIPv4 ? [i.privateIPv4] : [])]));
    for (const [name, addresses] of Object.entries(expected.addresses)) {
      if (addresses.length === 0) failures.push({ where: 'zone file', record: `${name}. A`, what: `NS name in the zone without an address in it (no glue possible)` });
      for (const a of addresses.filter((x) => !lbAddresses.has(x))) {
        failures.push({ where: 'zone file', record: `${name}. A`, what: `${a} is not the address of a live LB (${[...lbAddresses].join(', ') || 'none'})` });
      }
    }

    // 2. Every record through each LB and on each nameserver directly; the delegation at every
    //    parent. A probe that cannot run is a failure of that one target, not of the run.
    event(`probing ${targets.map((t) => `${t.kind === 'lb' ? 'through' : 'on'} ${t.instance.label}`).join(', ')}${input.parents.length ? `; delegation at ${input.parents.length} parent(s)` : ''}`);
    const [comparisons, delegations] = await Promise.all([
      Promise.all(targets.map((t) =>
        step(probe, t.kind === 'lb' ? `every record through ${t.instance.label}` : `every record on ${t.instance.label} (direct)`, 'compareZoneOnServer', {
          server: { address: t.address }, zone: { origin: input.domain, file: input.zoneFile }, transports: input.probe.transports, concurrency: input.probe.concurrency,
        }).catch((err: unknown) => {
          failures.push({ where: t.where, what: `probe did not run: ${reasonOf(err)}` });
          return undefined;
        }),
      )),
      Promise.all(input.parents.map((p) =>
        step(look, `delegation at ${p.address}`, 'readDelegation', { parent: p, domain: input.domain, transports: ['udp', 'tcp'] }).catch((err: unknown) => {
          failures.push({ where: `parent ${p.address}:${p.port}`, what: `delegation not read: ${reasonOf(err)}` });
          return undefined;
        }),
      )),
    ]);
    comparisons.forEach((c, i) => {
      if (!c) return;
      const t = targets[i];
      recordsChecked += c.recordsChecked;
      queriesSent += c.queriesSent;
      status.servers.push({ label: t.instance.label, kind: t.kind, address: t.address, recordsChecked: c.recordsChecked, queriesSent: c.queriesSent, differences: c.differences.length + c.differencesOmitted, nsids: c.nsids });
      failures.push(...comparisonFailures(t.where, c));
    });
    for (const r of delegations) {
      if (!r) continue;
      const judged = delegationFailures(r, expected, input.domain);
      status.parents.push({ parent: r.parent, ok: judged.failures.length === 0, detail: judged.detail });
      failures.push(...judged.failures);
    }
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
  const last = info.lastResult as MonitorResult | undefined;
  const failingSince = healthy ? undefined : (last && !last.healthy && last.failingSince) || checkedAt;
  const summary = healthy
    ? `${recordsChecked} records on ${status.servers.length} server(s)${status.parents.length ? ` and the delegation at ${status.parents.length} parent(s)` : ''} as the zone file says`
    : `${failures.length} failure(s): ${failures.slice(0, 3).map((f) => `${f.where}${f.record ? ` ${f.record}` : ''}: ${f.what}`).join('; ')}${failures.length > 3 ? '; …' : ''}`;
  event(healthy ? `ok: ${summary}` : `FAILING: ${summary}`);

  const result: MonitorResult = { healthy, checkedAt, recordsChecked, queriesSent, failures: status.failures, failuresOmitted: status.failuresOmitted, failingSince, status };
  const state = !healthy ? 'failing' : last && !last.healthy ? 'recovered' : undefined;
  if (!state) return result;

  // 4. The alert: on every failing run (until it is fixed), and once when it recovered.
  const alert: FleetAlert = {
    source: 'nsdeploy', state, fleet: input.fleet, domain: input.domain, checkedAt, failingSince: failingSince ?? last?.failingSince,
    summary, failures: status.failures, failuresOmitted: status.failuresOmitted, workflowId: info.workflowId, runId: info.runId, url: runUrl,
  };
  try {
    const sent = await step(alerting, `${state === 'failing' ? 'alert' : 'all clear'}: ${input.alert.webhookUrl ? (/^[a-z]+:\/\/[^/?#]+/i.exec(input.alert.webhookUrl)?.[0] ?? 'webhook') : input.alert.webhookUrlEnv ? `$${input.alert.webhookUrlEnv}` : 'log only'}`, 'sendAlert', {
      alert, webhookUrl: input.alert.webhookUrl, webhookUrlEnv: input.alert.webhookUrlEnv,
    });
    result.alert = { state, delivered: sent.delivered, detail: sent.detail };
    alertLine = `Alert (${state}): ${sent.delivered ? 'delivered' : 'not sent'} — ${sent.detail}`;
    event(alertLine);
    return result;
  } catch (err) {
    const why = reasonOf(err);
    result.alert = { state, delivered: false, detail: why };
    alertLine = `Alert (${state}) NOT delivered: ${why}`;
    event(alertLine);
    log.error('monitoring alert not delivered', { fleet: input.fleet, error: why });
    throw ApplicationFailure.nonRetryable(`fleet ${input.fleet} is ${state} and the alert was not delivered: ${why}`, 'AlertNotDelivered', result);
  }
}
