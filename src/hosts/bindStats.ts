// A nameserver's query counters, from BIND's statistics channel (nameserver_stats_port of the
// nameserver role, on 127.0.0.1): the command that fetches them on the host, and its parser.
import { shellQuote, SYSTEM_PATH } from '../ssh/exec';

export function bindStatsScript(port: number): string {
  return `${SYSTEM_PATH}\ncurl -sS --fail --max-time 5 ${shellQuote(`http://127.0.0.1:${port}/json/v1/server`)}`;
}

export interface BindCounters {
  /** opcodes.QUERY: queries received since named started (UDP and TCP). */
  queries: number;
  /** nsstats.QryUDP */
  udp: number;
  /** nsstats.QryTCP (nsstats.ReqTCP when QryTCP is absent) */
  tcp: number;
  /** named's boot-time: the counters restart from 0 when it changes. */
  bootTime: string;
  /** named's current-time when it answered (host clock). */
  currentTime?: string;
}

/** The counters from BIND's /json/v1/server document (BIND leaves out counters that are 0). */
export function parseBindStats(json: string): BindCounters | undefined {
  let doc: {
    'boot-time'?: string;
    'current-time'?: string;
    opcodes?: Record<string, number>;
    nsstats?: Record<string, number>;
  };
  try {
    doc = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object' || typeof doc['boot-time'] !== 'string') return undefined;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    queries: n(doc.opcodes?.QUERY),
    udp: n(doc.nsstats?.QryUDP),
    tcp: n(doc.nsstats?.QryTCP ?? doc.nsstats?.ReqTCP),
    bootTime: doc['boot-time'],
    ...(typeof doc['current-time'] === 'string' && { currentTime: doc['current-time'] }),
  };
}
