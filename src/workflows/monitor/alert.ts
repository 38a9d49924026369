// The alert of a monitoring run: sent on every failing run (until it is fixed), and once when
// the fleet recovered; a webhook that cannot be reached fails the run so that it shows.
import { ApplicationFailure, log, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { FleetAlert, MonitorInput, MonitorResult } from '../../shared';
import { reasonOf } from '../lib/failures';
import { step } from '../lib/steps';
import type { MonitorTracker } from './tracker';

const alerting: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
};

/** Where the alert goes, for the Web UI summary: the webhook's origin, the env var, or the log. */
function destination(alert: MonitorInput['alert']): string {
  if (alert.webhookUrl) return /^[a-z]+:\/\/[^/?#]+/i.exec(alert.webhookUrl)?.[0] ?? 'webhook';
  return alert.webhookUrlEnv ? `$${alert.webhookUrlEnv}` : 'log only';
}

export async function sendAlert(
  t: MonitorTracker,
  input: MonitorInput,
  result: MonitorResult,
  alert: FleetAlert,
): Promise<MonitorResult> {
  const { state } = alert;
  try {
    const summary = `${state === 'failing' ? 'alert' : 'all clear'}: ${destination(input.alert)}`;
    const { webhookUrl, webhookUrlEnv } = input.alert;
    const sent = await step(alerting, summary, 'sendAlert', { alert, webhookUrl, webhookUrlEnv });
    result.alert = { state, delivered: sent.delivered, detail: sent.detail };
    t.alertLine = `Alert (${state}): ${sent.delivered ? 'delivered' : 'not sent'} — ${sent.detail}`;
    t.event(t.alertLine);
    return result;
  } catch (err) {
    const why = reasonOf(err);
    result.alert = { state, delivered: false, detail: why };
    t.alertLine = `Alert (${state}) NOT delivered: ${why}`;
    t.event(t.alertLine);
    log.error('monitoring alert not delivered', { fleet: input.fleet, error: why });
    const message = `fleet ${input.fleet} is ${state} and the alert was not delivered: ${why}`;
    throw ApplicationFailure.nonRetryable(message, 'AlertNotDelivered', result);
  }
}

/** A link to this run in the Web UI, when its address is known. */
export function runUrl(input: MonitorInput): string | undefined {
  if (!input.webUi) return undefined;
  const { workflowId, runId } = workflowInfo();
  const ns = encodeURIComponent(input.webUi.namespace);
  return `${input.webUi.url}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}/${runId}`;
}
