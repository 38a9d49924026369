// Registrar input: "ns1.example.test=198.18.2.9[,addr…]" pairs and durations, checked against
// the delegation the registrar holds. Errors say what is wrong and what would be right.
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

/**
 * Normalises and checks new glue: every name below `domain` and already one of its NS names
 * (the registrar changes addresses, not the NS set), every address a literal IPv4/IPv6.
 */
export function validateGlue(input: GlueInput, domain: string, nameservers: string[]): Record<string, string[]> {
  const glue: Record<string, string[]> = {};
  for (const [rawName, rawAddresses] of Object.entries(input)) {
    const name = plain(rawName);
    if (!name.endsWith(`.${domain}`)) {
      throw new Error(
        `glue name ${rawName} is outside ${domain}: a parent only holds glue for names below the delegated zone`,
      );
    }
    if (!nameservers.includes(name))
      throw new Error(`unknown name ${rawName}: the delegation of ${domain} has NS ${nameservers.join(', ')}`);
    const addresses = (Array.isArray(rawAddresses) ? rawAddresses : [rawAddresses]).map((a) => a.trim());
    if (addresses.length === 0) throw new Error(`no address given for ${name}`);
    for (const a of addresses)
      if (!net.isIP(a)) throw new Error(`invalid address "${a}" for ${name}: must be an IPv4 or IPv6 address`);
    glue[name] = [...new Set(addresses.map((a) => (net.isIPv6(a) ? a.toLowerCase() : a)))].sort();
  }
  return glue;
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
