// The NS blue-green deploy: its input, phases, status and result.
import { defineQuery } from '@temporalio/workflow';
import type { ApprovalPolicy, ApprovalView } from './approval';
import type { FirewallSettings } from './firewall';
import type { HostRef, LbRef, ZoneRef } from './shape';
import { STATUS_QUERY, type HostView, type StatusBase } from './status';

/** Phases of a deploy, in order; also the value of the DeployPhase search attribute. */
export type DeployPhase =
  | 'preflight'
  | 'create'
  | 'configure'
  | 'gate'
  | 'approval'
  | 'cutover'
  | 'soak'
  | 'drain'
  | 'retire'
  | 'rename'
  | 'done'
  | 'planned'
  | 'rolling-back'
  | 'rolled-back'
  | 'failed';

/** Where the fleet's instances live and how they are reached; no secret, only env var names. */
export interface LinodeSettings {
  apiUrl?: string;
  tokenEnv: string;
  /** The region of a host that names none (and of every host in histories from before regions). */
  region: string;
  type: string;
  image: string;
  tags: string[];
}

/** How the worker reaches the hosts over SSH: paths only, never a key itself. */
export interface SshSettings {
  user: string;
  privateKeyFile: string;
  knownHostsFile: string;
}

export interface Transports {
  transports: ('udp' | 'tcp')[];
  concurrency: number;
}

/** What a zone check refuses: an RFC 2181 §10.3 violation (MX/NS target is a CNAME) is an error or a warning. */
export interface ZoneCheckPolicy {
  rfc2181: 'error' | 'warning';
}

export interface NsDeployPolicies {
  approval: ApprovalPolicy & { beforeCutover: boolean };
  /** Absent in histories from before the policy existed: then 'error'. */
  zoneChecks?: ZoneCheckPolicy;
  soakMs: number;
  /**
   * The first `canaryLbs` LBs are switched one at a time, each proven through before the next;
   * the others then together. Absent in histories from before it: every LB one at a time.
   */
  cutover?: { canaryLbs: number };
  /** How often the soak probes through the LBs. */
  soakProbeEveryMs?: number;
  gate: Transports;
  /** Longest wait for the old servers' query counters to stop rising. */
  oldServersMaxMs: number;
  /** Create → running, per new instance (default 15 min). */
  bootTimeoutMs?: number;
  /** Running → SSH answers with the pinned key, per new instance (default 5 min). */
  sshTimeoutMs?: number;
}

/** The fleet as every blue-green change receives it: its zones, hosts, and how to reach them. */
export interface FleetSpec {
  fleet: string;
  /** Every zone the fleet serves: every nameserver serves them all, every check asks them all. */
  zones: ZoneRef[];
  linode: LinodeSettings;
  ssh: SshSettings;
  nameservers: HostRef[];
  /** Each forwards to its `upstreams`; a replacement is made in its region and forwards alike. */
  loadBalancers: LbRef[];
  /** Suffix of the replacements' labels during a change ("-next"). */
  nextSuffix: string;
  /** Cloud Firewalls on every instance created (absent: none, as in histories from before them). */
  firewall?: FirewallSettings;
}

/** Everything the NS deploy needs, none of it secret (paths and env var names only). */
export interface NsDeployInput extends FleetSpec {
  policies: NsDeployPolicies;
  /** Run the read-only preflight and return the plan; change nothing. */
  dryRun?: boolean;
}

/** The input as histories from before several zones and regions recorded it: one zone, one region. */
export interface LegacyNsDeployInput extends Omit<NsDeployInput, 'zones' | 'nameservers' | 'loadBalancers'> {
  domain: string;
  zoneFile: string;
  nameservers: string[];
  loadBalancers: string[];
}

export interface DeployStatus extends StatusBase<DeployPhase> {
  /** The serial each zone will serve, old → new, once the plan is made. */
  zones?: { domain: string; serialBefore?: number; serialAfter: number; changes: number }[];
  oldServers: HostView[];
  newServers: HostView[];
  loadBalancers: HostView[];
  /** LBs whose upstreams point at the new servers. */
  switched: string[];
  approval?: ApprovalView;
}

export interface NsDeployResult {
  outcome: 'deployed' | 'planned' | 'rolled-back';
  status: DeployStatus;
  plan: string[];
}

export const deployStatusQuery = defineQuery<DeployStatus>(STATUS_QUERY);
