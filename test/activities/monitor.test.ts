// The monitor's activities: sendAlert against real local HTTP servers (the lab's alert receiver
// among them) — the POSTed JSON, non-2xx and unreachable webhooks as retryable failures, bad URLs
// as clear non-retryable ones, the error log line — and zoneDelegation on the lab's zone.
import { ApplicationFailure } from '@temporalio/common';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createMonitorActivities } from '../../src/activities/monitor';
import type { FleetAlert } from '../../src/shared';
import { createAlertServer, readAlerts } from '../../lab/alertReceiver';

const alert: FleetAlert = {
  source: 'nsdeploy',
  state: 'failing',
  fleet: 'lab',
  domain: 'example.test',
  zones: ['example.test'],
  checkedAt: '2026-11-23T12:00:00.000Z',
  failingSince: '2026-11-23T12:00:00.000Z',
  summary: '1 failure(s): ns1 198.19.128.4 (direct) mail.example.test. A: udp: data differs',
  failures: [
    {
      where: 'ns1 198.19.128.4 (direct)',
      record: 'mail.example.test. A',
      what: 'udp: data differs; expected only [198.18.2.25], served only [198.18.2.99]',
    },
  ],
  failuresOmitted: 0,
  workflowId: 'lab/monitor-2026-11-23T12:00:00Z',
  runId: 'r1',
};

interface Received {
  method?: string;
  url?: string;
  contentType?: string;
  body: string;
}
const servers: http.Server[] = [];
async function serve(
  handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void,
): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, contentType: req.headers['content-type'], body });
      handler(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/dns?token=s3cret`, received };
}
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A logger whose lines the test reads. */
function capturingLogger() {
  const lines: { level: number; msg: string; fleet?: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { logger, lines };
}

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

test('POSTs the alert as JSON and logs it at error level', async () => {
  const hook = await serve((_req, res) => res.writeHead(204).end());
  const { logger, lines } = capturingLogger();
  const result = await createMonitorActivities({ logger }).sendAlert({ alert, webhookUrl: hook.url });
  expect(result).toEqual({ delivered: true, detail: `HTTP 204 from ${new URL(hook.url).origin}` });
  expect(hook.received).toHaveLength(1);
  expect(hook.received[0]).toMatchObject({
    method: 'POST',
    url: '/hooks/dns?token=s3cret',
    contentType: 'application/json',
  });
  expect(JSON.parse(hook.received[0].body)).toEqual(alert);
  const error = lines.find((l) => l.level === 50)!;
  expect(error.msg).toMatch(/^fleet lab failing: 1 failure\(s\): .*mail\.example\.test\. A/);
  expect(error.fleet).toBe('lab');
});

test("a non-2xx answer is a retryable failure naming the status (and not the URL's secret path)", async () => {
  const hook = await serve((_req, res) => res.writeHead(503).end('maintenance'));
  const f = await failureOf(createMonitorActivities().sendAlert({ alert, webhookUrl: hook.url }));
  expect(f.nonRetryable).toBe(false);
  expect(f.type).toBe('WebhookFailed');
  expect(f.message).toBe(`webhook ${new URL(hook.url).origin} answered HTTP 503: maintenance`);
  expect(f.message).not.toContain('s3cret');
});

test('an unreachable or silent webhook is a retryable failure that says so', async () => {
  const closed = await serve(() => undefined);
  const port = new URL(closed.url).port;
  await new Promise((r) => servers.pop()!.close(r));
  const refused = await failureOf(
    createMonitorActivities().sendAlert({ alert, webhookUrl: `http://127.0.0.1:${port}/alerts` }),
  );
  expect(refused).toMatchObject({ nonRetryable: false, type: 'WebhookFailed' });
  expect(refused.message).toBe(`webhook http://127.0.0.1:${port} not reached: ECONNREFUSED`);

  const silent = await serve(() => undefined); // never answers
  const timedOut = await failureOf(
    createMonitorActivities({ webhookTimeoutMs: 300 }).sendAlert({ alert, webhookUrl: silent.url }),
  );
  expect(timedOut).toMatchObject({ nonRetryable: false, type: 'WebhookFailed' });
  expect(timedOut.message).toMatch(/not reached: no answer within 300 ms/);
});

test('a bad URL is a clear, non-retryable failure; no URL at all only logs', async () => {
  const acts = createMonitorActivities({ env: {} });
  const notUrl = await failureOf(acts.sendAlert({ alert, webhookUrl: 'hooks.example.com/alerts' }));
  expect(notUrl).toMatchObject({ nonRetryable: true, type: 'WebhookUrlInvalid' });
  expect(notUrl.message).toBe(
    'webhook URL "hooks.example.com/alerts" is not a URL (expected e.g. "https://hooks.example.com/alerts")',
  );
  const ftp = await failureOf(acts.sendAlert({ alert, webhookUrl: 'ftp://hooks.example.com/alerts' }));
  expect(ftp).toMatchObject({
    nonRetryable: true,
    type: 'WebhookUrlInvalid',
    message: 'webhook URL must be http(s), not ftp: (ftp://hooks.example.com)',
  });
  const noEnv = await failureOf(acts.sendAlert({ alert, webhookUrlEnv: 'ALERT_HOOK' }));
  expect(noEnv).toMatchObject({
    nonRetryable: true,
    message: "monitor.webhookUrlEnv: the worker's environment has no ALERT_HOOK; no alert was sent",
  });

  const { logger, lines } = capturingLogger();
  expect(await createMonitorActivities({ logger }).sendAlert({ alert })).toEqual({
    delivered: false,
    detail: 'no webhook configured (monitor.webhookUrl): logged only',
  });
  expect(lines.filter((l) => l.level === 50)).toHaveLength(1);
});

test("the URL may come from the worker's environment; the lab receiver appends each alert as one line", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-alerts-'));
  const file = path.join(dir, 'alerts.jsonl');
  const receiver = createAlertServer(file);
  servers.push(receiver);
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
  const acts = createMonitorActivities({ env: { ALERT_HOOK: url } });
  await acts.sendAlert({ alert, webhookUrlEnv: 'ALERT_HOOK' });
  await acts.sendAlert({ alert: { ...alert, state: 'recovered', failures: [] }, webhookUrlEnv: 'ALERT_HOOK' });
  expect(readAlerts(file)).toEqual([alert, { ...alert, state: 'recovered', failures: [] }]);
  expect(await (await fetch(url)).json()).toMatchObject({ alerts: 2 });
  fs.rmSync(dir, { recursive: true, force: true });
});

test('zoneDelegation: the apex NS names and their addresses in the zone file', async () => {
  const zoneFile = path.resolve(__dirname, '../../zones/example.test.zone');
  expect(await createMonitorActivities().zoneDelegation({ zoneFile, domain: 'example.test' })).toEqual({
    serial: 2026112301,
    nameservers: ['ns1.example.test', 'ns2.example.test'],
    addresses: { 'ns1.example.test': ['198.18.1.2'], 'ns2.example.test': ['198.18.1.3'] },
  });
  const bad = await failureOf(
    createMonitorActivities().zoneDelegation({ zoneFile: '/nonexistent.zone', domain: 'example.test' }),
  );
  expect(bad.type).toBe('ZoneLoadError');
});
