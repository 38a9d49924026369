// The DNS probe library: queries over UDP/TCP, zone loading via named-compilezone, BIND-style
// presentation of answers, and zone-versus-server comparison.
export type { DnsResponse, DnsServer, Question, QueryOptions, ResponseFlags, Transport, TransportMode } from './types';
export {
  DnsConnectionRefusedError,
  DnsNetworkError,
  DnsProtocolError,
  DnsQueryError,
  DnsTimeoutError,
  ZoneLoadError,
} from './errors';
export { query, serverLabel, QUERY_DEFAULTS, type QueryFn } from './query';
export type { DecodedRecord } from './packet';
export { formatRdata, genericRdata, presentRecord, SUPPORTED_TYPES, type PresentedRecord } from './rdata';
export { normaliseRdata } from './normalise';
export { nameKey, presentName } from './names';
export {
  loadZoneFile,
  loadZoneText,
  parseCanonicalZone,
  type Zone,
  type ZoneLoadOptions,
  type ZoneRecord,
} from './zone';
export { groupRRsets, type ExpectedRRset, type RRsetRole } from './rrsets';
export { checkAnswer } from './check';
export { compareZone, DEFAULT_CONCURRENCY, DEFAULT_TRANSPORTS, type CompareOptions } from './compare';
export {
  describeDifference,
  mergeComparisons,
  sortDifferences,
  type Difference,
  type DifferenceKind,
  type SkippedCheck,
  type ZoneComparison,
} from './difference';
export { compactComparison, type CompactLimits, type CompactZoneComparison } from './compact';
