// The NS deploy's plan, shown before anything changes (and all a dry run does).
import type { InstanceInfo } from '../../activities/linode';
import type { ZoneCheck } from '../../activities/zone';
import type { NsDeployInput } from '../../shared';
import { formatDuration } from '../../shared/duration';

export function nsDeployPlan(
  input: NsDeployInput,
  check: ZoneCheck,
  old: InstanceInfo[],
  lbs: InstanceInfo[],
): string[] {
  const { gate, approval } = input.policies;
  const { type, image, region } = input.linode;
  const oldNames = old.map((s) => s.label).join(', ');
  return [
    `zone ${input.domain}: serial ${check.serial}, ${check.records} records, ${check.caveats.length} caveat(s)`,
    ...input.nameservers.map(
      (l) => `create ${l}${input.nextSuffix} (${type}, ${image}, ${region}) and configure it (Ansible nameserver)`,
    ),
    `gate: every record on each new server over ${gate.transports.join(' and ')}`,
    ...(approval.beforeCutover
      ? [`wait up to ${formatDuration(approval.timeoutMs)} for approval (on timeout: ${approval.onTimeout})`]
      : []),
    ...lbs.map((lb) => `switch ${lb.label} from ${oldNames} to the new servers, verify through it`),
    `soak ${formatDuration(input.policies.soakMs)}; on failure switch the LBs back and delete the new servers`,
    `drain and delete ${oldNames}, then rename the new servers to ${input.nameservers.join(', ')}`,
  ];
}
