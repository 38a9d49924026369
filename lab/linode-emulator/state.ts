// The emulator's whole account state and its persistence. Every change is written to a JSON
// file atomically (write a temp file, fsync, rename over the old one), so a crash leaves
// either the old or the new state, never half of one. Writes are synchronous: they are
// small, and it keeps their order equal to the order of changes.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

export const TRANSITIONAL_STATUSES = ['provisioning', 'booting', 'rebooting', 'shutting_down'] as const;
export const INSTANCE_STATUSES = [...TRANSITIONAL_STATUSES, 'running', 'offline'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];
export type TransitionalStatus = (typeof TRANSITIONAL_STATUSES)[number];

export const isTransitional = (status: InstanceStatus): status is TransitionalStatus =>
  (TRANSITIONAL_STATUSES as readonly string[]).includes(status);

const AlertsSchema = z.object({
  cpu: z.number().int(),
  io: z.number().int(),
  network_in: z.number().int(),
  network_out: z.number().int(),
  transfer_quota: z.number().int(),
});
export type Alerts = z.infer<typeof AlertsSchema>;

const StoredInstanceSchema = z.object({
  id: z.number().int(),
  label: z.string(),
  group: z.string(),
  tags: z.array(z.string()),
  region: z.string(),
  type: z.string(),
  image: z.string().nullable(),
  status: z.enum(INSTANCE_STATUSES),
  /** Epoch ms when the current transitional phase ends; null when the status is stable. */
  phaseEndsAt: z.number().nullable(),
  /** provisioning ends in booting (true) or offline (false: `booted: false` or no image). */
  bootAfterProvisioning: z.boolean(),
  created: z.string(),
  updated: z.string(),
  ipv4Public: z.string(),
  /** Further public IPv4 addresses, received through POST /networking/ips/assign. */
  ipv4PublicExtra: z.array(z.string()).default([]),
  ipv4Private: z.string().nullable(),
  /** Other instances' addresses shared with this one (POST /networking/ips/share). */
  ipv4Shared: z.array(z.string()).default([]),
  ipv6: z.string(),
  hostUuid: z.string(),
  watchdogEnabled: z.boolean(),
  alerts: AlertsSchema,
  /** metadata.user_data exactly as received (base64), handed to the lifecycle hook. */
  userData: z.string().nullable(),
});
export type StoredInstance = z.infer<typeof StoredInstanceSchema>;

/** The public IPv4 addresses an instance holds, its first one first. */
export const publicAddressesOf = (i: StoredInstance): string[] => [i.ipv4Public, ...i.ipv4PublicExtra];

const FirewallRuleSchema = z.object({
  action: z.enum(['ACCEPT', 'DROP']),
  protocol: z.enum(['TCP', 'UDP', 'ICMP', 'IPENCAP', 'ALL']),
  ports: z.string().optional(),
  addresses: z.object({ ipv4: z.array(z.string()).optional(), ipv6: z.array(z.string()).optional() }),
  label: z.string().optional(),
  description: z.string().optional(),
});
export type FirewallRule = z.infer<typeof FirewallRuleSchema>;

const FirewallRulesSchema = z.object({
  inbound: z.array(FirewallRuleSchema),
  inbound_policy: z.enum(['ACCEPT', 'DROP']),
  outbound: z.array(FirewallRuleSchema),
  outbound_policy: z.enum(['ACCEPT', 'DROP']),
});
export type FirewallRules = z.infer<typeof FirewallRulesSchema>;

const StoredFirewallSchema = z.object({
  id: z.number().int(),
  label: z.string(),
  status: z.enum(['enabled', 'disabled']),
  tags: z.array(z.string()),
  created: z.string(),
  updated: z.string(),
  rules: FirewallRulesSchema,
  /** Bumped on every rules update (the spec's `rules.version`). */
  rulesVersion: z.number().int(),
  /** Firewall devices: each assigns the firewall to one Linode. */
  devices: z.array(z.object({ id: z.number().int(), linodeId: z.number().int(), created: z.string() })),
});
export type StoredFirewall = z.infer<typeof StoredFirewallSchema>;

const EmulatorStateSchema = z.object({
  version: z.literal(1),
  nextId: z.number().int(),
  ipCursor: z.object({
    public: z.number().int(),
    /** Per region. A state file from before private ranges per region has one number: start over. */
    private: z
      .union([z.number().int(), z.record(z.string(), z.number().int())])
      .transform((v): Record<string, number> => (typeof v === 'number' ? {} : v)),
  }),
  instances: z.array(StoredInstanceSchema),
  /** Deleted instances whose onDeleted hook has not finished: their addresses stay taken. */
  pendingDeletions: z.array(StoredInstanceSchema),
  firewalls: z.array(StoredFirewallSchema).default([]),
  nextFirewallId: z.number().int().default(20_001),
  nextFirewallDeviceId: z.number().int().default(30_001),
});
export type EmulatorState = z.infer<typeof EmulatorStateSchema>;

export function emptyState(): EmulatorState {
  // IDs start high, like real Linode IDs, so tests can't confuse an ID with an index.
  return {
    version: 1,
    nextId: 10_000_001,
    ipCursor: { public: 0, private: {} },
    instances: [],
    pendingDeletions: [],
    firewalls: [],
    nextFirewallId: 20_001,
    nextFirewallDeviceId: 30_001,
  };
}

/** Holds the live state; `save()` after every change. Without a path nothing is written. */
export class StateStore {
  readonly state: EmulatorState;

  constructor(private readonly path?: string) {
    this.state = path && existsSync(path) ? StateStore.read(path) : emptyState();
  }

  private static read(path: string): EmulatorState {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`emulator state file ${path} is not valid JSON: ${(err as Error).message}`);
    }
    const parsed = EmulatorStateSchema.safeParse(raw);
    if (!parsed.success) {
      throw new Error(`emulator state file ${path} has an unexpected shape: ${z.prettifyError(parsed.error)}`);
    }
    return parsed.data;
  }

  save(): void {
    if (!this.path) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(this.state, null, 2));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.path);
  }

  /**
   * Replace everything with an empty account (admin reset). IDs keep counting up, as on a
   * real account, so a stale ID held by a test or workflow can never name a new instance.
   */
  clear(): void {
    const { nextId, nextFirewallId, nextFirewallDeviceId } = this.state;
    Object.assign(this.state, emptyState(), { nextId, nextFirewallId, nextFirewallDeviceId });
    this.save();
  }

  find(id: number): StoredInstance | undefined {
    return this.state.instances.find((i) => i.id === id);
  }

  /** Every IPv4 address held by an instance or by a host still being torn down. */
  addressesInUse(): Set<string> {
    const all = [...this.state.instances, ...this.state.pendingDeletions];
    return new Set(all.flatMap((i) => [...publicAddressesOf(i), ...(i.ipv4Private ? [i.ipv4Private] : [])]));
  }
}
