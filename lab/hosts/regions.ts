// Linode's private network stops at the data centre: an instance reaches the private addresses
// of instances in its own region only, while public addresses reach everywhere. The lab does
// the same on its one bridge: each host with a region gets a netdev table in the root network
// namespace, hooked on ingress of the host's end of its veth pair (what the host sends), that
// drops every packet to or from the other regions' private ranges. The drop is silent, like a
// packet lost in the network: a TCP connect times out, a UDP query gets no answer. The rules
// live outside the host, so nothing the host does (Ansible, nft flush ruleset) can lift them,
// and this machine (the worker, in the root namespace) still reaches every address.
import { ipv4ToNumber } from './addresses';
import type { LabConfig } from './paths';
import { vethAlias } from './paths';
import { run } from './run';

/** A host's place in the regions: its region and the private ranges it must not reach. */
export interface RegionIsolation {
  region: string;
  /** The other regions' private ranges (CIDRs), sorted. */
  unreachable: string[];
}

function checkCidr(cidr: string): string {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(cidr);
  const prefix = Number(m?.[2]);
  if (!m || prefix > 32) throw new Error(`"${cidr}" is not an IPv4 range a.b.c.d/prefix`);
  const size = 2 ** (32 - prefix);
  if (ipv4ToNumber(m[1]) % size !== 0) throw new Error(`private range "${cidr}" has host bits set`);
  return cidr;
}

/**
 * `privateRanges`: region → its private range, for every region of the lab. A host in `region`
 * may reach its own range only.
 */
export function regionIsolation(region: string, privateRanges: Record<string, string>): RegionIsolation {
  if (!privateRanges[region])
    throw new Error(`region ${region} has no private range (known: ${Object.keys(privateRanges).join(', ')})`);
  const unreachable = Object.entries(privateRanges)
    .filter(([r]) => r !== region)
    .map(([, cidr]) => checkCidr(cidr))
    .sort();
  return { region, unreachable };
}

/** The table's name in the root namespace (one per veth, so per host and lab). */
export const isolationTable = (veth: string) => `nsdeploy_lab_${veth}`;

/** Unlocked: installs (or replaces) the host's isolation table on its veth; none without ranges. */
export async function isolateHost(
  config: LabConfig,
  host: { label: string; veth: string; isolation?: RegionIsolation | null },
): Promise<void> {
  await unisolateHost(host);
  const ranges = host.isolation?.unreachable ?? [];
  if (ranges.length === 0) return;
  const set = `{ ${ranges.join(', ')} }`;
  // The comment tags the table like the veth's alias, so leftovers() finds it without the registry.
  const ruleset = `table netdev ${isolationTable(host.veth)} {
  comment "${vethAlias(config, host.label)} region ${host.isolation!.region}"
  chain from_host {
    type filter hook ingress device "${host.veth}" priority 0; policy accept;
    ip daddr ${set} drop
    ip saddr ${set} drop
  }
}
`;
  await run('nft', ['-f', '-'], { input: ruleset });
}

/** Unlocked: removes the host's isolation table, if any. */
export async function unisolateHost(host: { veth: string }): Promise<void> {
  const table = isolationTable(host.veth);
  const listed = await run('nft', ['list', 'table', 'netdev', table], { allowFailure: true });
  if (listed.exitCode === 0) await run('nft', ['delete', 'table', 'netdev', table]);
}

/** Isolation tables of this lab still in the root namespace ("nft table netdev …"). */
export async function isolationLeftovers(config: LabConfig): Promise<string[]> {
  const listed = await run('nft', ['list', 'tables', 'netdev'], { allowFailure: true });
  if (listed.exitCode !== 0) return [];
  const found: string[] = [];
  for (const line of listed.stdout.split('\n')) {
    const name = /^table netdev (nsdeploy_lab_\S+)/.exec(line.trim())?.[1];
    if (!name) continue;
    const table = await run('nft', ['list', 'table', 'netdev', name], { allowFailure: true });
    if (table.stdout.includes(`comment "${vethAlias(config, '')}`)) found.push(`nft table netdev ${name}`);
  }
  return found;
}
