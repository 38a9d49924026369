// Answers already found right, so that the same answer is not decoded and judged again: an
// authoritative NOERROR answer (AA set, not truncated) whose question and answer bytes equal
// those of an answer that had no difference, for an RRset expected exactly alike, decodes to the
// same records, and checkAnswer gives it the same (empty) verdict: its verdict reads nothing else
// (check.ts). Anything else is judged in full.
// One memory per thread, shared by every comparison on it: the same RRset over the other
// transport, and on the next server (a gate asks 20 new servers the same 10 000 questions).
// Keyed by what is expected, not by the RRset object, since a helper thread gets copies.
import type { CheckResult } from './check';
import type { ExpectedRRset } from './rrsets';
import type { DnsResponse } from './types';

/** Clean answers kept at most; beyond, it starts again (a bound on memory, not a policy). */
export const MAX_CLEAN_ANSWERS = 50_000;

export class JudgedAnswers {
  private readonly clean = new Map<string, Buffer>();
  private readonly keys = new WeakMap<ExpectedRRset, string>();
  /** Answers accepted without being judged again, so far. */
  hits = 0;

  constructor(private readonly max = MAX_CLEAN_ANSWERS) {}

  get size(): number {
    return this.clean.size;
  }

  matchesClean(set: ExpectedRRset, res: DnsResponse): boolean {
    if (set.role !== 'authoritative' || !res.questionAndAnswerBytes || !plainAuthoritative(res)) return false;
    const bytes = this.clean.get(this.keyOf(set));
    if (bytes === undefined || !res.questionAndAnswerBytes.equals(bytes)) return false;
    this.hits += 1;
    return true;
  }

  remember(set: ExpectedRRset, res: DnsResponse, result: CheckResult): void {
    if (set.role !== 'authoritative' || result.differences.length || result.skipped.length) return;
    if (!res.questionAndAnswerBytes || !plainAuthoritative(res)) return;
    if (this.clean.size >= this.max) this.clean.clear();
    // A copy: the bytes are a view of the whole message, which should not stay alive with them.
    this.clean.set(this.keyOf(set), Buffer.from(res.questionAndAnswerBytes));
  }

  /** Everything checkAnswer compares an authoritative answer with. */
  private keyOf(set: ExpectedRRset): string {
    let key = this.keys.get(set);
    if (key === undefined) {
      key = JSON.stringify([set.name, set.type, set.class, set.ttl, set.rdata]);
      this.keys.set(set, key);
    }
    return key;
  }
}

function plainAuthoritative(res: DnsResponse): boolean {
  return res.rcode === 'NOERROR' && res.flags.aa && !(res.flags.tc && res.transport === 'udp');
}

/** This thread's: every comparison on it shares what was found right. */
export const judgedAnswers = new JudgedAnswers();
