// Registrar input: "ns1.example.test=198.18.2.9[,addr…]" pairs and durations, checked against
// the delegations the registrar holds. Errors say what is wrong and what would be right.
import ms from 'ms';
import net from 'node:net';

export type GlueInput = Record<string, string | string[]>;

/** ["ns1.example.test=198.18.2.9", "ns2.example.test=198.18.2.10,2001:db8::10"] → GlueInput */
export function parseGlueArgs(args: string[]): GlueInput {
  const glue: Record<string, string[]> = {};
  for (const arg of args) {
    const m = /^([^=\s]+)=(\S+)$/.exec(arg);
    if (!m) throw new Error(`"${arg}" is not NAME=ADDRESS (e.g. ns1.example.test=198.18.2.9)`);
    glue[m[1]] = [...(glue[m[1]] ?? []), ...m[2].split(',')];
  }
  return glue;
}

const plain = (name: string) => name.trim().replace(/\.$/, '').toLowerCase();

/** The delegated zone a name lies below (the longest match), or undefined. */
export function zoneBelow(name: string, zones: string[]): string | undefined {
  return zones.filter((z) => plain(name).endsWith(`.${z}`)).sort((a, b) => b.length - a.length)[0];
}

/**
 * Normalises and checks new glue: every name below a delegated zone (`domain`, when given) and
 * already an NS name of a delegation (the registrar changes addresses, not NS sets), every
 * address a literal IPv4/IPv6.
 */
export function validateGlue(
  input: GlueInput,
  zones: Record<string, string[]>,
  domain?: string,
): Record<string, string[]> {
  const glue: Record<string, string[]> = {};
  const delegated = domain ? [plain(domain)] : Object.keys(zones).sort();
  for (const [rawName, rawAddresses] of Object.entries(input)) {
    const name = plain(rawName);
    const zone = zoneBelow(name, delegated);
    if (!zone) {
      throw new Error(
        `glue name ${rawName} is outside ${delegated.join(', ')}: a parent only holds glue for names below ` +
          `the delegated zone`,
      );
    }
    if (!Object.values(zones).some((ns) => ns.includes(name))) {
      const own = zones[zone] ?? [];
      throw new Error(
        `unknown name ${rawName}: ` +
          (own.length ? `the delegation of ${zone} has NS ${own.join(', ')}` : `${zone} is not delegated`),
      );
    }
    const addresses = (Array.isArray(rawAddresses) ? rawAddresses : [rawAddresses]).map((a) => a.trim());
    if (addresses.length === 0) throw new Error(`no address given for ${name}`);
    for (const a of addresses)
      if (!net.isIP(a)) throw new Error(`invalid address "${a}" for ${name}: must be an IPv4 or IPv6 address`);
    glue[name] = [...new Set(addresses.map((a) => (net.isIPv6(a) ? a.toLowerCase() : a)))].sort();
  }
  return glue;
}

/**
 * Checks a whole set of delegations under one TLD: each zone has NS names; a name below a
 * delegated zone has glue (the parent gives its address); a name inside the TLD but below no
 * delegated zone is refused (the parent would have to serve its address itself).
 */
export function checkDelegations(tld: string, zones: Record<string, string[]>, glue: Record<string, string[]>): void {
  const delegated = Object.keys(zones);
  for (const [zone, nameservers] of Object.entries(zones)) {
    if (zone.split('.').slice(1).join('.') !== tld) throw new Error(`${zone} is not a zone directly below ${tld}.`);
    if (nameservers.length === 0) throw new Error(`the delegation of ${zone} has no NS names`);
    for (const ns of nameservers) {
      const below = zoneBelow(ns, delegated);
      if (below && !glue[ns]) throw new Error(`NS ${ns} of ${zone} is inside ${below} and needs glue`);
      if (!below && (ns === tld || ns.endsWith(`.${tld}`)))
        throw new Error(
          `NS ${ns} of ${zone} is in ${tld}. but below no delegated zone: the parents cannot give its address`,
        );
    }
  }
  for (const name of Object.keys(glue))
    if (!Object.values(zones).some((ns) => ns.includes(name)))
      throw new Error(`glue for ${name}, which no delegation names as NS`);
}

/** "10s", "500ms", "2m"; a bare number is seconds. */
export function parseDurationMs(text: string, what: string): number {
  const value = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) * 1000 : ms(text.trim() as ms.StringValue);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new Error(`${what} "${text}" is not a duration such as 10s, 500ms or 2m`);
  return value;
}

export function checkTtl(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 2_147_483_647)
    throw new Error(`TTL ${seconds} must be a whole number of seconds (0 to 2147483647)`);
  return seconds;
}
