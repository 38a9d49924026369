// The Firewall, its rules and its devices: /networking/firewalls[/{id}[/rules|/devices[/{id}]]].
// Spec 4.189.0; see common.ts for conventions.
import { z } from 'zod';
import { Timestamp } from './common';

const Policy = z.enum(['ACCEPT', 'DROP']);

const FirewallRule = z.strictObject({
  action: Policy,
  protocol: z.enum(['TCP', 'UDP', 'ICMP', 'IPENCAP', 'ALL']),
  ports: z.string().optional(),
  addresses: z.strictObject({ ipv4: z.array(z.string()).optional(), ipv6: z.array(z.string()).optional() }),
  label: z.string().min(3).max(32).optional(),
  description: z.string().min(1).max(100).optional(),
});

export const FirewallRulesSchema = z.strictObject({
  inbound: z.array(FirewallRule),
  inbound_policy: Policy,
  outbound: z.array(FirewallRule),
  outbound_policy: Policy,
  fingerprint: z.string().regex(/^[0-9a-f]{8}$/),
  version: z.number().int().min(1),
});

const Entity = z.strictObject({
  id: z.number().int(),
  label: z.string().nullable(),
  type: z.enum(['linode', 'nodebalancer']),
  url: z.string(),
});

export const FirewallSchema = z.strictObject({
  id: z.number().int(),
  label: z.string().min(3).max(32),
  created: Timestamp,
  updated: Timestamp,
  status: z.enum(['enabled', 'disabled', 'deleted']),
  rules: FirewallRulesSchema,
  tags: z.array(z.string()),
  entities: z.array(Entity),
});

export const FirewallDeviceSchema = z.strictObject({
  id: z.number().int(),
  created: Timestamp,
  updated: Timestamp,
  entity: Entity,
});
