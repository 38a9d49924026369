// The monitoring run's own activities: what the operator's zone file says the delegation must
// be (NS names and their addresses), and the alert — one error-level log line and a JSON POST
// to the webhook from the config. Everything else the run asks (fleet, records, parents) goes
// through the deploy's activities.
import { ApplicationFailure } from '@temporalio/common';
import { loadZoneOrFail } from './zone';
import type { Logger } from '../logger';
import type { SendAlertInput, SendAlertResult } from '../shared';

export interface MonitorDeps {
  logger?: Logger;
  /** Per POST, default 10 s. */
  webhookTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface ZoneDelegation {
  serial: number;
  /** The apex NS names: lower case, no trailing dot, sorted. */
  nameservers: string[];
  /** A/AAAA addresses of the NS names inside the zone (those need glue at the parent), sorted. */
  addresses: Record<string, string[]>;
}

const plain = (name: string) => name.replace(/\.$/, '').toLowerCase();

/** "http://host:port" of a URL: enough to say which webhook, without a secret in its path. */
const originOf = (url: URL) => url.origin;

export function createMonitorActivities(deps: MonitorDeps = {}) {
  const timeoutMs = deps.webhookTimeoutMs ?? 10_000;
  const env = deps.env ?? process.env;
  return {
    /** What the zone file says the delegation is: its apex NS names and their in-zone addresses. */
    async zoneDelegation(input: { zoneFile: string; domain: string }): Promise<ZoneDelegation> {
      const zone = await loadZoneOrFail(input.zoneFile, input.domain);
      const apex = plain(zone.origin);
      const soa = zone.records.find((r) => r.type === 'SOA');
      const nameservers = [
        ...new Set(zone.records.filter((r) => r.type === 'NS' && plain(r.name) === apex).map((r) => plain(r.rdata))),
      ].sort();
      const inZone = nameservers.filter((n) => n === apex || n.endsWith(`.${apex}`));
      const addresses = Object.fromEntries(
        inZone.map((n) => [
          n,
          zone.records
            .filter((r) => (r.type === 'A' || r.type === 'AAAA') && plain(r.name) === n)
            .map((r) => r.rdata.toLowerCase())
            .sort(),
        ]),
      );
      return { serial: Number(soa?.rdata.split(/\s+/)[2] ?? 0), nameservers, addresses };
    },

    /**
     * Raises (or clears) an alert: one log line (error level while failing), then a JSON POST to
     * the webhook if one is configured. A non-2xx answer or a network failure is retried by
     * Temporal; a URL that is not http(s) is not.
     */
    async sendAlert(input: SendAlertInput): Promise<SendAlertResult> {
      const { alert } = input;
      const fields = {
        fleet: alert.fleet,
        domain: alert.domain,
        state: alert.state,
        failures: alert.failures.length + alert.failuresOmitted,
        workflowId: alert.workflowId,
        url: alert.url,
        first: alert.failures.slice(0, 5),
      };
      if (alert.state === 'failing') deps.logger?.error(fields, `fleet ${alert.fleet} failing: ${alert.summary}`);
      else deps.logger?.info(fields, `fleet ${alert.fleet} recovered: ${alert.summary}`);

      let raw = input.webhookUrl;
      if (!raw && input.webhookUrlEnv) {
        raw = env[input.webhookUrlEnv];
        if (!raw)
          throw ApplicationFailure.nonRetryable(
            `monitor.webhookUrlEnv: the worker's environment has no ${input.webhookUrlEnv}; no alert was sent`,
            'WebhookUrlInvalid',
          );
      }
      if (!raw) return { delivered: false, detail: 'no webhook configured (monitor.webhookUrl): logged only' };
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw ApplicationFailure.nonRetryable(
          `webhook URL "${input.webhookUrlEnv ? `$${input.webhookUrlEnv}` : raw}" is not a URL ` +
            '(expected e.g. "https://hooks.example.com/alerts")',
          'WebhookUrlInvalid',
        );
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw ApplicationFailure.nonRetryable(
          `webhook URL must be http(s), not ${url.protocol} (${originOf(url)})`,
          'WebhookUrlInvalid',
        );
      }

      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'nsdeploy-monitor' },
          body: JSON.stringify(alert),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        const why =
          (err as Error).name === 'TimeoutError'
            ? `no answer within ${timeoutMs} ms`
            : (cause?.code ?? cause?.message ?? (err as Error).message);
        throw ApplicationFailure.retryable(`webhook ${originOf(url)} not reached: ${why}`, 'WebhookFailed');
      }
      const text = (await res.text().catch(() => '')).slice(0, 200);
      if (!res.ok)
        throw ApplicationFailure.retryable(
          `webhook ${originOf(url)} answered HTTP ${res.status}${text ? `: ${text}` : ''}`,
          'WebhookFailed',
        );
      deps.logger?.info(
        { fleet: alert.fleet, state: alert.state, status: res.status, webhook: originOf(url) },
        'alert delivered',
      );
      return { delivered: true, detail: `HTTP ${res.status} from ${originOf(url)}` };
    },
  };
}

export type MonitorActivities = ReturnType<typeof createMonitorActivities>;
