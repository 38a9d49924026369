// Turns stored instances into the response bodies the spec (4.189.0) describes for
// GET /linode/instances/{id} and GET /linode/instances/{id}/ips.
import { findType } from './catalog';
import { type AddressPool, type IpPools, linkLocalFor } from './ipam';
import type { StoredInstance } from './state';

export function renderInstance(i: StoredInstance) {
  const type = findType(i.type);
  return {
    id: i.id,
    label: i.label,
    group: i.group,
    status: i.status,
    created: i.created,
    updated: i.updated,
    type: i.type,
    ipv4: i.ipv4Private ? [i.ipv4Public, i.ipv4Private] : [i.ipv4Public],
    ipv6: `${i.ipv6}/128`,
    image: i.image,
    region: i.region,
    specs: {
      disk: type?.disk ?? 0,
      memory: type?.memory ?? 0,
      vcpus: type?.vcpus ?? 0,
      gpus: type?.gpus ?? 0,
      transfer: type?.transfer ?? 0,
    },
    alerts: { ...i.alerts },
    backups: { enabled: false, available: false, schedule: { day: null, window: null }, last_successful: null },
    hypervisor: 'kvm' as const,
    watchdog_enabled: i.watchdogEnabled,
    tags: [...i.tags],
    host_uuid: i.hostUuid,
    has_user_data: i.userData !== null,
    placement_group: null,
    lke_cluster_id: null,
    capabilities: [] as string[],
  };
}

function ipv4Entry(i: StoredInstance, address: string, pool: AddressPool, isPublic: boolean) {
  return {
    address,
    gateway: pool.gateway,
    subnet_mask: pool.subnetMask,
    prefix: pool.prefix,
    type: 'ipv4' as const,
    public: isPublic,
    // Lab addresses have no real reverse DNS; .invalid can never resolve.
    rdns: isPublic ? `${address.replaceAll('.', '-')}.ip.lab.invalid` : null,
    linode_id: i.id,
    region: i.region,
    vpc_nat_1_1: null,
  };
}

function ipv6Entry(i: StoredInstance, address: string, isPublic: boolean) {
  return {
    address,
    gateway: 'fe80::1',
    subnet_mask: 'ffff:ffff:ffff:ffff::',
    prefix: 64,
    type: 'ipv6' as const,
    public: isPublic,
    rdns: null,
    linode_id: i.id,
    region: i.region,
  };
}

export function renderIps(i: StoredInstance, pools: IpPools) {
  return {
    ipv4: {
      public: [ipv4Entry(i, i.ipv4Public, pools.public, true)],
      private: i.ipv4Private ? [ipv4Entry(i, i.ipv4Private, pools.privateFor(i.region), false)] : [],
      shared: [],
      reserved: [],
      vpc: [],
    },
    ipv6: {
      slaac: ipv6Entry(i, i.ipv6, true),
      link_local: ipv6Entry(i, linkLocalFor(i.id), false),
      global: [],
    },
  };
}
