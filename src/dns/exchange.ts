// What the UDP and TCP transports share: the plan of one exchange (limits, how to judge a
// received message) and the mapping of socket errors to our typed errors.
import { DnsConnectionRefusedError, DnsNetworkError, errnoCode, type QueryContext } from './errors';
import type { DecodedMessage } from './packet';

/** Verdict on one received message: ours, or someone else's (wrong id / question). */
export type Verdict = { kind: 'answer'; message: DecodedMessage } | { kind: 'ignore'; reason: string };

export interface ExchangePlan {
  address: string;
  port: number;
  ctx: QueryContext;
  timeoutMs: number;
  attempts: number;
  /** Epoch ms after which no new attempt starts and running ones are cut short. */
  deadline: number;
  /** The query as sent with this message id (no TCP length prefix). */
  encode: (id: number) => Buffer;
  /**
   * Judges a received message that carries `id`, the id its query went out with; throws
   * DnsProtocolError for an answer that is ours but unusable.
   */
  judge: (message: Buffer, id: number) => Verdict;
}

export interface ExchangeResult {
  message: DecodedMessage;
  attempts: number;
  ignored: number;
}

export function socketError(ctx: QueryContext, err: unknown): Error {
  const code = errnoCode(err);
  if (code === 'ECONNREFUSED') return new DnsConnectionRefusedError(ctx);
  return new DnsNetworkError(ctx, err instanceof Error ? err.message : String(err), code);
}

/** The tail of a timeout message: why we stopped early, what we threw away. */
export function timeoutDetail(plan: ExchangePlan, attempts: number, ignored: number): string {
  const parts: string[] = [];
  if (attempts < plan.attempts) parts.push(`total time limit reached`);
  if (ignored > 0) parts.push(`ignored ${ignored} response${ignored === 1 ? '' : 's'} with a wrong id or question`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}
