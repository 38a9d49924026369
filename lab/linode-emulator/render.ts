// Turns stored instances into the response bodies the spec (4.189.0) describes for
// GET /linode/instances/{id} and GET /linode/instances/{id}/ips.
import { findType } from './catalog';
import { type AddressPool, type IpPools, linkLocalFor } from './ipam';
import { publicAddressesOf, type StoredFirewall, type StoredInstance } from './state';

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
    ipv4: [...publicAddressesOf(i), ...(i.ipv4Private ? [i.ipv4Private] : [])],
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

/** Who holds an address (for the `linode_id` of a shared address's entry). */
export type HolderOf = (address: string) => StoredInstance | undefined;

export function renderIps(i: StoredInstance, pools: IpPools, holderOf: HolderOf) {
  return {
    ipv4: {
      public: publicAddressesOf(i).map((a) => ipv4Entry(i, a, pools.public, true)),
      private: i.ipv4Private ? [ipv4Entry(i, i.ipv4Private, pools.privateFor(i.region), false)] : [],
      shared: i.ipv4Shared.flatMap((a) => {
        const holder = holderOf(a);
        return holder ? [ipv4Entry(holder, a, pools.public, true)] : [];
      }),
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

/** GET /networking/ips: the account's public addresses (IPv4, then each instance's SLAAC address). */
export function renderAccountIps(instances: StoredInstance[], pools: IpPools) {
  return [
    ...instances.flatMap((i) => publicAddressesOf(i).map((a) => ipv4Entry(i, a, pools.public, true))),
    ...instances.map((i) => ipv6Entry(i, i.ipv6, true)),
  ];
}

/** 32-bit hash of the rules (the spec's `fingerprint`), as 8 hex digits. */
function fingerprint(f: StoredFirewall): string {
  let hash = 0x811c9dc5; // FNV-1a
  for (const ch of JSON.stringify(f.rules)) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

export function renderFirewallRules(f: StoredFirewall) {
  return { ...structuredClone(f.rules), fingerprint: fingerprint(f), version: f.rulesVersion };
}

function deviceEntity(linodeId: number, label: string | null) {
  return { id: linodeId, label, type: 'linode' as const, url: `/v4/linode/instances/${linodeId}` };
}

/** `labelOf` names a device's Linode (null when it is gone). */
export function renderFirewall(f: StoredFirewall, labelOf: (linodeId: number) => string | null) {
  return {
    id: f.id,
    label: f.label,
    created: f.created,
    updated: f.updated,
    status: f.status,
    rules: renderFirewallRules(f),
    tags: [...f.tags],
    entities: f.devices.map((d) => deviceEntity(d.linodeId, labelOf(d.linodeId))),
  };
}

export function renderFirewallDevice(d: StoredFirewall['devices'][number], label: string | null) {
  return { id: d.id, created: d.created, updated: d.created, entity: deviceEntity(d.linodeId, label) };
}
