// Cloud Firewalls: the account's firewalls, their rules and devices (each device assigns the
// firewall to one Linode). Every change that alters what an instance's network lets through is
// handed to the lab (onNetworkChanged) before the request is answered. HTTP lives in routes/.
import { badRequest, notFound, type LinodeFieldError } from './errors';
import { firewallLabelProblem, readRules, throwIfErrors } from './firewallValidation';
import * as msg from './messages';
import type { FirewallRules, StateStore, StoredFirewall, StoredInstance } from './state';
import { linodeTimestamp } from './timestamps';
import type { LifecycleEngine } from './transitions';
import { asObject, FieldReader } from './validation';

type Device = StoredFirewall['devices'][number];

const byId = (raw: string): number => (/^\d+$/.test(raw) ? Number(raw) : NaN);

export class FirewallService {
  constructor(
    private readonly store: StateStore,
    private readonly engine: LifecycleEngine,
    private readonly now: () => number = Date.now,
  ) {}

  list(): StoredFirewall[] {
    return [...this.store.state.firewalls].sort((a, b) => a.id - b.id);
  }

  get(rawId: string): StoredFirewall {
    const firewall = this.store.state.firewalls.find((f) => f.id === byId(rawId));
    if (!firewall) throw notFound();
    return firewall;
  }

  /** The rules an instance's network enforces: those of the enabled firewall assigned to it. */
  rulesFor(linodeId: number): FirewallRules | null {
    const active = this.store.state.firewalls.find(
      (f) => f.status === 'enabled' && f.devices.some((d) => d.linodeId === linodeId),
    );
    return active ? active.rules : null;
  }

  async create(body: unknown): Promise<StoredFirewall> {
    const raw = asObject(body);
    const r = new FieldReader(raw);
    const label = this.readLabel(r);
    if (label === undefined && !r.has('label')) r.fail('label', msg.isRequired('label'));
    const tags = r.tags() ?? [];
    const rules = readRules(r.errors, raw.rules, 'rules');
    const linodeIds = this.readDeviceIds(r, raw.devices);
    throwIfErrors(r.errors);
    const at = linodeTimestamp(this.now());
    const state = this.store.state;
    const firewall: StoredFirewall = {
      id: state.nextFirewallId++,
      label: label as string,
      status: 'enabled',
      tags,
      created: at,
      updated: at,
      rules: rules as FirewallRules,
      rulesVersion: 1,
      devices: linodeIds.map((linodeId) => ({ id: state.nextFirewallDeviceId++, linodeId, created: at })),
    };
    state.firewalls.push(firewall);
    this.store.save();
    await this.changed(firewall);
    return firewall;
  }

  async update(rawId: string, body: unknown): Promise<StoredFirewall> {
    const firewall = this.get(rawId);
    const r = new FieldReader(asObject(body));
    const label = this.readLabel(r, firewall.id);
    const tags = r.tags();
    const status = r.string('status');
    if (status !== undefined && status !== 'enabled' && status !== 'disabled') r.fail('status', msg.STATUS_VALUES);
    if (status === 'enabled' && firewall.status !== 'enabled') {
      for (const d of firewall.devices) this.checkNoOtherActive(r, 'status', d.linodeId, firewall.id);
    }
    throwIfErrors(r.errors);
    if (label !== undefined) firewall.label = label;
    if (tags !== undefined) firewall.tags = tags;
    const statusChanged = status !== undefined && status !== firewall.status;
    if (status !== undefined) firewall.status = status as StoredFirewall['status'];
    firewall.updated = linodeTimestamp(this.now());
    this.store.save();
    if (statusChanged) await this.changed(firewall);
    return firewall;
  }

  /** Removes the firewall from every instance it was assigned to. */
  async delete(rawId: string): Promise<void> {
    const firewall = this.get(rawId);
    const state = this.store.state;
    state.firewalls = state.firewalls.filter((f) => f.id !== firewall.id);
    this.store.save();
    await this.changed(firewall);
  }

  async replaceRules(rawId: string, body: unknown): Promise<StoredFirewall> {
    const firewall = this.get(rawId);
    const errors: LinodeFieldError[] = [];
    const rules = readRules(errors, asObject(body), '');
    throwIfErrors(errors);
    firewall.rules = rules as FirewallRules;
    firewall.rulesVersion += 1;
    firewall.updated = linodeTimestamp(this.now());
    this.store.save();
    await this.changed(firewall);
    return firewall;
  }

  device(rawId: string, rawDeviceId: string): { firewall: StoredFirewall; device: Device } {
    const firewall = this.get(rawId);
    const device = firewall.devices.find((d) => d.id === byId(rawDeviceId));
    if (!device) throw notFound();
    return { firewall, device };
  }

