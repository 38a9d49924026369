// The new LBs are configured like the live ones (the proxy role, to the nameservers the live
// LBs use right now) and must answer every record before the zone moves to them.
import type { InstanceInfo } from '../../activities/linode';
import type { LbReplacementInput } from '../../shared';
import type { FleetContext } from '../lib/fleetContext';
import { step } from '../lib/steps';
import { requireClean, verifyEach, viaPublic } from '../lib/verify';

export async function configureLbs(
  ctx: FleetContext,
  input: LbReplacementInput,
  from: InstanceInfo,
  lbs: InstanceInfo[],
) {
  const upstreams = await step('quick', `read ${from.label} upstreams`, 'readUpstreams', ctx.sshTo(from));
  const hosts = lbs.map((l) => ({
    name: l.label,
    address: l.publicIPv4,
    vars: { proxy_listen_addresses: [l.publicIPv4] },
  }));
  await step('long', `Ansible proxy on ${lbs.map((l) => l.label).join(', ')}`, 'runPlaybook', {
    playbook: 'proxy.yml',
    groups: { loadbalancers: hosts },
    groupVars: { loadbalancers: { ...input.proxyVars, proxy_upstreams: upstreams } },
    ...input.ssh,
  });
}

/** Every record through each new LB; returns a line for the events. */
export async function verifyNewLbs(ctx: FleetContext, input: LbReplacementInput, lbs: InstanceInfo[]): Promise<string> {
  const through = await verifyEach(ctx, lbs.map(viaPublic), input.policies.gate);
  requireClean(lbs.map(viaPublic), through, 'verification of the new LBs', 'VerifyFailed');
  const answered = through.map((r, i) => `${lbs[i].label} ${r.recordsChecked} records`);
  return `new LBs answer every record: ${answered.join(', ')}`;
}
