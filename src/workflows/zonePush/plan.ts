// The zone push's plan: which zones need pushing, the thresholds a plan must stay under without
// --force (octoDNS's rule: updates and deletes as a share of the RRsets served now, checked from
// `minRecords` RRsets on), and the lines shown before anything changes.
import { labelsOf, type ZonePlan, type ZonePushInput, type ZonePushThresholds } from '../../shared';
import { formatDuration } from '../../shared/duration';
import { zonePlanLines } from '../nsDeploy/zones';

/** A zone needs pushing when some server serves another serial than the one the plan chose. */
export const needsPush = (p: ZonePlan): boolean =>
  p.serial !== p.liveSerial || (p.servers ?? []).some((s) => s.serial !== p.serial);

/** Servers that do not serve a zone: adding a zone changes named.conf, which is the NS deploy's job. */
export function unservedZones(plans: ZonePlan[]): string[] {
  return plans.flatMap((p) =>
    (p.servers ?? []).filter((s) => s.serial === undefined).map((s) => `${s.label} does not serve ${p.domain}`),
  );
}

const countsOf = (p: ZonePlan) =>
  p.counts ?? {
    added: p.changes.filter((c) => c.kind === 'added').length,
    removed: p.changes.filter((c) => c.kind === 'removed').length,
    changed: p.changes.filter((c) => c.kind === 'changed').length,
  };

const percent = (n: number) => `${(Math.round(n * 10) / 10).toFixed(1)} %`;

/** Each threshold a zone's plan is over, in words with the numbers ("zone a.test: 4 of 10 …"). */
export function overThresholds(plans: ZonePlan[], limits: ZonePushThresholds): string[] {
  return plans.flatMap((p) => {
    const existing = p.liveRrsets ?? 0;
    if (existing < limits.minRecords) return [];
    const { changed, removed } = countsOf(p);
    const rules = [
      { what: 'updated', n: changed, max: limits.maxUpdatePercent, key: 'maxUpdatePercent' },
      { what: 'deleted', n: removed, max: limits.maxDeletePercent, key: 'maxDeletePercent' },
    ];
    return rules
      .filter((r) => (r.n / existing) * 100 > r.max)
      .map(
        (r) =>
          `zone ${p.domain}: ${r.n} of ${existing} RRsets ${r.what} (${percent((r.n / existing) * 100)}, ` +
          `over ${r.key} ${r.max} %)`,
      );
  });
}

/** The plan as the CLI and the status show it. */
export function zonePushPlan(input: ZonePushInput, plans: ZonePlan[]): string[] {
  const pushed = plans.filter(needsPush);
  if (pushed.length === 0) return [...plans.flatMap(zonePlanLines), 'nothing to push'];
  const [canary, ...rest] = input.nameservers;
  const { verify, approval } = input.policies;
  const over = verify.transports.join(' and ');
  const zones = pushed.map((p) => p.domain).join(', ');
  return [
    ...plans.flatMap(zonePlanLines),
    `push ${zones} to ${canary.label} (canary): check with named-checkzone, install, rndc reload, ` +
      `verify every record over ${over}`,
    ...(approval.afterCanary
      ? [`wait up to ${formatDuration(approval.timeoutMs)} for approval (on timeout: ${approval.onTimeout})`]
      : []),
    ...rest.map((n) => `then ${n.label}: the same, once the one before is verified`),
    `verify every record through ${labelsOf(input.loadBalancers)}`,
    'on failure: every nameserver serves its previous zones again, with a serial above the pushed one',
  ];
}
