// BIND's escaping of character-strings (TXT, SPF, HINFO, NAPTR, CAA values): printable ASCII
// as is, '"' and '\' with a backslash, every other byte as \DDD.

export function escapeCharString(bytes: Uint8Array): string {
  if (bytes.every((b) => b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c)) {
    // Nothing to escape (the usual TXT record): the bytes are the text.
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  }
  let out = '';
  for (const b of bytes) {
    if (b < 0x20 || b >= 0x7f) out += '\\' + String(b).padStart(3, '0');
    else if (b === 0x22 || b === 0x5c) out += '\\' + String.fromCharCode(b);
    else out += String.fromCharCode(b);
  }
  return out;
}

/** One character-string in quotes, as BIND prints it. */
export function quoteCharString(bytes: Uint8Array | string): string {
  return `"${escapeCharString(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes)}"`;
}

/** Split RFC 1035 <character-string>s out of raw RDATA (for types dns-packet leaves raw). */
export function splitCharStrings(rdata: Uint8Array): Buffer[] | undefined {
  const out: Buffer[] = [];
  let i = 0;
  while (i < rdata.length) {
    const len = rdata[i];
    if (i + 1 + len > rdata.length) return undefined;
    out.push(Buffer.from(rdata.subarray(i + 1, i + 1 + len)));
    i += 1 + len;
  }
  return out;
}
