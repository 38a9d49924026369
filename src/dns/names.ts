// Domain names in BIND's presentation form, and their conversion to and from the plain
// strings dns-packet uses on the wire side (labels joined by ".", no escapes, UTF-8).
//
// dns-packet cannot carry a label that contains "." (it splits on dots) nor bytes that are
// not valid UTF-8; such names are reported as unsupported instead of being guessed at.

/** Characters BIND escapes with a backslash inside a label (dns_name_totext). */
const SPECIAL = new Set(['"', '(', ')', '.', ';', '\\', '@', '$']);

/** Characters printed as they are (printable ASCII other than SPECIAL); "." separates labels. */
const PLAIN_NAME = /^[!#%&'*+,\-./0-9:<=>?A-Z[\]^_`a-z{|}~]*$/;
/** Printable ASCII without a backslash: a presentation name whose labels are its plain text. */
const UNESCAPED = /^[\x20-\x5b\x5d-\x7e]*$/;

/** Escape one label (given as bytes) the way BIND prints it. */
export function escapeLabel(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    if (b <= 0x20 || b >= 0x7f) out += '\\' + String(b).padStart(3, '0');
    else if (SPECIAL.has(ch)) out += '\\' + ch;
    else out += ch;
  }
  return out;
}

/**
 * A name decoded by dns-packet → BIND presentation, absolute with the trailing dot.
 * `mail` names (SOA RNAME) come from dns-packet with a dot inside the first label already
 * escaped as "\.".
 */
export function presentName(decoded: string, opts: { mail?: boolean } = {}): string {
  if (decoded === '.' || decoded === '') return '.';
  // Nothing to escape (nearly every name): the common case costs one regular expression test.
  if (PLAIN_NAME.test(decoded)) return decoded + '.';
  const labels = opts.mail ? decoded.split(/(?<!\\)\./).map((l) => l.replace(/\\\./g, '.')) : decoded.split('.');
  return labels.map((l) => escapeLabel(Buffer.from(l, 'utf8'))).join('.') + '.';
}

/** Presentation name → its labels as bytes. Throws on a malformed escape. */
export function parseName(presentation: string): Buffer[] {
  const text = presentation.endsWith('.') && !presentation.endsWith('\\.') ? presentation.slice(0, -1) : presentation;
  if (text === '') return [];
  const labels: Buffer[] = [];
  let current: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      const digits = text.slice(i + 1, i + 4);
      if (/^\d{3}$/.test(digits)) {
        const value = Number(digits);
        if (value > 255) throw new Error(`bad escape \\${digits} in name ${presentation}`);
        current.push(value);
        i += 3;
      } else if (i + 1 < text.length) {
        current.push(...Buffer.from(text[i + 1], 'utf8'));
        i += 1;
      } else {
        throw new Error(`name ${presentation} ends in a lone backslash`);
      }
    } else if (ch === '.') {
      labels.push(Buffer.from(current));
      current = [];
    } else {
      current.push(...Buffer.from(ch, 'utf8'));
    }
  }
  labels.push(Buffer.from(current));
  return labels;
}

/**
 * Presentation name → the string dns-packet encodes, or undefined when dns-packet cannot
 * represent it (a "." inside a label, or bytes that are not UTF-8).
 */
export function toWireName(presentation: string): string | undefined {
  if (UNESCAPED.test(presentation)) {
    const text = presentation.endsWith('.') ? presentation.slice(0, -1) : presentation;
    return text === '' ? '.' : text;
  }
  const labels = parseName(presentation);
  if (labels.length === 0) return '.';
  const parts: string[] = [];
  for (const label of labels) {
    const text = label.toString('utf8');
    if (text.includes('.') || !Buffer.from(text, 'utf8').equals(label)) return undefined;
    parts.push(text);
  }
  return parts.join('.');
}

/** Key for comparing names: BIND presentation, lower case, absolute. */
export function nameKey(presentation: string): string {
  const absolute = presentation.endsWith('.') && !presentation.endsWith('\\.') ? presentation : `${presentation}.`;
  // Escapes are digits or punctuation, so lower-casing the text only touches ASCII letters
  // (everything outside printable ASCII is escaped as \DDD).
  return absolute === '..' ? '.' : absolute.toLowerCase();
}

/** Is `name` equal to or below `ancestor`? Both as name keys. */
export function isAtOrBelow(name: string, ancestor: string): boolean {
  if (ancestor === '.') return true;
  return name === ancestor || name.endsWith(`.${ancestor}`);
}
