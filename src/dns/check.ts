// Judge one server answer against one expected RRset. Pure: no I/O, so every rule here can
// be read (and tested) without a server.
import type { Difference, DifferenceBase, SkippedCheck } from './difference';
import { nameKey, presentName } from './names';
import { normaliseRdata } from './normalise';
import type { DecodedRecord } from './packet';
import { presentRdata, SUPPORTED_TYPES } from './rdata';
import type { ExpectedRRset } from './rrsets';
import { fromPacketType } from './rrtypes';
import type { DnsResponse, TransportMode } from './types';

export interface CheckResult {
  differences: Difference[];
  skipped: SkippedCheck[];
}

/** The records of one section that belong to the expected RRset. */
function recordsFor(section: DecodedRecord[], set: ExpectedRRset): DecodedRecord[] {
  return section.filter(
    (r) => nameKey(presentName(r.name)) === set.name && fromPacketType(r.type) === set.type && r.class === set.class,
  );
}

/** Why an answer has no records for the RRset, when the answer itself tells. */
function absenceDetail(res: DnsResponse, set: ExpectedRRset): string | undefined {
  const cname = res.answers.find((r) => r.type === 'CNAME' && nameKey(presentName(r.name)) === set.name);
  if (cname) return `the name is a CNAME to ${presentName(String(cname.data))}`;
  const referral = res.authorities.find((r) => r.type === 'NS');
  if (referral && !res.flags.aa) return `referral to ${presentName(referral.name)}`;
  return undefined;
}

const SOA_SERIAL_FIELD = 2;
const soaFields = (rdata: string) => rdata.trim().split(/\s+/);
const withoutSerial = (normalised: string) =>
  soaFields(normalised)
    .map((f, i) => (i === SOA_SERIAL_FIELD ? '*' : f))
    .join(' ');

/** Each RRset's expected RDATA by comparable form, worked out once (a zone check asks each set once per transport). */
const expectedForms = new WeakMap<ExpectedRRset, Map<string, string>>();

function expectedByForm(set: ExpectedRRset, normalise: (rdata: string) => string): Map<string, string> {
  let forms = expectedForms.get(set);
  if (!forms) {
    forms = new Map(set.rdata.map((r) => [normalise(r), r]));
    expectedForms.set(set, forms);
  }
  return forms;
}

/** Compare served records with the expected set: TTL, then RDATA (SOA serial on its own). */
function compareRecords(set: ExpectedRRset, served: DecodedRecord[], base: DifferenceBase): Difference[] {
  const diffs: Difference[] = [];
  const actualTtl = Math.min(...served.map((r) => r.ttl));
  if (actualTtl !== set.ttl) diffs.push({ ...base, kind: 'ttl', expected: set.ttl, actual: actualTtl });

  const presented = served.map((r) => ({ rdata: presentRdata(r) }));
  if (!SUPPORTED_TYPES.has(set.type) || presented.some((p) => p.rdata === undefined)) {
    diffs.push({
      ...base,
      kind: 'unsupported-type',
      detail: `${set.type} RDATA not compared (${set.rdata.length} expected, ${served.length} served)`,
    });
    return diffs;
  }

  let normalise = (rdata: string) => normaliseRdata(set.type, rdata);
  if (set.type === 'SOA') {
    const expectedSerial = Number(soaFields(set.rdata[0])[SOA_SERIAL_FIELD]);
    const actualSerial = Number(soaFields(presented[0].rdata ?? '')[SOA_SERIAL_FIELD]);
    if (expectedSerial !== actualSerial)
      diffs.push({ ...base, kind: 'serial', expected: expectedSerial, actual: actualSerial });
    normalise = (rdata) => withoutSerial(normaliseRdata('SOA', rdata));
  }

  const expected = expectedByForm(set, normalise);
  const actual = new Map(presented.map((p) => [normalise(p.rdata ?? ''), p.rdata ?? '']));
  const expectedOnly = [...expected]
    .filter(([k]) => !actual.has(k))
    .map(([, v]) => v)
    .sort();
  const actualOnly = [...actual]
    .filter(([k]) => !expected.has(k))
    .map(([, v]) => v)
    .sort();
  if (expectedOnly.length || actualOnly.length) diffs.push({ ...base, kind: 'data', expectedOnly, actualOnly });
  return diffs;
}

export function checkAnswer(set: ExpectedRRset, transport: TransportMode, res: DnsResponse): CheckResult {
  const base: DifferenceBase = { server: res.server, transport, name: set.name, type: set.type };
  const none: SkippedCheck[] = [];
  if (res.flags.tc && res.transport === 'udp') return { differences: [{ ...base, kind: 'truncated' }], skipped: none };
  if (res.rcode !== 'NOERROR' && res.rcode !== 'NXDOMAIN')
    return { differences: [{ ...base, kind: 'rcode', rcode: res.rcode }], skipped: none };

  const diffs: Difference[] = [];
  switch (set.role) {
    case 'authoritative': {
      if (!res.flags.aa) diffs.push({ ...base, kind: 'not-authoritative' });
      if (res.rcode === 'NXDOMAIN')
        return { differences: [...diffs, { ...base, kind: 'missing', reason: 'NXDOMAIN' }], skipped: none };
      const served = recordsFor(res.answers, set);
      if (served.length === 0) {
        const detail = absenceDetail(res, set);
        return {
          differences: [...diffs, { ...base, kind: 'missing', reason: 'NODATA', ...(detail && { detail }) }],
          skipped: none,
        };
      }
      return { differences: [...diffs, ...compareRecords(set, served, base)], skipped: none };
    }
    case 'delegation': {
      // A referral: AA clear, the child's NS in the authority section. A server that also
      // serves the child answers from the answer section instead; both are fine.
      if (res.rcode === 'NXDOMAIN')
        return { differences: [{ ...base, kind: 'missing', reason: 'NXDOMAIN' }], skipped: none };
      const inAuthority = recordsFor(res.authorities, set);
      const served = inAuthority.length ? inAuthority : recordsFor(res.answers, set);
      if (served.length === 0)
        return { differences: [{ ...base, kind: 'missing', reason: 'NO-REFERRAL' }], skipped: none };
      return { differences: compareRecords(set, served, base), skipped: none };
    }
    case 'glue': {
      if (res.rcode === 'NXDOMAIN')
        return { differences: [{ ...base, kind: 'missing', reason: 'NXDOMAIN' }], skipped: none };
      const inAdditional = recordsFor(res.additionals, set);
      const served = inAdditional.length ? inAdditional : recordsFor(res.answers, set);
      if (served.length === 0) {
        return {
          differences: [],
          skipped: [
            {
              name: set.name,
              type: set.type,
              transport,
              reason: `glue below the cut at ${set.cut ?? '?'} not in the referral's additional section`,
            },
          ],
        };
      }
      return { differences: compareRecords(set, served, base), skipped: none };
    }
    case 'occluded':
      return {
        differences: [],
        skipped: [
          { name: set.name, type: set.type, transport, reason: `occluded by the delegation at ${set.cut ?? '?'}` },
        ],
      };
  }
}
