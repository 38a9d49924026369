// The zones of an NS deploy: what the live fleet serves against each zone file (the plan shows
// every RRset that changes), and the serial each zone will serve — above the live one when the
// content changed, the live one when not. A zone file whose serial must change is rewritten
// (serial only, the original kept) before the new servers are configured, and put back if the
// deploy is undone.
import type { InstanceInfo } from '../../activities/linode';
import { describeChange, type ZonePlan } from '../../shared';
import type { FleetContext } from '../lib/fleetContext';
import type { Saga } from '../lib/saga';
import { step } from '../lib/steps';

/** Each zone as the live nameservers serve it, against its zone file (read-only). */
export function planZones(ctx: FleetContext, zones: { domain: string; file: string }[], live: InstanceInfo[]) {
  const servers = live.map((s) => ctx.sshTo(s));
  return Promise.all(
    zones.map((zone) => step('quick', `plan zone ${zone.domain}`, 'planZone', { zone, live: servers })),
  );
}

/** Backup of a zone file whose serial this deploy set (removed once the deploy is final). */
export const serialBackupOf = (ctx: FleetContext, file: string) => `${file}.${ctx.deployTag}.serial.orig`;

/** Sets each zone file's serial where the plan chose another; each undo registered first. */
export async function applySerials(ctx: FleetContext, saga: Saga, plans: ZonePlan[], event: (e: string) => void) {
  for (const p of plans.filter((x) => x.serial !== x.fileSerial)) {
    const zone = { domain: p.domain, file: p.file };
    const backupFile = serialBackupOf(ctx, p.file);
    saga.add(`restore ${p.file}`, async () => {
      await step('quick', `restore ${p.file}`, 'restoreZoneFile', { zoneFile: p.file, backupFile });
    });
    const summary = `serial ${p.fileSerial} → ${p.serial} in ${p.file}`;
    await step('quick', summary, 'setZoneSerial', { zone, serial: p.serial, backupFile });
    event(`zone ${p.domain}: ${summary} (${p.serialNote})`);
  }
}

/** The deploy is final: the zone files keep the serials it served. */
export async function keepSerials(ctx: FleetContext, plans: ZonePlan[]) {
  for (const p of plans.filter((x) => x.serial !== x.fileSerial)) {
    const backupFile = serialBackupOf(ctx, p.file);
    await step('quick', `keep the serial of ${p.file}`, 'discardZoneBackup', { backupFile });
  }
}

/** "zone example.test: serial 2026120100 → 2026120101, 3 RRset(s) change" and a line per change. */
export function zonePlanLines(p: ZonePlan): string[] {
  const serial =
    p.liveSerial === undefined ? `serial ${p.serial} (not served yet)` : `serial ${p.liveSerial} → ${p.serial}`;
  const count = p.changes.length + (p.changesOmitted ?? 0);
  const head = `zone ${p.domain}: ${serial}, ${count ? `${count} RRset(s) change` : 'no change'}`;
  const more = p.changesOmitted ? [`  … and ${p.changesOmitted} more`] : [];
  return [`${head} — ${p.serialNote}`, ...p.changes.map((c) => `  ${describeChange(c)}`), ...more];
}

/** Changes shown as events per zone; the plan itself lists them all. */
const SHOWN_CHANGES = 10;

/** The zone's plan as the deploy's first events: the serial line and its first changes. */
export function showZonePlan(p: ZonePlan, event: (e: string) => void): void {
  const [head, ...changes] = zonePlanLines(p);
  event(head);
  for (const line of changes.slice(0, SHOWN_CHANGES)) event(line.trim());
  if (changes.length > SHOWN_CHANGES) event(`… ${changes.length - SHOWN_CHANGES} more in the plan (status query)`);
}
