// A raw, answer-checking UDP load: one attempt per query (no retry), the answer compared with
// what the zone says. dnsperf counts lost queries; this counts wrong ones too. Bounded in count
// and time.
import { query } from '../../src/dns/query';

export interface CheckedLoadResult {
  server: string;
  sent: number;
  right: number;
  wrong: number;
  lost: number;
  samples: string[];
}

export function startCheckedLoad(o: {
  server: string;
  name: string;
  address: string;
  qps: number;
  maxQueries: number;
  maxMs: number;
}): { stop: () => Promise<CheckedLoadResult> } {
  const r: CheckedLoadResult = { server: o.server, sent: 0, right: 0, wrong: 0, lost: 0, samples: [] };
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  let stopped = false;
  const note = (s: string) => r.samples.length < 10 && r.samples.push(`${new Date().toISOString()} ${s}`);
  const one = async () => {
    try {
      const a = await query(
        { address: o.server, port: 53 },
        { name: o.name, type: 'A' },
        { transport: 'udp', attempts: 1, timeoutMs: 3000 },
      );
      if (a.rcode === 'NOERROR' && a.answers.some((x) => x.type === 'A' && x.data === o.address)) r.right++;
      else {
        r.wrong++;
        note(`wrong: ${a.rcode} ${JSON.stringify(a.answers.map((x) => x.data))}`);
      }
    } catch (err) {
      r.lost++;
      note(`lost: ${(err as Error).message}`);
    }
  };
  const loop = (async () => {
    while (!stopped && r.sent < o.maxQueries && Date.now() - started < o.maxMs) {
      r.sent++;
      const p = one();
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      await new Promise((res) => setTimeout(res, 1000 / o.qps));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      await Promise.all([...inFlight]);
      return r;
    },
  };
}
