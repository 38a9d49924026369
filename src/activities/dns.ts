// DNS activities: thin wrappers over src/dns that turn its results into compact, Buffer-free
// JSON for Temporal history. Built by createDnsActivities(deps) so tests can pass their own
// query function, logger or heartbeat; they also run outside an activity context.
import { ApplicationFailure } from '@temporalio/common';
import {
  compactComparison,
  compareZone,
  genericRdata,
  mergeComparisons,
  presentRecord,
  query as realQuery,
  ZoneLoadError,
  type CompactLimits,
  type CompactZoneComparison,
  type DecodedRecord,
  type DnsServer,
  type QueryFn,
  type ResponseFlags,
  type Transport,
  type TransportMode,
  type Zone,
} from '../dns';
import { loadZoneFileOnce, loadZoneTextOnce } from '../dns/zoneCache';
import type { Logger } from '../logger';
import { comparisonSlots, inSlot, type Slots } from './comparisonSlots';
import { activityHeartbeat, activitySignal } from './context';

export interface DnsDeps {
  query?: QueryFn;
  logger?: Logger;
  /** Defaults to Temporal's heartbeat when running inside an activity, else nothing. */
  heartbeat?: (details: unknown) => void;
  /** Defaults to the activity's cancellation signal when there is one. */
  cancellationSignal?: () => AbortSignal | undefined;
  /** Minimum time between progress heartbeats. Default 1000 ms. */
  heartbeatIntervalMs?: number;
  /** How many comparisons run at once; default: the process's own (comparisonSlots.ts). */
  comparisonSlots?: Slots;
}

/** Per-query settings an activity input may carry (all optional, library defaults apply). */
export interface ProbeSettings {
  timeoutMs?: number;
  attempts?: number;
  totalTimeoutMs?: number;
  recursionDesired?: boolean;
  udpPayloadSize?: number;
}

type ExpectedZone = { origin: string; file: string } | { origin: string; text: string };

export interface CompareZoneOnServerInput extends ProbeSettings {
  server: DnsServer;
  /** The expected zone: a file on the worker, or its text. */
  zone?: ExpectedZone;
  /** Or several zones, compared one after the other and reported as one comparison. */
  zones?: ExpectedZone[];
  /** Default ["udp", "tcp"]. */
  transports?: TransportMode[];
  /** Queries in flight at most. Default 16. */
  concurrency?: number;
  /** Caps that keep the result small in history. */
  limits?: CompactLimits;
}

export interface ProbeServerInput extends ProbeSettings {
  server: DnsServer;
  name: string;
  type: string;
  class?: string;
  /** Default "auto". */
  transport?: TransportMode;
}

/** A record in presentation form; unsupported types in RFC 3597 generic form when possible. */
export interface ProbedRecord {
  name: string;
  ttl: number;
  class: string;
  type: string;
  rdata: string;
}

export interface ProbeServerResult {
  server: string;
  name: string;
  type: string;
  transport: Transport;
  udpTruncated: boolean;
  rcode: string;
  flags: ResponseFlags;
  nsid?: string;
  answers: ProbedRecord[];
  authorities: ProbedRecord[];
  additionals: ProbedRecord[];
  attempts: number;
  rttMs: number;
}

function probed(r: DecodedRecord): ProbedRecord {
  const p = presentRecord(r);
  return {
    name: p.name,
    ttl: p.ttl,
    class: p.class,
    type: p.type,
    rdata: p.rdata ?? genericRdata(r.data) ?? '(RDATA of this type not shown)',
  };
}

const settingsOf = (i: ProbeSettings) => ({
  timeoutMs: i.timeoutMs,
  attempts: i.attempts,
  totalTimeoutMs: i.totalTimeoutMs,
  recursionDesired: i.recursionDesired,
  udpPayloadSize: i.udpPayloadSize,
});

/** Drop keys whose value is undefined so the library's defaults apply. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function createDnsActivities(deps: DnsDeps = {}) {
  const doQuery = deps.query ?? realQuery;
  const heartbeat = deps.heartbeat ?? activityHeartbeat;
  const signalOf = deps.cancellationSignal ?? activitySignal;
  const interval = deps.heartbeatIntervalMs ?? 1000;
  const slots = deps.comparisonSlots ?? comparisonSlots;

  async function loadExpected(zone: ExpectedZone): Promise<Zone> {
    try {
      return 'file' in zone
        ? await loadZoneFileOnce(zone.file, zone.origin)
        : await loadZoneTextOnce(zone.text, zone.origin);
    } catch (err) {
      // A broken zone file does not heal on retry.
      if (err instanceof ZoneLoadError) throw ApplicationFailure.nonRetryable(err.message, 'ZoneLoadError');
      throw err;
    }
  }

  /** Every expected zone on the server, one after another, merged into one comparison. */
  async function compareAll(
    input: CompareZoneOnServerInput,
    expected: ExpectedZone[],
    signal: AbortSignal | undefined,
  ): Promise<CompactZoneComparison> {
    const parts = [];
    let lastBeat = 0;
    for (const [i, z] of expected.entries()) {
      const zone = await loadExpected(z);
      parts.push(
        await compareZone(input.server, zone, {
          transports: input.transports,
          concurrency: input.concurrency,
          query: defined(settingsOf(input)),
          // Only a test's own query function: the real one lets compareZone use helper threads.
          queryFn: deps.query,
          signal,
          onProgress: (done, total) => {
            const now = Date.now();
            if (now - lastBeat >= interval || done === total) {
              lastBeat = now;
              heartbeat(expected.length > 1 ? { zone: i + 1, zones: expected.length, done, total } : { done, total });
            }
          },
        }),
      );
    }
    const result = mergeComparisons(parts);
    deps.logger?.info(
      {
        server: result.server,
        zone: result.origin,
        differences: result.differences.length,
        queries: result.queriesSent,
        ms: result.durationMs,
      },
      'zone compared',
    );
    return compactComparison(result, input.limits);
  }

  return {
    /** Ask every RRset of the expected zone of one server; returns the differences found. */
    async compareZoneOnServer(input: CompareZoneOnServerInput): Promise<CompactZoneComparison> {
      const expected = input.zones ?? (input.zone ? [input.zone] : []);
      if (expected.length === 0)
        throw ApplicationFailure.nonRetryable('compareZoneOnServer: no zone given', 'InvalidInput');
      const signal = signalOf();
      const waiting = (ahead: number) => heartbeat({ waiting: `for a comparison slot (${ahead} queued)` });
      return inSlot(slots, { signal, everyMs: interval, waiting }, () => compareAll(input, expected, signal));
    },

    /** One query; the answer in presentation form, with flags and the server's NSID. */
    async probeServer(input: ProbeServerInput): Promise<ProbeServerResult> {
      const res = await doQuery(
        input.server,
        { name: input.name, type: input.type, class: input.class },
        defined({ ...settingsOf(input), transport: input.transport }),
      );
      return {
        server: res.server,
        name: res.question.name,
        type: res.question.type,
        transport: res.transport,
        udpTruncated: res.udpTruncated,
        rcode: res.rcode,
        flags: res.flags,
        ...(res.nsid !== undefined && { nsid: res.nsid }),
        answers: res.answers.map(probed),
        authorities: res.authorities.map(probed),
        additionals: res.additionals.map(probed),
        attempts: res.attempts,
        rttMs: res.rttMs,
      };
    },
  };
}

export type DnsActivities = ReturnType<typeof createDnsActivities>;
