// Message ids for queries: random (RFC 5452 §9.2, so that an off-path forger cannot guess
// them) and unique among the queries in flight on one socket or connection, which is what
// answers are matched by (RFC 7766 §7 for pipelined TCP). The CSPRNG is read in batches: one
// crypto call per query would cost more than encoding the query.
import crypto from 'node:crypto';

const batch = new Uint16Array(4096);
let next = batch.length;

export function randomId(): number {
  if (next === batch.length) {
    crypto.randomFillSync(batch);
    next = 0;
  }
  return batch[next++];
}

/** A random id that `inUse` does not hold (callers keep far fewer than 65 536 in flight). */
export function unusedId(inUse: { has(id: number): boolean }): number {
  for (;;) {
    const id = randomId();
    if (!inUse.has(id)) return id;
  }
}
