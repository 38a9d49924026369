// RFC 1982 serial arithmetic and the serial a zone is served with: a serial that always rises.
import {
  chooseSerial,
  isDateSerial,
  serialAdd,
  serialGreater,
  soaSerial,
  todaysDateSerial,
} from '../../src/dns/serial';

const MAX = 2 ** 32 - 1;
const HALF = 2 ** 31;
const dec1 = new Date('2026-12-01T09:30:00Z');

describe('serialGreater (RFC 1982 §3.2)', () => {
  test('ordinary order, and equal serials are not greater', () => {
    expect(serialGreater(2026120101, 2026120100)).toBe(true);
    expect(serialGreater(2026120100, 2026120101)).toBe(false);
    expect(serialGreater(2026120100, 2026120100)).toBe(false);
    expect(serialGreater(0, 0)).toBe(false);
  });

  test('wrap at 2^32 − 1: small serials are above huge ones less than 2^31 behind', () => {
    expect(serialGreater(0, MAX)).toBe(true);
    expect(serialGreater(1, MAX)).toBe(true);
    expect(serialGreater(MAX, 0)).toBe(false);
    expect(serialGreater(5, MAX - 5)).toBe(true);
  });

  test('the 2^31 ambiguity: neither is greater; one step closer, order is defined', () => {
    expect(serialGreater(HALF, 0)).toBe(false);
    expect(serialGreater(0, HALF)).toBe(false);
    expect(serialGreater(100 + HALF, 100)).toBe(false);
    expect(serialGreater(100, 100 + HALF)).toBe(false);
    expect(serialGreater(HALF - 1, 0)).toBe(true);
    expect(serialGreater(HALF + 1, 0)).toBe(false);
    expect(serialGreater(0, HALF + 1)).toBe(true);
  });

  test('refuses what is not a serial', () => {
    expect(() => serialGreater(-1, 0)).toThrow(RangeError);
    expect(() => serialGreater(2 ** 32, 0)).toThrow(/not a SOA serial/);
    expect(() => serialGreater(1.5, 0)).toThrow(RangeError);
    expect(() => serialAdd(1, HALF)).toThrow(RangeError);
  });

  test('serialAdd wraps modulo 2^32', () => {
    expect(serialAdd(MAX, 1)).toBe(0);
    expect(serialAdd(MAX - 1, 3)).toBe(1);
    expect(serialAdd(7, HALF - 1)).toBe(7 + HALF - 1);
  });
});

test('date-style serials need a real date', () => {
  expect(isDateSerial(2026120100)).toBe(true);
  expect(isDateSerial(2024022999)).toBe(true); // leap day
  expect(isDateSerial(2026022900)).toBe(false);
  expect(isDateSerial(2026113100)).toBe(false); // 31 November
  expect(isDateSerial(2026130100)).toBe(false);
  expect(isDateSerial(12345)).toBe(false);
  expect(isDateSerial(MAX)).toBe(false);
  expect(todaysDateSerial(dec1)).toBe(2026120100);
  expect(todaysDateSerial(new Date('2026-12-31T23:59:59Z'))).toBe(2026123100);
});

test('soaSerial reads the SOA of canonical records', () => {
  const soa = (rdata: string) => [{ name: 'x.', ttl: 1, class: 'IN', type: 'SOA', rdata }];
  expect(soaSerial(soa('ns1.x. h.x. 2026120100 7200 900 1209600 300'))).toBe(2026120100);
  expect(soaSerial(soa('ns1.x. h.x. 4294967296 7200 900 1209600 300'))).toBeUndefined();
  expect(soaSerial([])).toBeUndefined();
});

