// An adoption's plan, shown before anything changes: per host the tags it gets and the keys it
// presented (pinned only once you confirm one), then the roles (--check --diff after pinning).
import { fleetTag, type AdoptHostView, type FleetAdoptInput } from '../../shared';

export function adoptPlan(input: FleetAdoptInput, hosts: AdoptHostView[]): string[] {
  const tags = [fleetTag(input.fleet), ...input.linode.tags];
  return [
    ...hosts.map((h) => {
      const keys = h.keys.map((k) => `${k.type} ${k.fingerprint}`).join(', ');
      return `${h.label} (${h.role}, ${h.publicIPv4}): add tags ${tags.join(', ')}; presents ${keys}`;
    }),
    `pin each host's key in ${input.ssh.knownHostsFile} once you confirm its fingerprint ` +
      '(read it out of band, e.g. on the Lish console: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub)',
    `tag the instances${input.firewall ? ", attach each role's Cloud Firewall" : ''}, then show the roles' plan ` +
      '(Ansible site.yml --check --diff)',
    `on approval: apply the roles, then verify every record of ${input.zones.length} zone(s) on each ` +
      'nameserver and through each LB',
  ];
}
