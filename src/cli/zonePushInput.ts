// Turns a fleet config into the zone push's workflow input: names, paths and policies only
// (secrets stay in the worker's environment and key files).
import type { FleetConfig } from '../config';
import type { ZonePushInput } from '../shared';
import { fleetSpecOf } from './deployInput';

export interface ZonePushOptions {
  dryRun?: boolean;
  force?: boolean;
  /** Wait for approval after the canary (overrides the config). */
  approve?: boolean;
}

export function zonePushInput(cfg: FleetConfig, opts: ZonePushOptions = {}): ZonePushInput {
  const p = cfg.policies;
  return {
    ...fleetSpecOf(cfg),
    policies: {
      thresholds: {
        maxUpdatePercent: p.zonePush.maxUpdatePercent,
        maxDeletePercent: p.zonePush.maxDeletePercent,
        minRecords: p.zonePush.minRecords,
      },
      approval: {
        afterCanary: opts.approve ?? p.zonePush.approveAfterCanary,
        timeoutMs: p.approval.timeout,
        onTimeout: p.approval.onTimeout,
      },
      zoneChecks: { rfc2181: p.zoneChecks.rfc2181 },
      verify: { transports: p.gate.transports, concurrency: p.gate.concurrency },
    },
    ...(opts.dryRun && { dryRun: true }),
    ...(opts.force && { force: true }),
  };
}
