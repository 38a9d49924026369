// The new LBs are configured like the live ones (the proxy role; each forwards to the
// nameservers its old LB forwards to right now) and must answer every record of every zone
// before the zones move to them.
import type { InstanceInfo } from '../../activities/linode';
import type { Upstream } from '../../hosts/upstream';
import type { LbReplacementInput } from '../../shared';
import type { FleetContext } from '../lib/fleetContext';
import { step } from '../lib/steps';
import { requireClean, verifyEach, viaPublic } from '../lib/verify';

/**
 * `perLb`: each new LB takes its own old LB's upstreams (histories from before regions read the
 * first old LB's for all). `listening` replaces the proxy role's listen variables of the i-th LB.
 */
export async function configureLbs(
  ctx: FleetContext,
  input: LbReplacementInput,
  oldLbs: InstanceInfo[],
  lbs: InstanceInfo[],
  perLb: boolean,
  listening: (i: number) => Record<string, unknown> = (i) => ({ proxy_listen_addresses: [lbs[i].publicIPv4] }),
) {
  const read = (lb: InstanceInfo) => step('quick', `read ${lb.label} upstreams`, 'readUpstreams', ctx.sshTo(lb));
  let upstreams: Upstream[][];
  if (perLb) upstreams = await Promise.all(oldLbs.map(read));
  else {
    const shared = await read(oldLbs[0]);
    upstreams = lbs.map(() => shared);
  }
  const hosts = lbs.map((l, i) => ({
    name: l.label,
    address: l.publicIPv4,
    vars: { ...listening(i), proxy_upstreams: upstreams[i] },
  }));
  await step('long', `Ansible proxy on ${lbs.map((l) => l.label).join(', ')}`, 'runPlaybook', {
    playbook: 'proxy.yml',
    groups: { loadbalancers: hosts },
    groupVars: { loadbalancers: { ...input.proxyVars } },
    ...input.ssh,
  });
}

/** Every record of every zone through each new LB; returns a line for the events. */
export async function verifyNewLbs(ctx: FleetContext, input: LbReplacementInput, lbs: InstanceInfo[]): Promise<string> {
  const through = await verifyEach(ctx, lbs.map(viaPublic), input.policies.gate);
  requireClean(lbs.map(viaPublic), through, 'verification of the new LBs', 'VerifyFailed');
  const answered = through.map((r, i) => `${lbs[i].label} ${r.recordsChecked} records`);
  return `new LBs answer every record: ${answered.join(', ')}`;
}
