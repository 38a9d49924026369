// GET /linode/instances/{linodeId}/ips. Spec 4.189.0; see common.ts for conventions.
import { z } from 'zod';

const Ipv4Address = z.strictObject({
  address: z.ipv4(),
  gateway: z.ipv4().nullable(),
  subnet_mask: z.ipv4(),
  prefix: z.number().int().min(0).max(32),
  type: z.literal('ipv4'),
  public: z.boolean(),
  // Nullable in the live API (and the spec's own examples) though the spec omits `nullable`.
  rdns: z.string().nullable(),
  linode_id: z.number().int(),
  region: z.string(),
  vpc_nat_1_1: z
    .strictObject({ address: z.ipv4(), subnet_id: z.number().int(), vpc_id: z.number().int() })
    .nullable()
    .optional(),
});

const Ipv6Address = z.strictObject({
  address: z.ipv6(),
  gateway: z.string(),
  subnet_mask: z.string(),
  prefix: z.number().int(),
  type: z.literal('ipv6'),
  public: z.boolean(),
  rdns: z.string().nullable(),
  linode_id: z.number().int(),
  region: z.string(),
});

export const InstanceIpsSchema = z.strictObject({
  ipv4: z.strictObject({
    public: z.array(Ipv4Address),
    private: z.array(Ipv4Address),
    shared: z.array(Ipv4Address),
    reserved: z.array(Ipv4Address),
    vpc: z.array(z.record(z.string(), z.unknown())),
  }),
  ipv6: z.strictObject({
    slaac: Ipv6Address.nullable(),
    link_local: Ipv6Address,
    global: z.array(
      z.strictObject({
        prefix: z.number().int(),
        range: z.string(),
        region: z.string(),
        route_target: z.string().nullable(),
      }),
    ),
  }),
});
export type InstanceIpsBody = z.infer<typeof InstanceIpsSchema>;

/** An item of GET /networking/ips: an IPv4 or IPv6 address object. */
export const IpAddressSchema = z.union([Ipv4Address, Ipv6Address]);
