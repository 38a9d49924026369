// The bearer tokens clients sent, kept as SHA-256 digests (never the token itself) with a
// request count each, in memory only: a test can check that a worker serving several fleets
// sent this emulator only its own fleet's token, without the admin API ever showing a token.
import { createHash } from 'node:crypto';

export interface ReceivedToken {
  /** Hex SHA-256 of the token (the part after "Bearer "). */
  sha256: string;
  /** /v4 and /v4beta requests that carried it, whatever the answer (401 and faults included). */
  requests: number;
}

/** Distinct tokens remembered; beyond that the one seen first is forgotten. */
const MAX_TOKENS = 200;

export const tokenSha256 = (token: string): string => createHash('sha256').update(token).digest('hex');

export class ReceivedTokens {
  private readonly counts = new Map<string, number>();

  record(token: string): void {
    const sha256 = tokenSha256(token);
    this.counts.set(sha256, (this.counts.get(sha256) ?? 0) + 1);
    if (this.counts.size > MAX_TOKENS) this.counts.delete(this.counts.keys().next().value as string);
  }

  list(): ReceivedToken[] {
    return [...this.counts].map(([sha256, requests]) => ({ sha256, requests }));
  }
}
