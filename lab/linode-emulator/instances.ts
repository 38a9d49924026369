// The account's instances: create, read, update, delete and the power actions, on top of
// the state store, the address pools and the lifecycle engine. HTTP lives in routes/.
import { randomBytes } from 'node:crypto';
import { findType } from './catalog';
import { linodeBusy, notFound } from './errors';
import type { FirewallService } from './firewalls';
import { type IpPools, slaacFor } from './ipam';
import { isTransitional, publicAddressesOf, type StateStore, type StoredInstance } from './state';
import { linodeTimestamp } from './timestamps';
import type { LifecycleEngine } from './transitions';
import { validateCreate, validateUpdate } from './validation';

export class InstanceService {
  /**
   * Secrets clients sent in creates (root passwords, user data), kept in memory only, newest
   * 200: the lab's secret scan looks for them in workflow histories.
   */
  readonly receivedSecrets: { rootPasswords: string[]; userData: string[] } = { rootPasswords: [], userData: [] };

  constructor(
    private readonly store: StateStore,
    private readonly engine: LifecycleEngine,
    private readonly pools: IpPools,
    private readonly firewalls: FirewallService,
    private readonly now: () => number = Date.now,
  ) {}

  readonly labelTaken = (label: string, exceptId?: number): boolean =>
    this.store.state.instances.some((i) => i.id !== exceptId && i.label.toLowerCase() === label.toLowerCase());

  list(): StoredInstance[] {
    return [...this.store.state.instances].sort((a, b) => a.id - b.id);
  }

  /** `rawId` straight from the URL: anything that isn't an existing ID is "Not found". */
  get(rawId: string): StoredInstance {
    const id = /^\d+$/.test(rawId) ? Number(rawId) : NaN;
    const instance = this.store.find(id);
    if (!instance) throw notFound();
    return instance;
  }

  create(body: unknown): StoredInstance {
    const request = validateCreate(body, this.labelTaken);
    if (request.firewall_id !== undefined) this.firewalls.checkAssignable(request.firewall_id);
    const keep = (list: string[], value: string | undefined) => {
      if (value) list.push(value);
      if (list.length > 200) list.shift();
    };
    keep(this.receivedSecrets.rootPasswords, request.root_pass);
    keep(
      this.receivedSecrets.userData,
      request.user_data ? Buffer.from(request.user_data, 'base64').toString('utf8') : undefined,
    );
    const state = this.store.state;
    const inUse = this.store.addressesInUse();
    const pub = this.pools.public.allocate(inUse, state.ipCursor.public);
    // Private addresses come from the region's own range: Linode's private network is per data centre.
    const priv = request.private_ip
      ? this.pools.privateFor(request.region).allocate(inUse, state.ipCursor.private[request.region] ?? 0)
      : undefined;
    state.ipCursor.public = pub.cursor;
    if (priv) state.ipCursor.private[request.region] = priv.cursor;

    const id = state.nextId++;
    const created = linodeTimestamp(this.now());
    const vcpus = findType(request.type)?.vcpus ?? 1;
    const instance: StoredInstance = {
      id,
      label: request.label ?? this.defaultLabel(id),
      group: request.group,
      tags: request.tags,
      region: request.region,
      type: request.type,
      image: request.image ?? null,
      status: 'provisioning',
      phaseEndsAt: null,
      bootAfterProvisioning: request.booted,
      created,
      updated: created,
      ipv4Public: pub.address,
      ipv4PublicExtra: [],
      ipv4Private: priv?.address ?? null,
      ipv4Shared: [],
      ipv6: slaacFor(id),
      hostUuid: randomBytes(20).toString('hex'),
      watchdogEnabled: true,
      // Linode's defaults: CPU alert at 90 % per core, the rest as documented.
      alerts: { cpu: 90 * vcpus, io: 10000, network_in: 10, network_out: 10, transfer_quota: 80 },
      userData: request.user_data ?? null,
    };
    state.instances.push(instance);
    if (request.firewall_id !== undefined) this.firewalls.assignAtCreate(request.firewall_id, id);
    this.engine.enter(instance, 'provisioning'); // saves
    return instance;
  }

  update(rawId: string, body: unknown): StoredInstance {
    const instance = this.get(rawId);
    const change = validateUpdate(body, instance.id, this.labelTaken);
    if (change.label !== undefined) instance.label = change.label;
    if (change.tags !== undefined) instance.tags = change.tags;
    if (change.group !== undefined) instance.group = change.group;
    if (change.watchdog_enabled !== undefined) instance.watchdogEnabled = change.watchdog_enabled;
    if (change.alerts) Object.assign(instance.alerts, change.alerts);
    instance.updated = linodeTimestamp(this.now());
    this.store.save();
    return instance;
  }

  /** The instance leaves the account at once; its addresses are freed once its host is gone. */
  delete(rawId: string): void {
    const instance = this.get(rawId);
    const state = this.store.state;
    state.instances = state.instances.filter((i) => i.id !== instance.id);
    state.pendingDeletions.push(instance);
    // Its addresses leave the account: no other Linode shares them any more.
    const gone = new Set(publicAddressesOf(instance));
    for (const other of state.instances) other.ipv4Shared = other.ipv4Shared.filter((a) => !gone.has(a));
    this.firewalls.forgetLinode(instance.id); // saves
    this.engine.deleted(instance);
  }

  /** Booting a running instance changes nothing, like the real API's idempotent boot. */
  boot(rawId: string): void {
    const instance = this.idle(rawId);
    if (instance.status === 'offline') this.engine.enter(instance, 'booting');
  }

  /** Rebooting an offline instance boots it. */
  reboot(rawId: string): void {
    const instance = this.idle(rawId);
    this.engine.enter(instance, instance.status === 'offline' ? 'booting' : 'rebooting');
  }

  shutdown(rawId: string): void {
    const instance = this.idle(rawId);
    if (instance.status === 'running') this.engine.enter(instance, 'shutting_down');
  }

  /** Delete everything (hooks included), then start from an empty account. */
  async reset(): Promise<void> {
    for (const instance of this.list()) this.delete(String(instance.id));
    await this.engine.idle();
    this.store.clear();
  }

  /** Power actions are refused while a transition is under way. */
  private idle(rawId: string): StoredInstance {
    const instance = this.get(rawId);
    if (isTransitional(instance.status)) throw linodeBusy();
    return instance;
  }

  private defaultLabel(id: number): string {
    let label = `linode${id}`;
    for (let n = 2; this.labelTaken(label); n++) label = `linode${id}-${n}`;
    return label;
  }
}
