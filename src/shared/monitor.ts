// Continuous monitoring: one run's input, what it found, its status, and the alert it sends.
import { defineQuery } from '@temporalio/workflow';
import type { Transports } from './nsDeploy';
import type { ZoneRef } from './shape';
import { STATUS_QUERY, type StatusBase } from './status';

/** Everything one monitoring run needs, none of it secret (names, paths, addresses, URLs). */
export interface MonitorInput {
  fleet: string;
  /** Every zone of the fleet, as the worker sees the files: what every server must answer. */
  zones: ZoneRef[];
  /** As listInstances takes it (the key paths are not used to list). */
  linode: { apiUrl?: string; tokenEnv: string; knownHostsFile: string; privateKeyFile: string };
  nameservers: string[];
  loadBalancers: string[];
  /** LBs labelled `<lb><nextSuffix>` (an LB replacement) are accepted as glue targets. */
  nextSuffix: string;
  /** Parent (TLD) servers whose delegation is checked; none: no delegation check. */
  parents: { address: string; port: number }[];
  probe: Transports;
  alert: {
    /** POSTed a JSON alert on failure (config `monitor.webhookUrl`). */
    webhookUrl?: string;
    /** Or: the environment variable on the worker that holds the URL (for URLs with a secret in them). */
    webhookUrlEnv?: string;
  };
  /** The schedule's interval (shown, and in the alert). */
  everyMs: number;
  /** For links to the run in alerts: the Web UI and the namespace. */
  webUi?: { url: string; namespace: string };
}

/** One thing found wrong, in one line: where, what, and the record (when it is about one). */
export interface MonitorFailure {
  /** "lb1 198.18.1.2", "ns1 198.19.0.5 (direct)", "parent 198.18.0.53:53", "fleet" */
  where: string;
  /** "mail.example.test A" */
  record?: string;
  what: string;
}

/** The input as schedules created before several zones carry it. */
export interface LegacyMonitorInput extends Omit<MonitorInput, 'zones'> {
  domain: string;
  zoneFile: string;
}

export interface MonitorServerView {
  label: string;
  kind: 'lb' | 'ns';
  address: string;
  recordsChecked: number;
  queriesSent: number;
  differences: number;
  nsids: string[];
}

export interface MonitorStatus extends StatusBase<'probing' | 'ok' | 'failing'> {
  /** The zones checked, with the serial their files say. */
  zones: { domain: string; serial?: number }[];
  servers: MonitorServerView[];
  parents: { parent: string; ok: boolean; detail: string }[];
  failures: MonitorFailure[];
  /** Failures beyond the ones listed (bounded, for history and the alert). */
  failuresOmitted: number;
}

export interface MonitorResult {
  healthy: boolean;
  checkedAt: string;
  /** RRsets × servers asked, queries sent. */
  recordsChecked: number;
  queriesSent: number;
  failures: MonitorFailure[];
  failuresOmitted: number;
  /** Since when the fleet has been failing (carried from run to run by the schedule). */
  failingSince?: string;
  alert?: { state: 'failing' | 'recovered'; delivered: boolean; detail: string };
  status: MonitorStatus;
}

/** The JSON an alert webhook receives. */
export interface FleetAlert {
  source: 'nsdeploy';
  state: 'failing' | 'recovered';
  fleet: string;
  /** The zones checked, comma-separated (see `zones`). */
  domain: string;
  zones: string[];
  checkedAt: string;
  failingSince?: string;
  summary: string;
  failures: MonitorFailure[];
  failuresOmitted: number;
  workflowId: string;
  runId: string;
  /** The run in the Web UI, when known. */
  url?: string;
}

export interface SendAlertInput {
  alert: FleetAlert;
  webhookUrl?: string;
  webhookUrlEnv?: string;
}

export interface SendAlertResult {
  delivered: boolean;
  /** "HTTP 200 from http://127.0.0.1:8790" or why nothing was sent. */
  detail: string;
}

export const monitorStatusQuery = defineQuery<MonitorStatus>(STATUS_QUERY);
