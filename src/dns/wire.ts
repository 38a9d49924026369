// Walking a DNS message's records without decoding them (RFC 1035 4.1.3, 4.1.4): where each
// record starts and what type it is, so that packet.ts decodes only the sections a check reads.
// Bounds are checked as dns-packet checks them when it decodes: a name or record that runs off
// the end of the message, a label of an unknown kind, or a compression pointer that does not
// point back, makes the message undecodable.

/** Offset just past the domain name at `offset`. */
export function skipName(buf: Buffer, offset: number): number {
  const start = offset;
  let length = 0;
  for (;;) {
    if (offset >= buf.length) throw new Error('Cannot decode name (buffer overflow)');
    const len = buf[offset];
    if (len === 0) return offset + 1;
    if ((len & 0xc0) === 0xc0) {
      if (offset + 2 > buf.length) throw new Error('Cannot decode name (buffer overflow)');
      if ((buf.readUInt16BE(offset) & 0x3fff) >= start) throw new Error('Cannot decode name (bad pointer)');
      return offset + 2;
    }
    if ((len & 0xc0) !== 0) throw new Error('Cannot decode name (bad label)');
    length += len + 1;
    if (length > 254) throw new Error('Cannot decode name (name too long)');
    offset += 1 + len;
  }
}

/** Offset just past a record whose type, class, TTL and length start at `fixed` (after its owner name). */
function endFrom(buf: Buffer, fixed: number): number {
  if (fixed + 10 > buf.length) throw new Error('record runs off the end of the message');
  const next = fixed + 10 + buf.readUInt16BE(fixed + 8);
  if (next > buf.length) throw new Error('record data runs off the end of the message');
  return next;
}

/** Offset just past the record at `offset` (no object made: this runs for every record). */
export function recordEnd(buf: Buffer, offset: number): number {
  return endFrom(buf, skipName(buf, offset));
}

/** The record at `offset`: its type number, where its fixed fields start, and the offset just past it. */
export function skipRecord(buf: Buffer, offset: number): { type: number; fixed: number; next: number } {
  const fixed = skipName(buf, offset);
  const next = endFrom(buf, fixed);
  return { type: buf.readUInt16BE(fixed), fixed, next };
}

const lower = (byte: number) => (byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte);

/**
 * Whether the question at `a[aAt]` and the one at `b[bAt]` are the same: the same labels, ASCII
 * letters in any case (RFC 4343), neither name compressed, then the same type and class.
 */
export function sameQuestion(a: Buffer, aAt: number, b: Buffer, bAt: number): boolean {
  for (;;) {
    const len = a[aAt];
    if (len === undefined || len !== b[bAt] || (len & 0xc0) !== 0) return false;
    if (aAt + len >= a.length || bAt + len >= b.length) return false;
    if (len === 0) break;
    for (let i = 1; i <= len; i++) if (lower(a[aAt + i]) !== lower(b[bAt + i])) return false;
    aAt += len + 1;
    bAt += len + 1;
  }
  if (aAt + 5 > a.length || bAt + 5 > b.length) return false;
  return a.readUInt32BE(aAt + 1) === b.readUInt32BE(bAt + 1);
}
