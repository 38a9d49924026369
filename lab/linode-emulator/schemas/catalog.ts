// GET /regions, /linode/types, /images and /tags items. Spec 4.189.0; see common.ts.
import { z } from 'zod';
import { Timestamp } from './common';

const Price = z.strictObject({ hourly: z.number(), monthly: z.number() });
const RegionPrice = z.strictObject({ id: z.string(), hourly: z.number(), monthly: z.number() });

export const RegionSchema = z.strictObject({
  id: z.string(),
  label: z.string(),
  country: z.string().length(2),
  capabilities: z.array(z.string()),
  status: z.enum(['ok', 'outage']),
  resolvers: z.strictObject({ ipv4: z.string(), ipv6: z.string() }),
  placement_group_limits: z.strictObject({
    maximum_pgs_per_customer: z.number().int().nullable(),
    maximum_linodes_per_pg: z.number().int(),
  }),
  // The spec spells it `site-type`; the live API and @linode/api-v4 use `site_type`.
  site_type: z.enum(['core', 'distributed']),
});

export const LinodeTypeSchema = z.strictObject({
  id: z.string(),
  label: z.string(),
  class: z.enum(['nanode', 'standard', 'dedicated', 'premium', 'gpu', 'highmem']),
  disk: z.number().int(),
  memory: z.number().int(),
  vcpus: z.number().int(),
  gpus: z.number().int(),
  transfer: z.number().int(),
  network_out: z.number().int(),
  price: Price,
  region_prices: z.array(RegionPrice),
  addons: z.strictObject({ backups: z.strictObject({ price: Price, region_prices: z.array(RegionPrice) }) }),
  successor: z.string().nullable(),
});

export const ImageSchema = z.strictObject({
  id: z.string(),
  label: z.string(),
  description: z.string().nullable(),
  created: Timestamp,
  updated: Timestamp,
  created_by: z.string(),
  deprecated: z.boolean(),
  is_public: z.boolean(),
  size: z.number().int(),
  total_size: z.number().int(),
  status: z.enum(['creating', 'pending_upload', 'available']),
  type: z.enum(['manual', 'automatic']),
  vendor: z.string().nullable(),
  eol: Timestamp.nullable(),
  expiry: Timestamp.nullable(),
  capabilities: z.array(z.string()),
  regions: z.array(z.strictObject({ region: z.string(), status: z.string() })),
  tags: z.array(z.string()),
});

export const TagSchema = z.strictObject({ label: z.string() });