  async addDevice(rawId: string, body: unknown): Promise<Device> {
    const firewall = this.get(rawId);
    const r = new FieldReader(asObject(body));
    const id = r.integer('id');
    const type = r.string('type');
    if (id === undefined && !r.has('id')) r.fail('id', msg.isRequired('id'));
    if (type === undefined && !r.has('type')) r.fail('type', msg.isRequired('type'));
    else if (type !== undefined && !['linode', 'nodebalancer', 'linode_interface'].includes(type))
      r.fail('type', msg.DEVICE_TYPES);
    else if (type !== undefined && type !== 'linode') r.fail('type', msg.DEVICE_TYPE_NOT_EMULATED);
    if (r.errors.length === 0 && id !== undefined) {
      if (!this.findInstance(id)) r.fail('id', msg.linodeNotFound(id));
      else if (firewall.devices.some((d) => d.linodeId === id)) r.fail('id', msg.DEVICE_EXISTS);
      else if (firewall.status === 'enabled') this.checkNoOtherActive(r, 'id', id, firewall.id);
    }
    throwIfErrors(r.errors);
    const at = linodeTimestamp(this.now());
    const device: Device = { id: this.store.state.nextFirewallDeviceId++, linodeId: id as number, created: at };
    firewall.devices.push(device);
    firewall.updated = at;
    this.store.save();
    await this.changed(firewall, [device.linodeId]);
    return device;
  }

  async removeDevice(rawId: string, rawDeviceId: string): Promise<void> {
    const { firewall, device } = this.device(rawId, rawDeviceId);
    firewall.devices = firewall.devices.filter((d) => d.id !== device.id);
    firewall.updated = linodeTimestamp(this.now());
    this.store.save();
    await this.changed(firewall, [device.linodeId]);
  }

  /** `firewall_id` of a Linode create: checked before the instance exists. */
  checkAssignable(firewallId: number): void {
    const firewall = this.store.state.firewalls.find((f) => f.id === firewallId);
    if (!firewall) throw badRequest([{ field: 'firewall_id', reason: msg.FIREWALL_NOT_FOUND }]);
  }

  /** `firewall_id` of a Linode create: the new instance gets a device (its host applies the rules at boot). */
  assignAtCreate(firewallId: number, linodeId: number): void {
    const firewall = this.store.state.firewalls.find((f) => f.id === firewallId);
    if (!firewall) return;
    const at = linodeTimestamp(this.now());
    firewall.devices.push({ id: this.store.state.nextFirewallDeviceId++, linodeId, created: at });
    this.store.save();
  }

  /** A deleted Linode leaves every firewall it was assigned to. */
  forgetLinode(linodeId: number): void {
    for (const f of this.store.state.firewalls) f.devices = f.devices.filter((d) => d.linodeId !== linodeId);
    this.store.save();
  }

  private findInstance(id: number): StoredInstance | undefined {
    return this.store.find(id);
  }

  private readLabel(r: FieldReader, exceptId?: number): string | undefined {
    const label = r.string('label');
    if (label === undefined) return undefined;
    const problem = firewallLabelProblem(label);
    if (problem) r.fail('label', problem);
    else if (this.store.state.firewalls.some((f) => f.id !== exceptId && f.label.toLowerCase() === label.toLowerCase()))
      r.fail('label', msg.FIREWALL_LABEL_NOT_UNIQUE);
    return label;
  }

  private readDeviceIds(r: FieldReader, raw: unknown): number[] {
    if (raw === undefined || raw === null) return [];
    if (typeof raw !== 'object' || Array.isArray(raw)) return r.fail('devices', msg.mustBe('an object')) ?? [];
    const devices = raw as Record<string, unknown>;
    for (const other of ['nodebalancers', 'linode_interfaces']) {
      const list = devices[other];
      if (Array.isArray(list) && list.length > 0) r.fail(`devices.${other}`, msg.DEVICE_TYPE_NOT_EMULATED);
    }
    const linodes = devices.linodes ?? [];
    if (!Array.isArray(linodes) || !linodes.every((id) => Number.isInteger(id))) {
      return r.fail('devices.linodes', msg.mustBe('an array of integers')) ?? [];
    }
    const ids = [...new Set(linodes as number[])];
    for (const id of ids) {
      if (!this.findInstance(id)) r.fail('devices.linodes', msg.linodeNotFound(id));
      else this.checkNoOtherActive(r, 'devices.linodes', id);
    }
    return ids;
  }

  /** The spec: a service has one active (enabled) firewall at a time. */
  private checkNoOtherActive(r: FieldReader, field: string, linodeId: number, exceptFirewallId?: number): void {
    const other = this.store.state.firewalls.some(
      (f) => f.id !== exceptFirewallId && f.status === 'enabled' && f.devices.some((d) => d.linodeId === linodeId),
    );
    if (other) r.fail(field, msg.ANOTHER_ACTIVE_FIREWALL);
  }

  /** Hands the instances concerned (by default all of the firewall's) to the lab. */
  private async changed(firewall: StoredFirewall, linodeIds = firewall.devices.map((d) => d.linodeId)): Promise<void> {
    const instances = linodeIds.flatMap((id) => this.findInstance(id) ?? []);
    await this.engine.networkChanged(instances);
  }
}
