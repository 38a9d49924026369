// The memory of answers found right is bounded: past its size it starts again, and an answer
// it no longer holds is judged in full (no hit), never taken for right.
import type { CheckResult } from '../../src/dns/check';
import { JudgedAnswers } from '../../src/dns/judgedAnswers';
import type { ExpectedRRset } from '../../src/dns/rrsets';
import type { DnsResponse } from '../../src/dns/types';

const clean: CheckResult = { differences: [], skipped: [] };
const set = (i: number): ExpectedRRset => ({
  name: `h${i}.bound.test.`,
  type: 'A',
  class: 'IN',
  ttl: 300,
  rdata: [`192.0.2.${i}`],
  role: 'authoritative',
});
const answer = (i: number, aa = true) =>
  ({
    rcode: 'NOERROR',
    flags: { aa, tc: false },
    transport: 'udp',
    questionAndAnswerBytes: Buffer.from(`answer ${i}`),
  }) as unknown as DnsResponse;

test('at most `max` answers are kept; the oldest are forgotten, not trusted', () => {
  const judged = new JudgedAnswers(3);
  for (const i of [1, 2, 3]) judged.remember(set(i), answer(i), clean);
  expect(judged.size).toBe(3);
  expect(judged.matchesClean(set(1), answer(1))).toBe(true);
  judged.remember(set(4), answer(4), clean);
  expect(judged.size).toBe(1);
  expect(judged.matchesClean(set(1), answer(1))).toBe(false);
  expect(judged.matchesClean(set(4), answer(4))).toBe(true);
  expect(judged.hits).toBe(2);
});

test('only clean, authoritative answers are remembered, and only they match', () => {
  const judged = new JudgedAnswers();
  judged.remember(set(1), answer(1), { differences: [{ kind: 'ttl' } as never], skipped: [] });
  judged.remember(set(2), answer(2, false), clean);
  judged.remember({ ...set(3), role: 'glue', cut: 'bound.test.' }, answer(3), clean);
  expect(judged.size).toBe(0);
  judged.remember(set(5), answer(5), clean);
  // The same bytes without AA, or other bytes, are judged in full.
  expect(judged.matchesClean(set(5), answer(5, false))).toBe(false);
  expect(judged.matchesClean(set(5), answer(6))).toBe(false);
  expect(judged.matchesClean(set(5), answer(5))).toBe(true);
});
