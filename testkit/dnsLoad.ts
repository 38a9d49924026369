// A bounded query load as DNS clients send it (UDP, a 2 s timeout, 3 tries, as stub resolvers
// do): a known name, and a fresh name per query (never cached, so through a resolver every one
// goes through the delegation to an LB). Bounded in count and time; counts every failure —
// a query that got no right answer after its retries.
import { query } from '../src/dns/query';

export interface DnsLoadOptions {
  /** A recursive resolver (recursion desired) or an authoritative server / LB (`authoritative: true`). */
  server: string;
  authoritative?: boolean;
  /** e.g. "example.test" */
  domain: string;
  /** Known name and the address it must resolve to. */
  known: { name: string; address: string };
  qps: number;
  maxQueries: number;
  maxMs: number;
}

export interface DnsLoadResult {
  sent: number;
  answered: number;
  failed: number;
  failures: string[];
  durationMs: number;
}

export function startDnsLoad(opts: DnsLoadOptions): {
  stop: () => Promise<DnsLoadResult>;
  progress: () => DnsLoadResult;
} {
  const started = Date.now();
  const result: DnsLoadResult = { sent: 0, answered: 0, failed: 0, failures: [], durationMs: 0 };
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  const fail = (what: string) => {
    result.failed++;
    if (result.failures.length < 20) result.failures.push(`${new Date().toISOString()} ${what}`);
  };
  const one = async (n: number) => {
    const fresh = n % 2 === 1;
    const name = fresh ? `q${n}-${started}.${opts.domain}` : opts.known.name;
    try {
      const r = await query(
        { address: opts.server, port: 53 },
        { name, type: 'A' },
        { recursionDesired: !opts.authoritative, timeoutMs: 2000, attempts: 3, transport: 'udp' },
      );
      const ok = fresh
        ? r.rcode === 'NXDOMAIN'
        : r.rcode === 'NOERROR' && r.answers.some((a) => a.type === 'A' && a.data === opts.known.address);
      if (ok) result.answered++;
      else fail(`${name}: ${r.rcode} ${JSON.stringify(r.answers.map((a) => a.data))}`);
    } catch (err) {
      fail(`${name}: ${(err as Error).message}`);
    }
  };
  const loop = (async () => {
    const every = 1000 / opts.qps;
    while (!stopped && result.sent < opts.maxQueries && Date.now() - started < opts.maxMs) {
      const p = one(result.sent++);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      await new Promise((r) => setTimeout(r, every));
    }
  })();
  const snapshot = () => ({ ...result, failures: [...result.failures], durationMs: Date.now() - started });
  return {
    progress: snapshot,
    stop: async () => {
      stopped = true;
      await loop;
      await Promise.all([...inFlight]);
      return snapshot();
    },
  };
}
