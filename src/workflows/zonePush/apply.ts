// The zone push's changes on the nameservers: one server at a time, each zone installed and
// reloaded, then every record of every zone verified on that server; and the undo, which gives
// every nameserver its previous zones back with a serial above the pushed one, verified there.
import { ApplicationFailure, patched, type ActivityOptions } from '@temporalio/workflow';
import type { InstanceInfo } from '../../activities/linode';
import { chooseSerial } from '../../dns/serial';
import type { Transports, ZonePlan } from '../../shared';
import { reasonOf } from '../lib/failures';
import type { FleetContext } from '../lib/fleetContext';
import { step } from '../lib/steps';
import { requireClean, verifyThrough, viaPrivate } from '../lib/verify';
import type { ZonePushTracker } from './tracker';

/** A reload is seconds; a failing host should hand over to the rollback quickly. */
const install: ActivityOptions = {
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3 },
};
/** Putting things back keeps trying longer: a host may come back. */
const restore: ActivityOptions = {
  startToCloseTimeout: '5m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 6 },
};

const serving = (plans: ZonePlan[], serial: (p: ZonePlan) => number) => plans.map((p) => `${p.domain} ${serial(p)}`);

/** Installs each zone of `plans` on `server`, then verifies every zone of the fleet on it. */
export async function pushTo(
  ctx: FleetContext,
  t: ZonePushTracker,
  server: InstanceInfo,
  plans: ZonePlan[],
  verify: Transports,
): Promise<void> {
  t.server(server.label, 'pushing');
  for (const p of plans) {
    const zone = { domain: p.domain, file: p.file };
    const summary = `push ${p.domain} serial ${p.serial} to ${server.label}`;
    await step(install, summary, 'pushZone', { target: ctx.sshTo(server), zone, serial: p.serial, tag: ctx.deployTag });
  }
  const checked = await verifyThrough(ctx, viaPrivate(server), verify, 'verify');
  requireClean([viaPrivate(server)], [checked], `verify ${server.label}`, 'VerifyFailed');
  t.server(
    server.label,
    'verified',
    serving(plans, (p) => p.serial),
  );
  t.event(
    `${server.label} serves ${serving(plans, (p) => p.serial).join(', ')}: ` +
      `${checked.recordsChecked} records verified over ${checked.transports.join('+')}`,
  );
}

/** The serial a zone gets when the push is undone: above the pushed one, never back. */
export const rollbackSerial = (p: ZonePlan): number =>
  chooseSerial({ live: p.serial, file: p.serial, contentChanged: true, now: new Date() }).serial;

/**
 * Every nameserver serves its previous zones again (the ones it served before this push) with a
 * serial above the pushed one, verified on it. A server that cannot be put back does not stop
 * the others; the error names each.
 */
export async function restoreAll(
  ctx: FleetContext,
  t: ZonePushTracker,
  servers: InstanceInfo[],
  plans: ZonePlan[],
  verify: Transports,
): Promise<void> {
  const failed: string[] = [];
  const serials = new Map(plans.map((p) => [p.domain, rollbackSerial(p)])); // once: the same on every server
  const serialOf = (p: ZonePlan) => serials.get(p.domain)!;
  for (const server of servers) {
    try {
      for (const p of plans) {
        const request = {
          target: ctx.sshTo(server),
          dnsAddress: viaPrivate(server).address,
          zone: { domain: p.domain, file: p.file },
          serial: serialOf(p),
          tag: ctx.deployTag,
          ...verify,
        };
        const summary = `put the previous ${p.domain} back on ${server.label} (serial ${request.serial})`;
        const checked = await step(restore, summary, 'restoreZone', request);
        requireClean([viaPrivate(server)], [checked], `verify the previous ${p.domain} on ${server.label}`, 'Failed');
      }
      await step('quick', `remove the backups on ${server.label}`, 'discardZoneBackups', {
        target: ctx.sshTo(server),
        domains: plans.map((p) => p.domain),
        tag: ctx.deployTag,
      });
      t.server(server.label, 'restored', serving(plans, serialOf));
    } catch (err) {
      t.server(server.label, 'failed');
      failed.push(`${server.label}: ${reasonOf(err)}`);
    }
  }
  if (failed.length > 0) throw ApplicationFailure.nonRetryable(`not put back: ${failed.join('; ')}`, 'RestoreFailed');
}

/** Pushes recorded before the backups went from every server at once removed them one server at a time. */
const PARALLEL_DISCARD = 'zone-push-parallel-discard';

/** The push is final: the backups on every server go, on all of them at once. */
export async function discardAll(ctx: FleetContext, servers: InstanceInfo[], plans: ZonePlan[]): Promise<void> {
  const domains = plans.map((p) => p.domain);
  const discard = (server: InstanceInfo) =>
    step('quick', `remove the backups on ${server.label}`, 'discardZoneBackups', {
      target: ctx.sshTo(server),
      domains,
      tag: ctx.deployTag,
    });
  if (patched(PARALLEL_DISCARD)) {
    await Promise.all(servers.map(discard));
    return;
  }
  for (const server of servers) await discard(server);
}
