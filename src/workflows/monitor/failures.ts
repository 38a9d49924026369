// What a monitoring run found wrong, one line per problem: differences of a server's answers
// from the zone file, and a parent's delegation that is not what the zone file says (pure).
import type { ReadDelegationResult } from '../../activities/delegation';
import type { ZoneDelegation } from '../../activities/monitor';
import type { CompactZoneComparison } from '../../dns/compact';
import { describeDifference, type Difference } from '../../dns/difference';
import type { MonitorFailure } from '../../shared';
import { judgeParent } from '../lib/glue';

/** A comparison's differences as failures; UDP and TCP saying the same thing become one line. */
export function comparisonFailures(where: string, c: CompactZoneComparison): MonitorFailure[] {
  const errors = c.differences.filter((d) => d.kind === 'error');
  if (
    c.differences.length > 0 &&
    errors.length === c.differences.length &&
    new Set(errors.map((d) => `${d.name}/${d.type}`)).size >= c.rrsetsChecked
  ) {
    return [{ where, what: `does not answer: ${(errors[0] as Extract<Difference, { kind: 'error' }>).message}` }];
  }
  const merged = new Map<string, MonitorFailure & { transports: string[] }>();
  for (const d of c.differences) {
    const prefix = `${d.name} ${d.type} @${d.server}/${d.transport}: `;
    const what = describeDifference(d).slice(prefix.length);
    const key = `${d.name} ${d.type}\n${what}`;
    const seen = merged.get(key);
    if (seen) seen.transports.push(d.transport);
    else merged.set(key, { where, record: `${d.name} ${d.type}`, what, transports: [d.transport] });
  }
  const rank = (x: string) => ['udp', 'tcp'].indexOf(x) >>> 0; // udp, tcp, then anything else
  const out: MonitorFailure[] = [...merged.values()].map(({ transports, ...f }) => ({
    ...f,
    what: `${transports.sort((a, b) => rank(a) - rank(b)).join('+')}: ${f.what}`,
  }));
  if (c.differencesOmitted > 0) out.push({ where, what: `and ${c.differencesOmitted} more difference(s)` });
  return out;
}

/** What one parent serves against what the zone file says: NS names, and glue for in-zone names. */
const expectedGlue = (c: { name: string; to: string[] }) => `${c.name} ${c.to.join(',') || '(none)'}`;

export function delegationFailures(
  r: ReadDelegationResult,
  expected: ZoneDelegation,
  domain: string,
): { failures: MonitorFailure[]; detail: string } {
  const where = `parent ${r.parent}`;
  const record = `${domain}. NS (delegation)`;
  const broken = r.views.filter((v) => v.error);
  if (broken.length > 0)
    return {
      failures: broken.map((v) => ({ where, record, what: `${v.transport}: ${v.error}` })),
      detail: `no usable answer over ${broken.map((v) => v.transport).join('+')}`,
    };
  const failures: MonitorFailure[] = [];
  for (const v of r.views) {
    if (v.nameservers.join() !== expected.nameservers.join())
      failures.push({
        where,
        record,
        what:
          `${v.transport}: NS ${v.nameservers.join(', ') || '(none)'}, ` +
          `the zone file says ${expected.nameservers.join(', ')}`,
      });
  }
  const change = Object.entries(expected.addresses).map(([name, to]) => ({ name, from: [], to }));
  const judged = judgeParent(r, change);
  if (judged.serves !== 'new') {
    failures.push({
      where,
      record: `${domain}. NS glue`,
      what: `serves glue ${judged.detail}; expected ${change.map(expectedGlue).join(', ')}`,
    });
  }
  return { failures, detail: failures.length ? failures.map((f) => f.what).join('; ') : judged.detail };
}
