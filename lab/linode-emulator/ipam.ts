// IPv4 address pools for emulated instances. Defaults sit inside 198.18.0.0/15, a range set
// aside for benchmarking networks that is never routed, so a lab address can never reach or
// shadow a real host. Public addresses come from one pool; private ones from a pool per region,
// as Linode's private network is per data centre (the lab network keeps regions apart). An
// address stays allocated until its instance is deleted *and* the lab has torn its host down
// (the caller passes every address still in use), so it is never handed to two live hosts. A
// moving cursor delays reuse of freed addresses, which keeps stale SSH known_hosts entries
// from matching a new host.

export const DEFAULT_PUBLIC_CIDR = '198.18.1.0/24';
/** Private IPv4 ranges per region: every region of the catalogue has its own. */
export const DEFAULT_PRIVATE_CIDRS: Readonly<Record<string, string>> = {
  'us-east': '198.19.128.0/24',
  'eu-west': '198.19.129.0/24',
  'us-west': '198.19.130.0/24',
};

export function ipv4ToInt(address: string): number {
  const parts = address.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${address}`);
  return parts.reduce((acc, part) => {
    const n = Number(part);
    if (!/^\d{1,3}$/.test(part) || n > 255) throw new Error(`not an IPv4 address: ${address}`);
    return acc * 256 + n;
  }, 0);
}

export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export interface PoolAllocation {
  address: string;
  /** Where the next search starts; persist it with the state. */
  cursor: number;
}

export class AddressPool {
  readonly network: number;
  readonly prefix: number;
  private readonly size: number;

  /**
   * @param cidr e.g. 198.18.1.0/24 (prefix 8–30)
   * @param withGateway public pools reserve the first host address as the gateway, as
   *   Linode's public subnets do; private addresses have no gateway.
   */
  constructor(
    readonly cidr: string,
    readonly withGateway: boolean,
  ) {
    const match = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
    if (!match) throw new Error(`invalid CIDR ${cidr}: expected a.b.c.d/prefix`);
    this.prefix = Number(match[2]);
    if (this.prefix < 8 || this.prefix > 30) throw new Error(`invalid CIDR ${cidr}: prefix must be 8-30`);
    this.size = 2 ** (32 - this.prefix);
    const base = ipv4ToInt(match[1]);
    this.network = base - (base % this.size);
    if (this.network !== base) throw new Error(`invalid CIDR ${cidr}: host bits are set`);
  }

  get gateway(): string | null {
    return this.withGateway ? intToIpv4(this.network + 1) : null;
  }

  get subnetMask(): string {
    return intToIpv4(2 ** 32 - this.size);
  }

  /** Offsets inside the subnet that may be handed out (no network, gateway or broadcast). */
  private get firstHost(): number {
    return this.withGateway ? 2 : 1;
  }

  private get hostCount(): number {
    return this.size - 1 - this.firstHost;
  }

  contains(address: string): boolean {
    const n = ipv4ToInt(address);
    return n >= this.network && n < this.network + this.size;
  }

  overlaps(other: AddressPool): boolean {
    return this.network < other.network + other.size && other.network < this.network + this.size;
  }

  /** Next free address at or after `cursor` (wrapping), skipping everything in `inUse`. */
  allocate(inUse: ReadonlySet<string>, cursor: number): PoolAllocation {
    for (let i = 0; i < this.hostCount; i++) {
      const offset = this.firstHost + ((cursor + i) % this.hostCount);
      const address = intToIpv4(this.network + offset);
      if (!inUse.has(address)) {
        return { address, cursor: (cursor + i + 1) % this.hostCount };
      }
    }
    throw new Error(`address pool ${this.cidr} is exhausted (${this.hostCount} addresses in use)`);
  }
}

/** The public pool and one private pool per region. */
export class IpPools {
  readonly public: AddressPool;
  readonly private: Readonly<Record<string, AddressPool>>;

  /**
   * @param privateCidrs region → private range; every region in `regions` needs one, and no two
   *   ranges (public included) may overlap.
   */
  constructor(publicCidr: string, privateCidrs: Readonly<Record<string, string>>, regions: readonly string[]) {
    this.public = new AddressPool(publicCidr, true);
    const unknown = Object.keys(privateCidrs).filter((r) => !regions.includes(r));
    if (unknown.length > 0) throw new Error(`private range for unknown region ${unknown.join(', ')}`);
    const missing = regions.filter((r) => !privateCidrs[r]);
    if (missing.length > 0) throw new Error(`no private range for region ${missing.join(', ')}`);
    this.private = Object.fromEntries(regions.map((r) => [r, new AddressPool(privateCidrs[r], false)]));
    const all: [string, AddressPool][] = [['public', this.public], ...Object.entries(this.private)];
    for (const [i, [a, pa]] of all.entries())
      for (const [b, pb] of all.slice(i + 1))
        if (pa.overlaps(pb)) throw new Error(`address ranges overlap: ${a} ${pa.cidr} and ${b} ${pb.cidr}`);
  }

  /** The private pool of an instance's region. */
  privateFor(region: string): AddressPool {
    const pool = this.private[region];
    if (!pool) throw new Error(`no private address range for region ${region}`);
    return pool;
  }
}

/** "us-east=198.19.128.0/24" (the CLI's --private-cidr) → [region, cidr] */
export function parseRegionCidr(text: string): [string, string] {
  const m = /^([a-z0-9-]+)=(\S+)$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not REGION=CIDR (e.g. us-east=198.19.128.0/24)`);
  return [m[1], m[2]];
}

/** A lab IPv6 SLAAC address from the documentation range 2001:db8::/32, one per instance. */
export function slaacFor(id: number): string {
  return `2001:db8:0:1:f03c:91ff:fe${((id >>> 16) & 0xff).toString(16).padStart(2, '0')}:${(id & 0xffff).toString(16)}`;
}

export function linkLocalFor(id: number): string {
  return `fe80::f03c:91ff:fe${((id >>> 16) & 0xff).toString(16).padStart(2, '0')}:${(id & 0xffff).toString(16)}`;
}
