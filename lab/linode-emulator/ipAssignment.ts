// POST /networking/ips/assign and /networking/ips/share on the account's IPv4 addresses, with the
// spec's restrictions: one region (every address and Linode in it), only addresses the account
// holds, every Linode involved left with at least one public IPv4 and at most one private one,
// shared addresses never moved. An assignment is all or nothing; the lab moves the addresses
// between hosts (onNetworkChanged) before the request is answered.
import { findRegion } from './catalog';
import { badRequest } from './errors';
import * as msg from './messages';
import { publicAddressesOf, type StateStore, type StoredInstance } from './state';
import { linodeTimestamp } from './timestamps';
import type { LifecycleEngine } from './transitions';
import { asObject, FieldReader } from './validation';

interface Assignment {
  address: string;
  linodeId: number;
}

/** Where an instance's addresses end up: its public ones in order, and its private one. */
interface Layout {
  publics: string[];
  private: string | null;
}

const FIELD = 'assignments';

export class IpAssignmentService {
  constructor(
    private readonly store: StateStore,
    private readonly engine: LifecycleEngine,
    private readonly now: () => number = Date.now,
  ) {}

  /** The instance holding an IPv4 address (public or private), if any. */
  holderOf(address: string): StoredInstance | undefined {
    return this.store.state.instances.find((i) => publicAddressesOf(i).includes(address) || i.ipv4Private === address);
  }

  async assign(body: unknown): Promise<void> {
    const raw = asObject(body);
    const r = new FieldReader(raw);
    const region = r.string('region');
    if (region === undefined) r.fail('region', msg.isRequired('region'));
    else if (!findRegion(region)) r.fail('region', msg.REGION_NOT_VALID);
    const assignments = this.readAssignments(r, raw.assignments);
    if (r.errors.length > 0) throw badRequest(r.errors);

    const seen = new Set<string>();
    const shared = new Set(this.store.state.instances.flatMap((i) => i.ipv4Shared));
    for (const { address, linodeId } of assignments) {
      if (seen.has(address)) r.fail(FIELD, msg.addressTwice(address));
      seen.add(address);
      const holder = this.holderOf(address);
      const target = this.store.find(linodeId);
      if (!holder) r.fail(FIELD, msg.notYourAddress(address));
      else if (holder.region !== region) r.fail(FIELD, msg.addressNotInRegion(address, region as string));
      if (!target) r.fail(FIELD, msg.linodeNotFound(linodeId));
      else if (target.region !== region) r.fail(FIELD, msg.linodeNotInRegion(linodeId, region as string));
      if (shared.has(address)) r.fail(FIELD, msg.sharedCannotMove(address));
    }
    if (r.errors.length > 0) throw badRequest(r.errors);

    const layouts = this.layoutAfter(assignments);
    for (const [instance, layout] of layouts) {
      if (layout.publics.length === 0) r.fail(FIELD, msg.needsPublicIpv4(instance.id));
    }
    if (r.errors.length > 0) throw badRequest(r.errors);

    const at = linodeTimestamp(this.now());
    const changed: StoredInstance[] = [];
    for (const [instance, layout] of layouts) {
      const before = JSON.stringify([publicAddressesOf(instance), instance.ipv4Private]);
      // The first public address stays first while the instance keeps it.
      const first = layout.publics.includes(instance.ipv4Public) ? instance.ipv4Public : layout.publics[0];
      instance.ipv4Public = first;
      instance.ipv4PublicExtra = layout.publics.filter((a) => a !== first);
      instance.ipv4Private = layout.private;
      if (JSON.stringify([publicAddressesOf(instance), instance.ipv4Private]) !== before) {
        instance.updated = at;
        changed.push(instance);
      }
    }
    this.store.save();
    await this.engine.networkChanged(changed);
  }

  /** Sets the addresses of other Linodes (same region, public IPv4) that `linode_id` shares; [] stops sharing. */
  share(body: unknown): void {
    const r = new FieldReader(asObject(body));
    const linodeId = r.integer('linode_id');
    const ips = r.strings('ips');
    if (linodeId === undefined && !r.has('linode_id')) r.fail('linode_id', msg.isRequired('linode_id'));
    if (ips === undefined && !r.has('ips')) r.fail('ips', msg.isRequired('ips'));
    const target = linodeId === undefined ? undefined : this.store.find(linodeId);
    if (linodeId !== undefined && !target) r.fail('linode_id', msg.linodeNotFound(linodeId));
    for (const address of target ? (ips ?? []) : []) {
      const holder = this.holderOf(address);
      if (address.includes(':')) r.fail('ips', msg.IPV6_NOT_EMULATED);
      else if (!holder) r.fail('ips', msg.notYourAddress(address));
      else if (holder.id === target?.id) r.fail('ips', msg.SHARE_OWN_ADDRESS);
      else if (holder.region !== target?.region) r.fail('ips', msg.SHARE_SAME_REGION);
      else if (!publicAddressesOf(holder).includes(address)) r.fail('ips', msg.SHARE_PUBLIC_ONLY);
    }
    if (r.errors.length > 0) throw badRequest(r.errors);
    const instance = target as StoredInstance;
    instance.ipv4Shared = [...new Set(ips)];
    instance.updated = linodeTimestamp(this.now());
    this.store.save();
  }

  private readAssignments(r: FieldReader, raw: unknown): Assignment[] {
    if (raw === undefined || raw === null) return r.fail(FIELD, msg.ASSIGNMENTS_REQUIRED) ?? [];
    if (!Array.isArray(raw) || raw.length === 0) return r.fail(FIELD, msg.ASSIGNMENTS_REQUIRED) ?? [];
    const out: Assignment[] = [];
    raw.forEach((item: unknown, i) => {
      const a = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
      const { address, linode_id: linodeId } = a;
      if (typeof address !== 'string') r.fail(`${FIELD}[${i}].address`, msg.isRequired('address'));
      else if (address.includes(':')) r.fail(`${FIELD}[${i}].address`, msg.IPV6_NOT_EMULATED);
      if (typeof linodeId !== 'number' || !Number.isInteger(linodeId))
        r.fail(`${FIELD}[${i}].linode_id`, msg.isRequired('linode_id'));
      if (typeof address === 'string' && typeof linodeId === 'number') out.push({ address, linodeId });
    });
    return out;
  }

  /** Every instance an assignment touches (giving or receiving), with its addresses afterwards. */
  private layoutAfter(assignments: Assignment[]): Map<StoredInstance, Layout> {
    const layouts = new Map<StoredInstance, Layout>();
    const layoutOf = (i: StoredInstance): Layout => {
      let layout = layouts.get(i);
      if (!layout) layouts.set(i, (layout = { publics: publicAddressesOf(i), private: i.ipv4Private }));
      return layout;
    };
    const moves = assignments.map(({ address, linodeId }) => {
      const holder = this.holderOf(address) as StoredInstance;
      return {
        address,
        holder,
        target: this.store.find(linodeId) as StoredInstance,
        isPrivate: holder.ipv4Private === address,
      };
    });
    for (const { address, holder, isPrivate } of moves) {
      const layout = layoutOf(holder);
      if (isPrivate) layout.private = null;
      else layout.publics = layout.publics.filter((a) => a !== address);
    }
    for (const { address, target, isPrivate } of moves) {
      const layout = layoutOf(target);
      if (!isPrivate) layout.publics.push(address);
      else if (layout.private !== null) throw badRequest([{ field: FIELD, reason: msg.onePrivateIpv4(target.id) }]);
      else layout.private = address;
    }
    return layouts;
  }
}
