// The small, fixed catalogue the emulator offers: regions, instance types and images.
// Shapes follow Linode's OpenAPI spec 4.189.0 (linode/linode-api-docs, openapi.yaml);
// sizes and prices are the public ones for these plans. Resolver addresses are lab
// addresses (198.18.0.0/15 is a benchmarking range that is never routed).

export interface Region {
  id: string;
  label: string;
  country: string;
  capabilities: string[];
  status: 'ok' | 'outage';
  resolvers: { ipv4: string; ipv6: string };
  placement_group_limits: { maximum_pgs_per_customer: number | null; maximum_linodes_per_pg: number };
  /** The spec (4.189.0) spells this `site-type`; the live API and @linode/api-v4 use `site_type`. */
  site_type: 'core' | 'distributed';
}

export interface Price {
  hourly: number;
  monthly: number;
}

export interface LinodeType {
  id: string;
  label: string;
  class: 'nanode' | 'standard' | 'dedicated' | 'premium' | 'gpu' | 'highmem';
  disk: number;
  memory: number;
  vcpus: number;
  gpus: number;
  transfer: number;
  network_out: number;
  price: Price;
  region_prices: (Price & { id: string })[];
  addons: { backups: { price: Price; region_prices: (Price & { id: string })[] } };
  successor: string | null;
}

export interface Image {
  id: string;
  label: string;
  description: string | null;
  created: string;
  updated: string;
  created_by: string;
  deprecated: boolean;
  is_public: boolean;
  size: number;
  total_size: number;
  status: 'creating' | 'pending_upload' | 'available';
  type: 'manual' | 'automatic';
  vendor: string | null;
  eol: string | null;
  expiry: string | null;
  capabilities: string[];
  regions: { region: string; status: string }[];
  tags: string[];
}

const REGION_CAPABILITIES = ['Linodes', 'Block Storage', 'Cloud Firewall', 'Vlans', 'Metadata', 'Placement Group'];

function region(id: string, label: string, country: string): Region {
  return {
    id,
    label,
    country,
    capabilities: [...REGION_CAPABILITIES],
    status: 'ok',
    resolvers: { ipv4: '198.18.0.2,198.18.0.3', ipv6: '2001:db8::2,2001:db8::3' },
    placement_group_limits: { maximum_pgs_per_customer: null, maximum_linodes_per_pg: 5 },
    site_type: 'core',
  };
}

export const REGIONS: readonly Region[] = [
  region('us-east', 'Newark, NJ', 'us'),
  region('us-west', 'Fremont, CA', 'us'),
  region('eu-west', 'London, UK', 'gb'),
];

interface PlanFigures {
  memory: number;
  disk: number;
  vcpus: number;
  transfer: number;
  price: Price;
  backups: Price;
}

function linodeType(id: string, label: string, cls: LinodeType['class'], f: PlanFigures): LinodeType {
  return {
    id,
    label,
    class: cls,
    memory: f.memory,
    disk: f.disk,
    vcpus: f.vcpus,
    gpus: 0,
    transfer: f.transfer,
    network_out: f.transfer,
    price: f.price,
    region_prices: [],
    addons: { backups: { price: f.backups, region_prices: [] } },
    successor: null,
  };
}

export const TYPES: readonly LinodeType[] = [
  linodeType('g6-nanode-1', 'Nanode 1GB', 'nanode', {
    memory: 1024,
    disk: 25600,
    vcpus: 1,
    transfer: 1000,
    price: { hourly: 0.0075, monthly: 5 },
    backups: { hourly: 0.003, monthly: 2 },
  }),
  linodeType('g6-standard-1', 'Linode 2GB', 'standard', {
    memory: 2048,
    disk: 51200,
    vcpus: 1,
    transfer: 2000,
    price: { hourly: 0.018, monthly: 12 },
    backups: { hourly: 0.004, monthly: 2.5 },
  }),
  linodeType('g6-standard-2', 'Linode 4GB', 'standard', {
    memory: 4096,
    disk: 81920,
    vcpus: 2,
    transfer: 4000,
    price: { hourly: 0.036, monthly: 24 },
    backups: { hourly: 0.008, monthly: 5 },
  }),
];

function debian(version: number, size: number, created: string, eol: string): Image {
  return {
    id: `linode/debian${version}`,
    label: `Debian ${version}`,
    description: null,
    created,
    updated: created,
    created_by: 'linode',
    deprecated: false,
    is_public: true,
    size,
    total_size: size,
    status: 'available',
    type: 'manual',
    vendor: 'Debian',
    eol,
    expiry: null,
    capabilities: ['cloud-init'],
    regions: [],
    tags: [],
  };
}

export const IMAGES: readonly Image[] = [
  debian(12, 1800, '2023-06-12T16:00:00', '2028-06-30T04:00:00'),
  debian(11, 1500, '2021-08-14T22:44:02', '2026-08-31T04:00:00'),
];

export const findRegion = (id: string): Region | undefined => REGIONS.find((r) => r.id === id);
export const findType = (id: string): LinodeType | undefined => TYPES.find((t) => t.id === id);
export const findImage = (id: string): Image | undefined => IMAGES.find((i) => i.id === id);