describe('chooseSerial', () => {
  test('no live serial (zone not served yet) → the file’s', () => {
    expect(chooseSerial({ file: 2026112301, contentChanged: true, now: dec1 })).toEqual({
      serial: 2026112301,
      note: "no server serves the zone yet: serving the file's serial 2026112301",
    });
    expect(chooseSerial({ file: 0, contentChanged: true, now: dec1 }).serial).toBe(1);
  });

  test('the same content keeps its serial, whatever the file says', () => {
    expect(chooseSerial({ live: 2026120100, file: 2026120100, contentChanged: false, now: dec1 })).toEqual({
      serial: 2026120100,
      note: 'same content as served: the same content keeps its serial 2026120100',
    });
    const older = chooseSerial({ live: 2026120100, file: 2026112301, contentChanged: false, now: dec1 });
    expect(older).toEqual({
      serial: 2026120100,
      note: 'same content as served: the same content keeps its serial 2026120100 (the file says 2026112301)',
    });
    expect(chooseSerial({ live: 7, file: 2026120500, contentChanged: false, now: dec1 }).serial).toBe(7);
  });

  test('changed content, the file’s serial above the live one → the file’s', () => {
    expect(chooseSerial({ live: 2026120100, file: 2026120105, contentChanged: true, now: dec1 })).toEqual({
      serial: 2026120105,
      note: "content changed; the file's serial 2026120105 is above the served 2026120100: serving 2026120105",
    });
    // Above in RFC 1982 terms, across the wrap.
    expect(chooseSerial({ live: MAX - 2, file: 3, contentChanged: true, now: dec1 }).serial).toBe(3);
  });

  test('equal serials with changed content → the next one', () => {
    expect(chooseSerial({ live: 2026120100, file: 2026120100, contentChanged: true, now: dec1 })).toEqual({
      serial: 2026120101,
      note: "content changed; the file's serial 2026120100 is not above the served 2026120100: serving 2026120101",
    });
    expect(chooseSerial({ live: 41, file: 41, contentChanged: true, now: dec1 }).serial).toBe(42);
  });

  test("a date-style live serial from an earlier day moves to today's first", () => {
    const choice = chooseSerial({ live: 2026112301, file: 2026112301, contentChanged: true, now: dec1 });
    expect(choice).toEqual({
      serial: 2026120100,
      note: "content changed; the file's serial 2026112301 is not above the served 2026112301: serving 2026120100 (today's first)",
    });
  });

  test('date rollover: live 2026113099 on 2026-12-01 → 2026120100, not the invalid 2026113100', () => {
    expect(chooseSerial({ live: 2026113099, file: 2026113001, contentChanged: true, now: dec1 }).serial).toBe(
      2026120100,
    );
    // Already today: one up.
    expect(chooseSerial({ live: 2026120107, file: 2026120100, contentChanged: true, now: dec1 }).serial).toBe(
      2026120108,
    );
    // The 100th change of the day runs into tomorrow's number, still above: fine.
    expect(chooseSerial({ live: 2026120199, file: 1, contentChanged: true, now: dec1 }).serial).toBe(2026120200);
  });

  test('a live serial far above today goes up by one', () => {
    expect(chooseSerial({ live: 2099123199, file: 2026120100, contentChanged: true, now: dec1 }).serial).toBe(
      2099123200,
    );
    // Not date-style (not a real date): plain + 1 even when today's number would be higher.
    expect(chooseSerial({ live: 2026023000, file: 5, contentChanged: true, now: dec1 }).serial).toBe(2026023001);
    expect(chooseSerial({ live: 1234, file: 5, contentChanged: true, now: dec1 }).serial).toBe(1235);
  });

  test("today's number is used only when it is above the live serial in RFC 1982 terms", () => {
    // A clock 2^31 ahead: today's number is not "above" the live serial any more → live + 1.
    const farFuture = new Date('4000-01-01T00:00:00Z');
    expect(todaysDateSerial(farFuture) - 1000010100).toBeGreaterThan(HALF);
    expect(chooseSerial({ live: 1000010100, file: 1, contentChanged: true, now: farFuture }).serial).toBe(1000010101);
  });

  test('wrap at 2^32 − 1: the next serial is 1, never 0', () => {
    const choice = chooseSerial({ live: MAX, file: MAX, contentChanged: true, now: dec1 });
    expect(choice.serial).toBe(1);
    expect(choice.note).toBe(
      `content changed; the file's serial ${MAX} is not above the served ${MAX}: serving 1 (${MAX} + 1 wraps to 0, which is never served)`,
    );
    expect(serialGreater(choice.serial, MAX)).toBe(true);
    expect(chooseSerial({ live: MAX - 1, file: 2, contentChanged: true, now: dec1 }).serial).toBe(2);
    // The file's 0 is "above" a live serial just behind the wrap, but 0 is never served.
    const zero = chooseSerial({ live: MAX - 1, file: 0, contentChanged: true, now: dec1 });
    expect(zero.serial).toBe(MAX);
    expect(zero.note).toContain('(0 is never served)');
  });

  test('the 2^31 ambiguity: a file serial exactly 2^31 away is not above → live + 1', () => {
    const choice = chooseSerial({ live: 100, file: 100 + HALF, contentChanged: true, now: dec1 });
    expect(choice.serial).toBe(101);
    expect(choice.note).toContain('2^31 apart: RFC 1982 leaves their order undefined');
    // A file serial far behind the live one (more than 2^31 ahead numerically is "behind").
    expect(chooseSerial({ live: 100, file: 100 + HALF + 1, contentChanged: true, now: dec1 }).serial).toBe(101);
  });

  test('every choice for changed content is above the live serial', () => {
    const lives = [0, 1, 99, 2026113099, 2026120199, HALF - 1, HALF, HALF + 1, MAX - 1, MAX];
    const files = [0, 1, 2026120100, HALF, MAX];
    for (const live of lives)
      for (const file of files) {
        const { serial } = chooseSerial({ live, file, contentChanged: true, now: dec1 });
        expect([live, file, serial, serialGreater(serial, live)]).toEqual([live, file, serial, true]);
        expect(serial).not.toBe(0);
      }
  });

  test('refuses serials out of range', () => {
    expect(() => chooseSerial({ live: 2 ** 32, file: 1, contentChanged: true, now: dec1 })).toThrow(
      /served serial 4294967296 is not a SOA serial/,
    );
    expect(() => chooseSerial({ file: -3, contentChanged: true, now: dec1 })).toThrow(/file's serial -3/);
  });
});
