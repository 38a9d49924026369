// The delegation of a domain as one parent server serves it: RD=0 "<domain> NS" asked over each
// transport, the referral's NS RRset and the glue for those names. A transport that fails is a
// view with an error (a parent that is down must show, not crash the caller).
import { query as realQuery, serverLabel, type QueryFn } from './query';
import type { DecodedRecord } from './packet';
import type { DnsResponse, DnsServer, Transport } from './types';

export interface GlueRecord {
  /** Lower case, no trailing dot. */
  name: string;
  type: 'A' | 'AAAA';
  address: string;
  ttl: number;
}

export interface DelegationView {
  transport: Transport;
  /** NS names: lower case, no trailing dot, sorted. */
  nameservers: string[];
  /** TTL of the NS RRset (the lowest, should they differ). */
  nsTtl?: number;
  /** Addresses for the NS names from the additional section, sorted by name, type, address. */
  glue: GlueRecord[];
  /** The parent's rcode, when it answered. */
  rcode?: string;
  /** No usable answer: network failure, timeout, truncation, or no delegation in the answer. */
  error?: string;
}

export interface ReadDelegationResult {
  /** "198.18.0.53:53" */
  parent: string;
  views: DelegationView[];
  /** Every transport answered, with the same NS names and glue (TTLs aside). */
  agree: boolean;
}

export interface ReadDelegationOptions {
  transports?: Transport[];
  /** Time allowed per transport, all attempts included. Default 3000 ms. */
  timeoutMs?: number;
  queryFn?: QueryFn;
}

export const DELEGATION_DEFAULTS = { transports: ['udp', 'tcp'] as Transport[], timeoutMs: 3000 };

/** "Example.Test." → "example.test" */
export function plainName(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}

function ownedBy(domain: string) {
  return (r: DecodedRecord) => r.type === 'NS' && plainName(r.name) === domain;
}

const byGlue = (a: GlueRecord, b: GlueRecord) =>
  a.name.localeCompare(b.name) || a.type.localeCompare(b.type) || a.address.localeCompare(b.address);

/** The delegation in one answer: a referral (NS in authority) or, from the child itself, NS in the answer. */
export function delegationFromResponse(domain: string, res: DnsResponse): DelegationView {
  const zone = plainName(domain);
  const view: DelegationView = { transport: res.transport, nameservers: [], glue: [], rcode: res.rcode };
  if (res.udpTruncated && res.transport === 'udp') {
    return { ...view, error: `answer truncated over UDP (TC=1): resolvers retry over TCP` };
  }
  const nsRecords = [...res.answers.filter(ownedBy(zone)), ...res.authorities.filter(ownedBy(zone))];
  if (nsRecords.length === 0) {
    return {
      ...view,
      error: `no NS records for ${zone} in the answer (rcode ${res.rcode}, AA=${res.flags.aa ? 1 : 0})`,
    };
  }
  const nameservers = [...new Set(nsRecords.map((r) => plainName(String(r.data))))].sort();
  const glue = res.additionals
    .filter((r) => (r.type === 'A' || r.type === 'AAAA') && nameservers.includes(plainName(r.name)))
    .map((r) => ({ name: plainName(r.name), type: r.type as 'A' | 'AAAA', address: String(r.data), ttl: r.ttl }))
    .sort(byGlue);
  return { ...view, nameservers, nsTtl: Math.min(...nsRecords.map((r) => r.ttl)), glue };
}

/** Same NS names and glue addresses, TTLs not compared. */
function sameDelegation(a: DelegationView, b: DelegationView): boolean {
  const key = (v: DelegationView) => JSON.stringify([v.nameservers, v.glue.map((g) => [g.name, g.type, g.address])]);
  return key(a) === key(b);
}

export function viewsAgree(views: DelegationView[]): boolean {
  return views.length > 0 && views.every((v) => !v.error) && views.every((v) => sameDelegation(v, views[0]));
}

/** Asks the parent on every transport at once; never throws for a network failure. */
export async function readDelegation(
  parent: DnsServer,
  domain: string,
  options: ReadDelegationOptions = {},
): Promise<ReadDelegationResult> {
  const transports = options.transports ?? DELEGATION_DEFAULTS.transports;
  const timeoutMs = options.timeoutMs ?? DELEGATION_DEFAULTS.timeoutMs;
  const doQuery = options.queryFn ?? realQuery;
  const views = await Promise.all(
    transports.map(async (transport): Promise<DelegationView> => {
      try {
        // Two attempts within the budget: one lost UDP packet is not a failed parent.
        const res = await doQuery(
          parent,
          { name: domain, type: 'NS' },
          {
            transport,
            recursionDesired: false,
            timeoutMs: Math.max(1, Math.floor(timeoutMs / 2)),
            attempts: 2,
            totalTimeoutMs: timeoutMs,
            nsid: false,
          },
        );
        return delegationFromResponse(domain, res);
      } catch (err) {
        return { transport, nameservers: [], glue: [], error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
  return { parent: serverLabel(parent), views, agree: viewsAgree(views) };
}
