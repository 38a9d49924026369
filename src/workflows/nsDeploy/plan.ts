// The NS deploy's plan, shown before anything changes (and all a dry run does).
import type { InstanceInfo } from '../../activities/linode';
import type { ZoneCheck } from '../../activities/zone';
import { overPublic, type NsDeployInput, type ZonePlan } from '../../shared';
import { formatDuration } from '../../shared/duration';
import { zonePlanLines } from './zones';

export function nsDeployPlan(
  input: NsDeployInput,
  checks: ZoneCheck[],
  zonePlans: ZonePlan[] | undefined,
  old: InstanceInfo[],
  canaryLbs = input.loadBalancers.length,
): string[] {
  const { gate, approval } = input.policies;
  const { type, image } = input.linode;
  const oldNames = old.map((s) => s.label).join(', ');
  const zones = zonePlans
    ? zonePlans.flatMap(zonePlanLines)
    : checks.map((c) => `zone ${c.origin}: serial ${c.serial}, ${c.records} records, ${c.caveats.length} caveat(s)`);
  return [
    ...zones,
    ...input.nameservers.map(
      (n) =>
        `create ${n.label}${input.nextSuffix} (${type}, ${image}, ${n.region}) and configure it (Ansible nameserver)`,
    ),
    `gate: every record of ${input.zones.length} zone(s) on each new server over ${gate.transports.join(' and ')}`,
    ...(approval.beforeCutover
      ? [`wait up to ${formatDuration(approval.timeoutMs)} for approval (on timeout: ${approval.onTimeout})`]
      : []),
    ...input.loadBalancers.flatMap((lb, i) => {
      const via = lb.upstreams.map(
        (u) => `${u}${input.nextSuffix}${overPublic(input, lb, u) ? ' (public address)' : ''}`,
      );
      const from = lb.upstreams.join(', ');
      const line = `switch ${lb.label} (${lb.region}) from ${from} to ${via.join(', ')}, verify through it`;
      if (i !== canaryLbs) return [line];
      const canaries = input.loadBalancers.slice(0, canaryLbs).map((c) => c.label);
      const others = input.loadBalancers.length - canaryLbs;
      return [`once ${canaries.join(', ')} answer(s) from the new servers, the other ${others} LB(s) together:`, line];
    }),
    `soak ${formatDuration(input.policies.soakMs)}; on failure switch the LBs back and delete the new servers`,
    `drain and delete ${oldNames}, then rename the new servers to ${input.nameservers.map((n) => n.label).join(', ')}`,
  ];
}
