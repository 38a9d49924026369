// Lab hosts: each emulated Linode instance becomes a real little host on this machine, with
// its own network namespace and addresses (198.18.0.0/15 only), hostname, /etc/bind,
// /etc/nginx, /etc/ssh, /root and sshd (PID 1, with the host key the caller injects). BIND and
// nginx inside are configured by the same Ansible roles as production.
//
//   await createLabNetwork();
//   const ns1 = await startHost({ label: 'ns1', addresses: ['198.18.1.11', '198.19.128.11'], hostKey, authorizedKeys });
//   await ns1.stop();
//   await teardownAll(); expect(await leftovers()).toEqual([]);
export { createLabNetwork, destroyLabNetwork } from './network';
export type { LabNetworkOptions } from './network';
export { destroyHost, hostMemory, listHosts, startHost, stopHost } from './host';
export type { HostMemory, LabHost, LabHostStatus, LabOptions, StartHostOptions } from './host';
export { leftovers, teardownAll } from './teardown';
export { applyCloudFirewall, CLOUD_FIREWALL_TABLE, renderCloudFirewall } from './cloudFirewall';
export type { CloudFirewallRule, CloudFirewallRules } from './cloudFirewall';
export { setHostAddresses } from './addressMoves';
export type { HostAddresses } from './addressMoves';
export type { TeardownOptions } from './teardown';
export { DEFAULT_LAB_CONFIG } from './paths';
export { regionIsolation } from './regions';
export type { RegionIsolation } from './regions';
export type { LabConfig } from './paths';
export type { HostKey } from './sshd';
