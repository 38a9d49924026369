// "Every record of the zone, asked through this host": the gate, the cutover checks, the soak,
// the LB checks and the LB update all verify this way, over the transports the policy names.
import { ApplicationFailure } from '@temporalio/workflow';
import type { CompactZoneComparison } from '../../dns/compact';
import type { Transports } from '../../shared';
import type { FleetContext } from './fleetContext';
import { step } from './steps';

export interface VerifyTarget {
  label: string;
  /** Where to ask: the host's public address, or a nameserver's private one. */
  address: string;
}

/** Every record of every zone of the fleet through one host; `what` starts the Web UI summary. */
export function verifyThrough(
  ctx: FleetContext,
  host: VerifyTarget,
  probe: Transports,
  what = 'verify',
): Promise<CompactZoneComparison> {
  const { transports, concurrency } = probe;
  const request = { server: { address: host.address }, zones: ctx.zones, transports, concurrency };
  return step('long', `${what} through ${host.label}`, 'compareZoneOnServer', request);
}

/** The same through several hosts at once, in their order. */
export function verifyEach(
  ctx: FleetContext,
  hosts: VerifyTarget[],
  probe: Transports,
  what?: string,
): Promise<CompactZoneComparison[]> {
  return Promise.all(hosts.map((h) => verifyThrough(ctx, h, probe, what)));
}

/** Throws (non-retryable, `type`) naming each host that is not clean and its first differences. */
export function requireClean(
  hosts: VerifyTarget[],
  results: CompactZoneComparison[],
  what: string,
  type: string,
): void {
  const bad = results.map((r, i) => ({ r, host: hosts[i] })).filter(({ r }) => !r.ok);
  if (bad.length === 0) return;
  const problems = bad.flatMap(({ r, host }) => {
    const shown = r.differences.slice(0, 5).map((d) => `${host.label}: ${d.kind} ${d.name} ${d.type}/${d.transport}`);
    return shown.length ? shown : [`${host.label}: not as the zone says`];
  });
  throw ApplicationFailure.nonRetryable(`${what} failed: ${problems.join('; ')}`, type);
}

/** A host as verification targets it: public address (LBs, and what clients use). */
export const viaPublic = (h: { label: string; publicIPv4: string }): VerifyTarget => ({
  label: h.label,
  address: h.publicIPv4,
});

/** A nameserver asked directly, on its private address when it has one. */
export const viaPrivate = (h: { label: string; publicIPv4: string; privateIPv4: string | null }): VerifyTarget => ({
  label: h.label,
  address: h.privateIPv4 ?? h.publicIPv4,
});
