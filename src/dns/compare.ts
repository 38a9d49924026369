// Compare every RRset of an expected zone with one server's answers, over each transport the
// caller asks for, with bounded concurrency: `concurrency` workers each ask one question at a
// time, and their queries share UDP sockets and pipelined TCP connections (many in flight on
// each) instead of a socket or connection per query.
import { checkAnswer, type CheckResult } from './check';
import { sortDifferences, type Difference, type SkippedCheck, type ZoneComparison } from './difference';
import { toWireName } from './names';
import { query as realQuery, serverLabel, type QueryFn } from './query';
import { groupRRsets, type ExpectedRRset } from './rrsets';
import { TcpConnectionPool } from './tcpPool';
import { UdpSocketPool } from './udpPool';
import type { DnsResponse, DnsServer, Question, QueryOptions, TransportMode } from './types';
import type { Zone } from './zone';

export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_TRANSPORTS: readonly TransportMode[] = ['udp', 'tcp'];

export interface CompareOptions {
  /** Each RRset is asked once per transport. Default ["udp", "tcp"]. */
  transports?: readonly TransportMode[];
  /** Queries in flight at most. Default 16. */
  concurrency?: number;
  /** Per-query settings (timeouts, attempts, RD, payload size); transport comes from `transports`. */
  query?: Omit<QueryOptions, 'transport' | 'tcpPool'>;
  /** Replaces the real query function (tests wrap it to count queries in flight). */
  queryFn?: QueryFn;
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

/**
 * Answers already found right, by RRset, so that the same answer over the next transport is not
 * decoded and judged again: an authoritative NOERROR answer (AA set, not truncated) whose
 * question and answer bytes equal those of an answer that had no difference decodes to the same
 * records, and checkAnswer gives it the same (empty) verdict. Anything else is judged in full.
 */
class JudgedAnswers {
  private readonly clean = new Map<ExpectedRRset, Buffer>();

  matchesClean(set: ExpectedRRset, res: DnsResponse): boolean {
    const bytes = this.clean.get(set);
    if (!bytes || !res.questionAndAnswerBytes || !JudgedAnswers.plainAuthoritative(res)) return false;
    return res.questionAndAnswerBytes.equals(bytes);
  }

  remember(set: ExpectedRRset, res: DnsResponse, result: CheckResult): void {
    if (set.role !== 'authoritative' || result.differences.length || result.skipped.length) return;
    if (res.questionAndAnswerBytes && JudgedAnswers.plainAuthoritative(res))
      this.clean.set(set, res.questionAndAnswerBytes);
  }

  private static plainAuthoritative(res: DnsResponse): boolean {
    return res.rcode === 'NOERROR' && res.flags.aa && !(res.flags.tc && res.transport === 'udp');
  }
}

interface Task {
  set: ExpectedRRset;
  /** One object per RRset, shared by its transports (query() keeps its encoding with it). */
  question: Question;
  transport: TransportMode;
}

export async function compareZone(
  server: DnsServer,
  zone: Zone,
  options: CompareOptions = {},
): Promise<ZoneComparison> {
  const started = Date.now();
  const transports = [...(options.transports ?? DEFAULT_TRANSPORTS)];
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  const doQuery = options.queryFn ?? realQuery;
  const label = serverLabel(server);

  const sets = rrsetsOf(zone);
  const differences: Difference[] = [];
  const skipped: SkippedCheck[] = [];
  const nsids = new Set<string>();
  let queriesSent = 0;
  let done = 0;

  const tasks: Task[] = [];
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
    const question: Question = { name: set.name, type: set.type, class: set.class };
    for (const transport of transports) tasks.push({ set, question, transport });
  }

  // Shared by every query of this comparison, all closed at the end: one UDP socket for all
  // UDP queries; TCP over at most `concurrency` connections, pipelined (RFC 7766), instead of
  // one per query each leaving a TIME_WAIT socket behind.
  const udpPool = new UdpSocketPool();
  const tcpPool = new TcpConnectionPool({ maxConnectionsPerServer: concurrency });
  const optionsFor: Record<TransportMode, QueryOptions> = {
    udp: { ...options.query, transport: 'udp', udpPool },
    tcp: { ...options.query, transport: 'tcp', tcpPool },
    auto: { ...options.query, transport: 'auto', udpPool, tcpPool },
  };
  const judged = new JudgedAnswers();
  const run = async ({ set, question, transport }: Task) => {
    queriesSent += 1;
    try {
      const res = await doQuery(server, question, optionsFor[transport]);
      if (res.nsid !== undefined) nsids.add(res.nsid);
      if (judged.matchesClean(set, res)) return;
      const result = checkAnswer(set, transport, res);
      differences.push(...result.differences);
      skipped.push(...result.skipped);
      judged.remember(set, res, result);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      differences.push({
        server: label,
        transport,
        name: set.name,
        type: set.type,
        kind: 'error',
        error: e.name,
        message: e.message,
      });
    } finally {
      done += 1;
      options.onProgress?.(done, tasks.length);
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < tasks.length && !options.signal?.aborted) await run(tasks[next++]);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  } finally {
    udpPool.close();
    tcpPool.close();
  }
  if (options.signal?.aborted)
    throw options.signal.reason instanceof Error ? options.signal.reason : new Error('zone comparison aborted');

  const sorted = sortDifferences(differences);
  return {
    server: label,
    origin: zone.origin,
    transports,
    ok: sorted.length === 0,
    recordsChecked: zone.records.length,
    rrsetsChecked: sets.length,
    queriesSent,
    differences: sorted,
    skipped: skipped.sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type)),
    nsids: [...nsids].sort(),
    durationMs: Date.now() - started,
  };
}
