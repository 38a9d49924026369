// Compare every RRset of an expected zone with one server's answers, over each transport the
// caller asks for, with at most `concurrency` queries in flight (askSets.ts asks and judges). A
// large zone is split between this thread and helper threads (compareThreads.ts): checking
// every answer costs more CPU than the server spends answering it.
import { askSets, type AskResult, type QuerySettings } from './askSets';
import { askInThread, MAX_HELPERS } from './compareThreads';
import { sortDifferences, type Difference, type SkippedCheck, type ZoneComparison } from './difference';
import { toWireName } from './names';
import { serverLabel, type QueryFn } from './query';
import { groupRRsets, type ExpectedRRset } from './rrsets';
import type { DnsServer, QueryOptions, TransportMode } from './types';
import type { Zone } from './zone';

export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_TRANSPORTS: readonly TransportMode[] = ['udp', 'tcp'];
/** A zone with fewer RRsets per thread than this is asked on this thread alone. */
export const MIN_RRSETS_PER_THREAD = 1000;

export interface CompareOptions {
  /** Each RRset is asked once per transport. Default ["udp", "tcp"]. */
  transports?: readonly TransportMode[];
  /** Queries in flight at most, over all threads. Default 16. */
  concurrency?: number;
  /** Per-query settings (timeouts, attempts, RD, payload size); transport comes from `transports`. */
  query?: Omit<QueryOptions, 'transport' | 'tcpPool'>;
  /** Replaces the real query function (tests wrap it to count queries in flight); no helper threads then. */
  queryFn?: QueryFn;
  /**
   * Threads to ask on, this one included, at most one per CPU (MAX_HELPERS + 1). Default: as many
   * as the zone fills with MIN_RRSETS_PER_THREAD RRsets each.
   */
  threads?: number;
  /** Called after each query with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Stops starting new queries; compareZone then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * A zone's RRsets, grouped once per zone object: a loaded zone is shared by every verification
 * of it (zoneCache.ts), and each RRset keeps its expected forms (check.ts) from one to the next.
 */
const rrsetsByZone = new WeakMap<Zone, ExpectedRRset[]>();
function rrsetsOf(zone: Zone): ExpectedRRset[] {
  let sets = rrsetsByZone.get(zone);
  if (!sets) rrsetsByZone.set(zone, (sets = groupRRsets(zone)));
  return sets;
}

/** Plain per-query settings (the pools are each thread's own). */
function withoutPool(query: CompareOptions['query']): QuerySettings | undefined {
  if (!query) return undefined;
  const { udpPool: _pool, ...settings } = query;
  return settings;
}

/** How many threads share the asking: never more than queries in flight or CPUs allow. */
function threadCount(options: CompareOptions, rrsets: number, concurrency: number): number {
  if (options.queryFn) return 1;
  const wanted = options.threads ?? Math.floor(rrsets / MIN_RRSETS_PER_THREAD);
  return Math.max(1, Math.min(Math.floor(wanted), MAX_HELPERS + 1, concurrency));
}

export async function compareZone(
  server: DnsServer,
  zone: Zone,
  options: CompareOptions = {},
): Promise<ZoneComparison> {
  const started = Date.now();
  const transports = [...(options.transports ?? DEFAULT_TRANSPORTS)];
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  const label = serverLabel(server);

  const sets = rrsetsOf(zone);
  const differences: Difference[] = [];
  const skipped: SkippedCheck[] = [];
  const askable: ExpectedRRset[] = [];
  for (const set of sets) {
    if (set.role === 'occluded') {
      skipped.push({ name: set.name, type: set.type, reason: `occluded by the delegation at ${set.cut ?? '?'}` });
      continue;
    }
    if (toWireName(set.name) === undefined) {
      for (const transport of transports) {
        differences.push({
          server: label,
          transport,
          name: set.name,
          type: set.type,
          kind: 'unsupported-name',
          detail: 'a label holds "." or non-UTF-8 bytes; dns-packet cannot ask for it',
        });
      }
      continue;
    }
    askable.push(set);
  }

  // Shares of the RRsets (every n-th, so each has a like mix of types) and of the concurrency.
  const threads = threadCount(options, askable.length, concurrency);
  const shares = Array.from({ length: threads }, (_, i) => ({
    sets: askable.filter((_, j) => j % threads === i),
    concurrency: Math.floor(concurrency / threads) + (i < concurrency % threads ? 1 : 0),
  }));
  const total = askable.length * transports.length;
  let done = 0;
  const answered = (n: number) => {
    done += n;
    options.onProgress?.(done, total);
  };
  const query = withoutPool(options.query);
  const results = await Promise.allSettled(
    shares.map((share, i) =>
      i === 0
        ? askSets(server, share.sets, {
            ...share,
            transports,
            query,
            queryFn: options.queryFn,
            signal: options.signal,
            onAnswered: () => answered(1),
          })
        : askInThread(
            { server: { address: server.address, port: server.port }, ...share, transports, query },
            { onAnswered: answered, signal: options.signal },
          ),
    ),
  );
  if (options.signal?.aborted)
    throw options.signal.reason instanceof Error ? options.signal.reason : new Error('zone comparison aborted');
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const found = results.map((r) => (r as PromiseFulfilledResult<AskResult>).value);

  const sorted = sortDifferences([...differences, ...found.flatMap((f) => f.differences)]);
  return {
    server: label,
    origin: zone.origin,
    transports,
    ok: sorted.length === 0,
    recordsChecked: zone.records.length,
    rrsetsChecked: sets.length,
    queriesSent: found.reduce((n, f) => n + f.queriesSent, 0),
    differences: sorted,
    skipped: [...skipped, ...found.flatMap((f) => f.skipped)].sort(
      (a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type),
    ),
    nsids: [...new Set(found.flatMap((f) => f.nsids))].sort(),
    durationMs: Date.now() - started,
  };
}
