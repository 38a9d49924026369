// The rules behind the changeWait update, checked directly (the workflow test covers the wiring).
import { formatDuration, parseDuration } from '../../src/shared/duration';
import { resolveNewEnd } from '../../src/workflows/lib/waitRules';

const H = 3600_000;
const start = Date.parse('2026-11-23T00:00:00Z');
const limits = { startedAtMs: start, currentEndMs: start + 48 * H, maxTotalMs: 30 * 24 * H };
const now = start + H;

test('extendBy and until move the end', () => {
  expect(resolveNewEnd({ extendBy: '12h' }, limits, now)).toBe(start + 60 * H);
  expect(resolveNewEnd({ until: '2026-11-26T00:00:00Z' }, limits, now)).toBe(start + 72 * H);
  expect(resolveNewEnd({ until: '2026-11-26T01:00:00+01:00' }, limits, now)).toBe(start + 72 * H);
});

test('shortening needs force, and force allows ending now', () => {
  expect(() => resolveNewEnd({ extendBy: '-1h' }, limits, now)).toThrow(
    /shorten the wait from 2026-11-25T00:00:00.000Z to 2026-11-24T23:00:00.000Z.*force: true/,
  );
  expect(resolveNewEnd({ extendBy: '-1h', force: true }, limits, now)).toBe(start + 47 * H);
  expect(resolveNewEnd({ until: '2026-11-23T00:30:00Z', force: true }, limits, now)).toBe(start + H / 2);
});

test('bad requests are refused with the field and the problem', () => {
  const cases: [unknown, RegExp][] = [
    [{}, /exactly one of extendBy/],
    [{ extendBy: '1h', until: '2026-11-26T00:00:00Z' }, /exactly one of/],
    [{ extendBy: 'soon' }, /extendBy: "soon" is not a duration/],
    [{ extendBy: 5 }, /extendBy: must be a duration string/],
    [{ extendBy: '0s' }, /extendBy: must not be zero/],
    [{ until: '2026-11-26' }, /until: "2026-11-26" is not an ISO 8601 time with a zone/],
    [{ until: '2026-11-26T00:00:00' }, /with a zone/],
    [{ until: '2026-11-25T00:00:00Z' }, /already ends at 2026-11-25T00:00:00.000Z/],
    [{ extendBy: '40d' }, /beyond the longest allowed wait of 30d from its start \(2026-12-23T00:00:00.000Z\)/],
    [{ extendBy: '1h', force: 'yes' }, /force: must be true or false/],
    [{ extendBy: '1h', reason: 'x'.repeat(501) }, /reason: must be text of at most 500/],
    [null, /request: expected an object/],
  ];
  for (const [req, message] of cases) {
    expect(() => resolveNewEnd(req as never, limits, now)).toThrow(message);
  }
});

test('an unforced end in the past is refused even when it is later than the current end', () => {
  const late = { ...limits, currentEndMs: start };
  expect(() => resolveNewEnd({ until: '2026-11-23T00:30:00Z' }, late, now)).toThrow(/is in the past/);
});

test('durations parse and print', () => {
  expect(parseDuration('2d', 'x')).toBe(48 * H);
  expect(parseDuration(' 90m ', 'x')).toBe(1.5 * H);
  expect(() => parseDuration('2 weeks and a bit', 'drain')).toThrow(/^drain: /);
  expect(formatDuration(2 * 24 * H + 3 * H + 60_000 + 5000)).toBe('2d 3h 1m 5s');
  expect(formatDuration(0)).toBe('0s');
  expect(formatDuration(-90 * 60_000)).toBe('-1h 30m');
});
