// Ask a list of RRsets of one server over each transport, `concurrency` questions in flight,
// and judge every answer: the loop compareZone runs on its own thread and on each helper thread
// (compareThreads.ts). Its queries share one UDP socket per server and a few pipelined TCP
// connections (RFC 7766) instead of a socket or connection per query.
import { checkAnswer, type CheckResult } from './check';
import type { Difference, SkippedCheck } from './difference';
import { query as realQuery, serverLabel, type QueryFn } from './query';
import type { ExpectedRRset } from './rrsets';
import { TcpConnectionPool } from './tcpPool';
import { UdpSocketPool } from './udpPool';
import type { DnsResponse, DnsServer, Question, QueryOptions, TransportMode } from './types';

/** Per-query settings of a comparison: plain data (a helper thread gets a copy). */
export type QuerySettings = Omit<QueryOptions, 'transport' | 'tcpPool' | 'udpPool'>;

export interface AskOptions {
  transports: readonly TransportMode[];
  concurrency: number;
  query?: QuerySettings;
  queryFn?: QueryFn;
  /** Called after each query. */
  onAnswered?: () => void;
  /** Stops starting new queries (those in flight finish). */
  signal?: AbortSignal;
}

/** What asking a list of RRsets found (plain data, so that it can come back from a thread). */
export interface AskResult {
  differences: Difference[];
  skipped: SkippedCheck[];
  nsids: string[];
  queriesSent: number;
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

export async function askSets(server: DnsServer, sets: ExpectedRRset[], options: AskOptions): Promise<AskResult> {
  const doQuery = options.queryFn ?? realQuery;
  const label = serverLabel(server);
  const differences: Difference[] = [];
  const skipped: SkippedCheck[] = [];
  const nsids = new Set<string>();
  let queriesSent = 0;

  const tasks: Task[] = [];
  for (const set of sets) {
    const question: Question = { name: set.name, type: set.type, class: set.class };
    for (const transport of options.transports) tasks.push({ set, question, transport });
  }

  // Shared by every query of this list, all closed at the end: one UDP socket for all UDP
  // queries; TCP over at most `concurrency` connections, pipelined (RFC 7766), instead of one
  // per query each leaving a TIME_WAIT socket behind.
  const udpPool = new UdpSocketPool();
  const tcpPool = new TcpConnectionPool({ maxConnectionsPerServer: options.concurrency });
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
      options.onAnswered?.();
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < tasks.length && !options.signal?.aborted) await run(tasks[next++]);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, tasks.length) }, worker));
  } finally {
    udpPool.close();
    tcpPool.close();
  }
  return { differences, skipped, nsids: [...nsids], queriesSent };
}
