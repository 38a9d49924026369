// The Linode (instance) object: GET/PUT /linode/instances/{linodeId}, POST and list
// /linode/instances. Spec 4.189.0; see common.ts for conventions.
import { z } from 'zod';
import { Timestamp } from './common';

export const SPEC_INSTANCE_STATUSES = [
  'running',
  'offline',
  'booting',
  'busy',
  'rebooting',
  'shutting_down',
  'provisioning',
  'deleting',
  'migrating',
  'rebuilding',
  'cloning',
  'restoring',
  'stopped',
  'billing_suspension',
] as const;

const ScheduleDay = z.enum([
  'Scheduling',
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
]);
const ScheduleWindow = z.enum([
  'Scheduling',
  'W0',
  'W2',
  'W4',
  'W6',
  'W8',
  'W10',
  'W12',
  'W14',
  'W16',
  'W18',
  'W20',
  'W22',
]);

export const InstanceSchema = z.strictObject({
  id: z.number().int(),
  label: z
    .string()
    .min(3)
    .max(64)
    .regex(/^[a-zA-Z]((?!--|__|\.\.)[a-zA-Z0-9-_.])+$/),
  group: z.string(),
  status: z.enum(SPEC_INSTANCE_STATUSES),
  created: Timestamp,
  updated: Timestamp,
  type: z.string(),
  ipv4: z.array(z.ipv4()),
  ipv6: z
    .string()
    .regex(/^[0-9a-f:]+\/128$/)
    .nullable(),
  image: z.string().nullable(),
  region: z.string(),
  specs: z.strictObject({
    disk: z.number().int(),
    memory: z.number().int(),
    vcpus: z.number().int(),
    gpus: z.number().int(),
    transfer: z.number().int(),
  }),
  alerts: z.strictObject({
    cpu: z.number().int(),
    io: z.number().int(),
    network_in: z.number().int(),
    network_out: z.number().int(),
    transfer_quota: z.number().int(),
  }),
  backups: z.strictObject({
    enabled: z.boolean(),
    available: z.boolean(),
    schedule: z.strictObject({ day: ScheduleDay.nullable(), window: ScheduleWindow.nullable() }),
    // The spec does not mark it nullable; the live API sends null before the first backup.
    last_successful: Timestamp.nullable(),
  }),
  hypervisor: z.literal('kvm'),
  watchdog_enabled: z.boolean(),
  tags: z.array(z.string()),
  // The spec says format uuid; its example and the live API use 40 hex digits.
  host_uuid: z.string().regex(/^[0-9a-f]{40}$|^[0-9a-f-]{36}$/),
  has_user_data: z.boolean(),
  placement_group: z
    .strictObject({
      id: z.number().int(),
      label: z.string(),
      placement_group_type: z.string(),
      placement_group_policy: z.enum(['strict', 'flexible']),
      migrating_to: z.string().optional(),
    })
    .nullable(),
  lke_cluster_id: z.number().int().nullable(),
  capabilities: z.array(z.string()),
});
export type InstanceBody = z.infer<typeof InstanceSchema>;
