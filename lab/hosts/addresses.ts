// Lab addresses stay inside 198.18.0.0/15 (RFC 2544 benchmarking range, never routed), so a lab
// host can never shadow or reach a real one. A lab's subnet is its bridge's address and prefix
// (default 198.18.0.1/15); a smaller subnet (e.g. 198.19.251.1/24 for a test run) can live
// next to the default lab, as the longer prefix wins in the root namespace's routing.
const RANGE_START = 0xc6120000; // 198.18.0.0
const RANGE_PREFIX = 15;

export interface LabSubnet {
  /** The bridge's own address. */
  address: string;
  prefix: number;
  network: number;
  size: number;
}

export function ipv4ToNumber(address: string): number {
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    throw new Error(`not an IPv4 address: "${address}"`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

function inBlock(n: number, network: number, size: number): boolean {
  return n > network && n < network + size - 1; // not the network or broadcast address
}

export function isLabAddress(address: string): boolean {
  return inBlock(ipv4ToNumber(address), RANGE_START, 2 ** (32 - RANGE_PREFIX));
}

/** "198.18.0.1/15" → the lab subnet, refusing anything outside 198.18.0.0/15. */
export function parseLabCidr(cidr: string): LabSubnet {
  const match = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
  const prefix = Number(match?.[2]);
  if (!match || prefix < RANGE_PREFIX || prefix > 30 || !isLabAddress(match[1])) {
    throw new Error(`lab bridge address "${cidr}" must be an address in 198.18.0.0/15 with a prefix of /15 to /30`);
  }
  const size = 2 ** (32 - prefix);
  const n = ipv4ToNumber(match[1]);
  const network = n - (n % size);
  if (!inBlock(n, network, size))
    throw new Error(`lab bridge address "${cidr}" is its subnet's network or broadcast address`);
  return { address: match[1], prefix, network, size };
}

/** Host addresses: in the lab subnet, not the bridge's, no duplicates. Returns them as "a.b.c.d/prefix". */
export function hostCidrs(addresses: string[], subnet: LabSubnet): string[] {
  if (addresses.length === 0) throw new Error('a lab host needs at least one address');
  if (new Set(addresses).size !== addresses.length)
    throw new Error(`duplicate lab host address in ${addresses.join(', ')}`);
  for (const a of addresses) {
    if (!inBlock(ipv4ToNumber(a), subnet.network, subnet.size)) {
      throw new Error(
        `lab host address ${a} is outside the lab subnet ${subnet.address}/${subnet.prefix} (or is its network/broadcast address)`,
      );
    }
    if (a === subnet.address) throw new Error(`lab host address ${a} is the lab bridge's own address`);
  }
  return addresses.map((a) => `${a}/${subnet.prefix}`);
}
