// SOA serials (RFC 1982, SERIAL_BITS 32): their order, and the serial a zone is served with.
// The rule the deploy keeps (docs: "a serial that always rises"): the same content keeps its
// serial; changed content gets a serial above the one the live fleet serves; never 0.
import type { ZoneRecord } from './zone';

export const SERIAL_BITS = 32;
/** 2^32: serial arithmetic is modulo this. */
export const SERIAL_MODULUS = 2 ** SERIAL_BITS;
/** 2^31: two serials this far apart have no order (RFC 1982 §3.2). */
const HALF = 2 ** (SERIAL_BITS - 1);

/** A serial is an integer in 0 … 2^32 − 1. */
export function isSerial(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n < SERIAL_MODULUS;
}

function checkSerial(what: string, n: unknown): number {
  if (isSerial(n)) return n;
  throw new RangeError(`${what} ${String(n)} is not a SOA serial (an integer 0…${SERIAL_MODULUS - 1})`);
}

/**
 * RFC 1982 §3.2: a > b when (a < b and b − a > 2^31) or (a > b and a − b < 2^31). Equal serials
 * and serials exactly 2^31 apart are not greater either way.
 */
export function serialGreater(a: number, b: number): boolean {
  checkSerial('serial', a);
  checkSerial('serial', b);
  return (a < b && b - a > HALF) || (a > b && a - b < HALF);
}

/** `s + n` modulo 2^32 (RFC 1982 §3.1 allows 0 ≤ n ≤ 2^31 − 1). */
export function serialAdd(s: number, n: number): number {
  checkSerial('serial', s);
  if (!(Number.isInteger(n) && n >= 0 && n < HALF)) throw new RangeError(`cannot add ${n} to a serial`);
  return (s + n) % SERIAL_MODULUS;
}

/** A date-style serial YYYYMMDDnn whose YYYYMMDD is a real date (year 1000 or later). */
export function isDateSerial(s: number): boolean {
  if (!isSerial(s) || s < 1_000_000_000) return false;
  const day = Math.floor(s / 100);
  const [y, m, d] = [Math.floor(day / 10_000), Math.floor(day / 100) % 100, day % 100];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Today's YYYYMMDD00 (UTC). */
export function todaysDateSerial(now: Date): number {
  return Number(now.toISOString().slice(0, 10).replace(/-/g, '')) * 100;
}

/** The serial of the zone's SOA record (the apex's; the first one named-compilezone printed). */
export function soaSerial(records: ZoneRecord[]): number | undefined {
  const soa = records.find((r) => r.type === 'SOA');
  const field = soa?.rdata.trim().split(/\s+/)[2];
  const serial = field !== undefined && /^\d+$/.test(field) ? Number(field) : undefined;
  return isSerial(serial) ? serial : undefined;
}

export interface SerialChoiceInput {
  /** The serial the live servers serve (the highest); undefined when none serves the zone yet. */
  live?: number;
  /** The serial written in the zone file. */
  file: number;
  /** Whether the content to serve (the SOA serial left out) differs from what is served. */
  contentChanged: boolean;
  now: Date;
}

export interface SerialChoice {
  serial: number;
  /** Why, in one line. */
  note: string;
}

/** The next serial above `live`: today's YYYYMMDD00 for a date-style serial when that is higher; never 0. */
function nextAbove(live: number, now: Date): { serial: number; why: string } {
  const plusOne = serialAdd(live, 1);
  if (plusOne === 0) return { serial: 1, why: `1 (${live} + 1 wraps to 0, which is never served)` };
  if (isDateSerial(live)) {
    const today = todaysDateSerial(now);
    if (today > plusOne && serialGreater(today, live)) return { serial: today, why: `${today} (today's first)` };
  }
  return { serial: plusOne, why: String(plusOne) };
}

/**
 * The serial to serve: the file's when no server serves the zone yet; the live one when the
 * content is the same; otherwise the file's if it is above the live one (RFC 1982), else the next
 * serial above the live one (see nextAbove). Never 0.
 */
export function chooseSerial(input: SerialChoiceInput): SerialChoice {
  const file = checkSerial("the file's serial", input.file);
  if (input.live === undefined) {
    if (file === 0) return { serial: 1, note: `no server serves the zone yet; the file's serial is 0: serving 1` };
    return { serial: file, note: `no server serves the zone yet: serving the file's serial ${file}` };
  }
  const live = checkSerial('the served serial', input.live);
  if (!input.contentChanged) {
    const fileSays = file === live ? '' : ` (the file says ${file})`;
    return { serial: live, note: `same content as served: the same content keeps its serial ${live}${fileSays}` };
  }
  if (file !== 0 && serialGreater(file, live)) {
    return {
      serial: file,
      note: `content changed; the file's serial ${file} is above the served ${live}: serving ${file}`,
    };
  }
  let why = '';
  if (file === 0 && serialGreater(file, live)) why = ' (0 is never served)';
  else if (file !== live && !serialGreater(live, file)) why = ' (2^31 apart: RFC 1982 leaves their order undefined)';
  const next = nextAbove(live, input.now);
  return {
    serial: next.serial,
    note: `content changed; the file's serial ${file} is not above the served ${live}${why}: serving ${next.why}`,
  };
}
