// dns-packet's decoded records → BIND's presentation form ("master file" text), for the
// common types. Output matches what named-compilezone prints, except that long hex fields
// are not split into chunks (normalise.ts removes that difference).
import type { DecodedRecord } from './packet';
import { normaliseIPv6 } from './ipv6';
import { presentName } from './names';
import { fromPacketType } from './rrtypes';
import { quoteCharString, splitCharStrings } from './text';

/** Types whose RDATA we can print and therefore compare. */
export const SUPPORTED_TYPES: ReadonlySet<string> = new Set([
  'A',
  'AAAA',
  'NS',
  'CNAME',
  'DNAME',
  'PTR',
  'MX',
  'TXT',
  'SPF',
  'SOA',
  'SRV',
  'CAA',
  'SSHFP',
  'TLSA',
  'DS',
  'NAPTR',
  'HINFO',
]);

/** A record as BIND would print it; `rdata` undefined for unsupported types. */
export interface PresentedRecord {
  name: string;
  ttl: number;
  class: string;
  type: string;
  rdata?: string;
}

interface MxData {
  preference: number;
  exchange: string;
}
interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}
interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}
interface CaaData {
  flags: number;
  tag: string;
  value: string;
}
interface SshfpData {
  algorithm: number;
  hash: number;
  fingerprint: string;
}
interface TlsaData {
  usage: number;
  selector: number;
  matchingType: number;
  certificate: Buffer;
}
interface DsData {
  keyTag: number;
  algorithm: number;
  digestType: number;
  digest: Buffer;
}
interface NaptrData {
  order: number;
  preference: number;
  flags: string;
  services: string;
  regexp: string;
  replacement: string;
}
interface HinfoData {
  cpu: string;
  os: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
const quotedList = (parts: Uint8Array[]) => parts.map((p) => quoteCharString(p)).join(' ');

/** RDATA of one decoded record in presentation form, or undefined for unsupported types. */
export function formatRdata(type: string, data: unknown): string | undefined {
  switch (type) {
    case 'A':
      return String(data);
    case 'AAAA':
      // dns-packet's IPv6 text is valid but not always BIND's choice (e.g. embedded IPv4).
      return normaliseIPv6(String(data));
    case 'NS':
    case 'CNAME':
    case 'DNAME':
    case 'PTR':
      return presentName(String(data));
    case 'MX': {
      const d = data as MxData;
      return `${d.preference} ${presentName(d.exchange)}`;
    }
    case 'TXT':
      return quotedList(Array.isArray(data) ? (data as Uint8Array[]) : [data as Uint8Array]);
    case 'SPF': {
      // dns-packet has no SPF codec and hands over the raw RDATA.
      const parts = splitCharStrings(data as Uint8Array);
      return parts && quotedList(parts);
    }
    case 'SOA': {
      const d = data as SoaData;
      return (
        `${presentName(d.mname)} ${presentName(d.rname, { mail: true })} ` +
        `${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`
      );
    }
    case 'SRV': {
      const d = data as SrvData;
      return `${d.priority} ${d.weight} ${d.port} ${presentName(d.target)}`;
    }
    case 'CAA': {
      const d = data as CaaData;
      return `${d.flags} ${d.tag} ${quoteCharString(d.value)}`;
    }
    case 'SSHFP': {
      const d = data as SshfpData;
      return `${d.algorithm} ${d.hash} ${d.fingerprint.toUpperCase()}`;
    }
    case 'TLSA': {
      const d = data as TlsaData;
      return `${d.usage} ${d.selector} ${d.matchingType} ${hex(d.certificate)}`;
    }
    case 'DS': {
      const d = data as DsData;
      return `${d.keyTag} ${d.algorithm} ${d.digestType} ${hex(d.digest)}`;
    }
    case 'NAPTR': {
      const d = data as NaptrData;
      return (
        `${d.order} ${d.preference} ${quoteCharString(d.flags)} ${quoteCharString(d.services)} ` +
        `${quoteCharString(d.regexp)} ${presentName(d.replacement)}`
      );
    }
    case 'HINFO': {
      const d = data as HinfoData;
      return `${quoteCharString(d.cpu)} ${quoteCharString(d.os)}`;
    }
    default:
      return undefined;
  }
}

/** A decoded record's RDATA in presentation form; undefined for unsupported types. */
export function presentRdata(r: DecodedRecord): string | undefined {
  try {
    return formatRdata(fromPacketType(r.type), r.data);
  } catch {
    return undefined; // Malformed data for its type: treat like an unsupported type.
  }
}

/** A decoded record in BIND's presentation form (names absolute, type mnemonic as BIND's). */
export function presentRecord(r: DecodedRecord): PresentedRecord {
  return {
    name: presentName(r.name),
    ttl: r.ttl,
    class: r.class,
    type: fromPacketType(r.type),
    rdata: presentRdata(r),
  };
}

/** RFC 3597 generic form, for showing records we cannot print in their own syntax. */
export function genericRdata(data: unknown): string | undefined {
  if (!Buffer.isBuffer(data)) return undefined;
  return data.length === 0 ? '\\# 0' : `\\# ${data.length} ${data.toString('hex').toUpperCase()}`;
}
