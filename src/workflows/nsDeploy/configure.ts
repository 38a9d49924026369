// The new nameservers get the same Ansible role production always uses, with an NSID that
// names exactly this server.
import type { InstanceInfo } from '../../activities/linode';
import { reachedPublicly, type NsDeployInput } from '../../shared';
import { step } from '../lib/steps';

/**
 * NSID of a server this deploy configures: label plus instance ID, unique for ever, so answers
 * from an older server (which may carry the same label) can never pass for the new one's.
 */
export const serverIdOf = (i: Pick<InstanceInfo, 'label' | 'id'>) => `${i.label}.${i.id}`;

/**
 * Each new server listens on its private address (for the LBs of its region), and on its public
 * one too when an LB of another region names it as an upstream.
 */
export async function configureNameservers(input: NsDeployInput, servers: InstanceInfo[]): Promise<void> {
  const hosts = servers.map((s, i) => {
    const listen = [s.privateIPv4, ...(reachedPublicly(input, input.nameservers[i]) ? [s.publicIPv4] : [])];
    return {
      name: s.label,
      address: s.publicIPv4,
      vars: { nameserver_listen_addresses: listen, nameserver_server_id: serverIdOf(s) },
    };
  });
  const zones = input.zones.map((z) => ({ name: z.domain, file: z.file }));
  await step('long', `Ansible nameserver on ${servers.map((s) => s.label).join(', ')}`, 'runPlaybook', {
    playbook: 'nameserver.yml',
    groups: { nameservers: hosts },
    groupVars: { nameservers: { nameserver_zones: zones } },
    ...input.ssh,
  });
}
