// The steps of an in-place LB update: the proxy role's run for one LB (planned with --check
// --diff, or applied), and the check after the apply that the LB answers as well as before.
import { ApplicationFailure } from '@temporalio/workflow';
import type { InstanceInfo } from '../../activities/linode';
import type { CompactZoneComparison } from '../../dns/compact';
import { upstreamKey, type Upstream } from '../../hosts/upstream';
import type { LbUpdateInput } from '../../shared';

export const upstreamList = (us: Upstream[]) => us.map(upstreamKey).join(', ');
const differenceKey = (d: CompactZoneComparison['differences'][number]) =>
  `${d.kind} ${d.name} ${d.type}/${d.transport}`;

/** Every LB in the inventory with the upstreams and listen address it has; `limit` picks the one to run on. */
export function proxyPlaybook(
  input: LbUpdateInput,
  lbs: InstanceInfo[],
  upstreams: Upstream[][],
  lb: InstanceInfo,
  check: boolean,
) {
  const hosts = lbs.map((x, i) => ({
    name: x.label,
    address: x.publicIPv4,
    vars: { proxy_listen_addresses: [x.publicIPv4], proxy_upstreams: upstreams[i] },
  }));
  const groups = { loadbalancers: hosts };
  return {
    playbook: 'proxy.yml' as const,
    groups,
    groupVars: { loadbalancers: input.proxyVars },
    ...input.ssh,
    check,
    diff: true,
    limit: [lb.label],
  };
}

export interface AfterApply {
  before: CompactZoneComparison;
  after: CompactZoneComparison;
  /** The upstreams read at the start, and after the apply. */
  upstreams: Upstream[];
  kept: Upstream[];
}

/** Throws unless the LB answers as well as before, from the same nameservers, with the same upstreams. */
export function requireAsBefore(lb: InstanceInfo, c: AfterApply): void {
  const known = new Set(c.before.differences.map(differenceKey));
  const fresh = c.after.differences.filter((d) => !known.has(differenceKey(d)));
  const strangers = c.before.nsids.length ? c.after.nsids.filter((n) => !c.before.nsids.includes(n)) : [];
  const moved = upstreamList(c.kept) !== upstreamList(c.upstreams);
  const problems = [
    fresh.length ? `${fresh.length} new difference(s) (${fresh.slice(0, 5).map(differenceKey).join('; ')})` : '',
    strangers.length ? `answered by ${strangers.join(', ')}` : '',
    moved ? `upstreams are now ${upstreamList(c.kept)}` : '',
    c.after.queriesSent === 0 ? 'no query was asked' : '',
  ].filter(Boolean);
  if (problems.length === 0) return;
  const why = `verification through ${lb.label} failed after the apply: ${problems.join(', ')}`;
  throw ApplicationFailure.nonRetryable(why, 'LbVerifyFailed');
}

/** "task X changed on lb1; task Y changed on lb1" from a diff text, short. */
export function summarize(diff: string | undefined): string {
  const tasks = (diff ?? '')
    .split('\n')
    .filter((l) => /^(TASK|RUNNING HANDLER) \[/.test(l))
    .map((l) => l.replace(/^TASK \[(?:[^:\]]+ : )?/, '').replace(/\]$/, ''));
  return tasks.length ? tasks.join('; ') : 'see the plan';
}
