// A zone's plan and its serial. planZone reads what each live nameserver serves — the zone file
// the nameserver role installed, read from the host over SSH — diffs it RRset by RRset against
// the operator's zone file and picks the serial to serve (RFC 1982: the same content keeps its
// serial, changed content gets a higher one). setZoneSerial writes that serial into the
// operator's zone file, proven with named-compilezone like the LB replacement's zone edit
// (zoneChange.ts), with the original kept at backupFile for restoreZoneFile / discardZoneBackup.
import { ApplicationFailure } from '@temporalio/common';
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import { loadZoneText, ZoneLoadError, type Zone, type ZoneRecord } from '../dns';
import { chooseSerial, isSerial, serialGreater, soaSerial } from '../dns/serial';
import { diffZones } from '../dns/zoneDiff';
import { rewriteZoneAddresses } from '../dns/zoneRewrite';
import type { ServedZoneReader } from '../hosts/servedZone';
import { batchedServedZoneReader } from '../hosts/servedZoneBatch';
import type { RRsetChange, ZonePlan } from '../shared/zonePlan';
import type { ZoneRef } from '../shared/shape';
import type { SshTarget } from '../ssh/exec';
import { activityHeartbeat, activitySignal } from './context';
import { reportingTypedErrors } from './failures';
import { loadZoneOrFail } from './zone';
import { writeAtomically } from './zoneChange';

export interface ZonePlanInput {
  zone: ZoneRef;
  /** The nameservers serving the zone today (their labels in `name`, shown in the plan). */
  live: SshTarget[];
}

export interface ZoneSerialChange {
  zone: ZoneRef;
  /** The serial to write into the zone file's SOA (1 … 2^32 − 1). */
  serial: number;
  /** Where the original is kept until `discardZoneBackup` or `restoreZoneFile`. */
  backupFile: string;
}

export interface ZoneSerialChangeResult {
  /** False when the file already had that serial (nothing written, no backup made). */
  changed: boolean;
  serialBefore: number;
  serialAfter: number;
}

export interface ZonePlanDeps {
  /**
   * Reads a nameserver's served zone file; default over SSH, the reads of one host's zones that
   * start together in one session (src/hosts/servedZoneBatch.ts).
   */
  readServedZone?: ServedZoneReader;
  now?: () => Date;
  heartbeat?: (details?: unknown) => void;
  cancellationSignal?: () => AbortSignal | undefined;
}

interface ServedZone {
  records: ZoneRecord[];
  serial: number;
}

interface Served {
  label: string;
  file: string;
  zone?: ServedZone;
}

const refuse = (message: string) => ApplicationFailure.nonRetryable(message, 'ZoneChangeRefused');
const invalid = (message: string) => ApplicationFailure.nonRetryable(message, 'InvalidInput');
const line = (r: ZoneRecord) => `${r.name} ${r.ttl} ${r.class} ${r.type} ${r.rdata}`;
const labelOf = (t: SshTarget) => t.name ?? t.address;
const rrsetCount = (records: ZoneRecord[]) => new Set(records.map((r) => `${r.name}\u0000${r.type}`)).size;

function checkZoneRef(zone: ZoneRef | undefined, activity: string): ZoneRef {
  if (!zone || typeof zone.domain !== 'string' || !zone.domain || typeof zone.file !== 'string' || !zone.file)
    throw invalid(`${activity}: zone must be { domain, file }`);
  return zone;
}

/** The SOA's data with another serial. */
const withSerial = (rdata: string, serial: number) =>
  rdata
    .trim()
    .split(/\s+/)
    .map((f, i) => (i === 2 ? String(serial) : f))
    .join(' ');

/** RRset changes listed in a plan (the rest counted): a plan travels through workflow history. */
const MAX_CHANGES = 200;

export function createZonePlanActivities(deps: ZonePlanDeps = {}) {
  const read = deps.readServedZone ?? batchedServedZoneReader();
  const now = deps.now ?? (() => new Date());
  const heartbeat = deps.heartbeat ?? activityHeartbeat;
  const signalOf = deps.cancellationSignal ?? activitySignal;

  /**
   * What one nameserver serves for the zone, parsed as the zone file is (named-compilezone).
   * `parsed` holds the zones of this plan by served text: servers that serve the same file (the
   * usual case) share one parse and one zone object, whatever the size of the fleet.
   */
  async function servedBy(t: SshTarget, domain: string, parsed: Map<string, Promise<ServedZone>>): Promise<Served> {
    const label = labelOf(t);
    const { file, text } = await read(t, domain, { signal: signalOf() });
    heartbeat({ read: label });
    if (text === undefined) return { label, file };
    let zone = parsed.get(text);
    if (!zone) parsed.set(text, (zone = parseServed(text, domain, label, file)));
    return { label, file, zone: await zone };
  }

  async function parseServed(text: string, domain: string, label: string, file: string): Promise<ServedZone> {
    const source = `${label}:${file}`;
    let zone: Zone;
    try {
      zone = await loadZoneText(text, domain, { source });
    } catch (err) {
      if (!(err instanceof ZoneLoadError)) throw err;
      const message = `the zone ${label} serves does not load: ${err.message}`;
      throw ApplicationFailure.nonRetryable(message, 'ServedZoneUnreadable');
    }
    const serial = soaSerial(zone.records);
    if (serial === undefined)
      throw ApplicationFailure.nonRetryable(`${source} has no SOA serial`, 'ServedZoneUnreadable');
    return { records: zone.records, serial };
  }

  return reportingTypedErrors({
    /**
     * The zone's plan: the RRsets that change from what the live nameservers serve to the zone
     * file, and the serial to serve. The diff is against the server with the highest serial
     * (RFC 1982); servers that disagree with it say so in `live`. When no server serves the zone
     * (its file is missing on every host), `liveSerial` is absent and every RRset is added.
     */
    async planZone(input: ZonePlanInput): Promise<ZonePlan> {
      const { domain, file: zoneFile } = checkZoneRef(input?.zone, 'planZone');
      if (!Array.isArray(input.live)) throw invalid('planZone: live must be a list of SSH targets');
      // Every server is read at once, each read listening on the activity's one cancellation
      // signal (twice while its SSH session runs). The reads start first: those of the other
      // zones' plans, started at the same time, then share their SSH sessions.
      const signal = signalOf();
      if (signal) setMaxListeners(Math.max(10, 2 * input.live.length + 5), signal);
      const parsed = new Map<string, Promise<ServedZone>>();
      const reads = Promise.all(input.live.map((t) => servedBy(t, domain, parsed)));
      reads.catch(() => undefined); // awaited below, unless the zone file fails first
      const file = await loadZoneOrFail(zoneFile, domain);
      const fileSerial = soaSerial(file.records);
      if (fileSerial === undefined)
        throw ApplicationFailure.nonRetryable(`${zoneFile}: no SOA serial found for ${domain}`, 'ZoneLoadError');
      const servers = await reads;
      const serving = servers.filter((s): s is Served & { zone: NonNullable<Served['zone']> } => !!s.zone);
      const highest = serving.reduce<(typeof serving)[number] | undefined>(
        (best, s) => (!best || serialGreater(s.zone.serial, best.zone.serial) ? s : best),
        undefined,
      );

      const live = servers.map((s) => {
        if (!s.zone) return `${s.label} does not serve ${domain} (no ${s.file})`;
        if (!highest || s === highest) return `${s.label} ${s.zone.serial}`;
        if (s.zone.serial !== highest.zone.serial) return `${s.label} ${s.zone.serial} (differs from ${highest.label})`;
        const differ = s.zone === highest.zone ? 0 : diffZones(highest.zone.records, s.zone.records).length;
        return differ === 0
          ? `${s.label} ${s.zone.serial}`
          : `${s.label} ${s.zone.serial} (same serial as ${highest.label}, ${differ} RRset(s) differ)`;
      });

      const changes: RRsetChange[] = diffZones(highest?.zone.records ?? [], file.records);
      // Every server that will serve other content than it does now needs a higher serial: one
      // below the highest gets that anyway, one at the highest serial (other content) does not.
      const changesFrom = new Map<ServedZone, number>(highest ? [[highest.zone, changes.length]] : []);
      const changeCount = (z: ServedZone) =>
        changesFrom.get(z) ?? changesFrom.set(z, diffZones(z.records, file.records).length).get(z)!;
      const otherContent = serving.filter(
        (s) => s !== highest && !serialGreater(highest!.zone.serial, s.zone.serial) && changeCount(s.zone) > 0,
      );
      const choice = chooseSerial({
        live: highest?.zone.serial,
        file: fileSerial,
        contentChanged: changes.length > 0 || otherContent.length > 0,
        now: now(),
      });
      const onlyOthers =
        changes.length === 0 && otherContent.length > 0
          ? `${otherContent.map((s) => s.label).join(', ')} serve(s) other content than the file; `
          : '';
      return {
        domain,
        file: zoneFile,
        records: file.records.length,
        rrsets: rrsetCount(file.records),
        fileSerial,
        ...(highest && { liveSerial: highest.zone.serial }),
        live,
        changes: changes.slice(0, MAX_CHANGES),
        changesOmitted: Math.max(0, changes.length - MAX_CHANGES),
        counts: {
          added: changes.filter((c) => c.kind === 'added').length,
          removed: changes.filter((c) => c.kind === 'removed').length,
          changed: changes.filter((c) => c.kind === 'changed').length,
        },
        ...(highest && { liveRrsets: rrsetCount(highest.zone.records) }),
        servers: servers.map((s) => ({ label: s.label, ...(s.zone && { serial: s.zone.serial }) })),
        serial: choice.serial,
        serialNote: `${onlyOthers}${choice.note}`,
      };
    },

    /**
     * Writes `serial` into the zone file's SOA and changes nothing else, proven: BIND's reading of
     * the new text is the original's with only the serial changed. Atomic (rename); the original
     * is kept at backupFile (restoreZoneFile puts it back, discardZoneBackup drops it). A retry
     * starts again from the backup, so it gives the same file and the same result. A file that
     * already has the serial is left alone: changed false, no backup.
     */
    async setZoneSerial(input: ZoneSerialChange): Promise<ZoneSerialChangeResult> {
      const { domain, file } = checkZoneRef(input?.zone, 'setZoneSerial');
      if (!isSerial(input.serial) || input.serial === 0)
        throw invalid(`setZoneSerial: serial ${String(input.serial)} must be an integer 1…${2 ** 32 - 1}`);
      if (!input.backupFile || input.backupFile === file)
        throw refuse('setZoneSerial: zone.file and backupFile must be two different paths');
      const readText = (path: string) => {
        try {
          return fs.readFileSync(path, 'utf8');
        } catch (err) {
          throw refuse(`setZoneSerial: cannot read ${path}: ${(err as Error).message}`);
        }
      };
      const current = readText(file);
      const backupExisted = fs.existsSync(input.backupFile);
      // A retry after the backup was made starts again from the original, never from our own output.
      const original = backupExisted ? readText(input.backupFile) : current;
      let rewrite;
      try {
        rewrite = rewriteZoneAddresses(original, domain, {}, () => input.serial);
      } catch (err) {
        throw refuse(`${file}: ${(err as Error).message}`);
      }
      if (backupExisted && current !== original && current !== rewrite.text)
        throw refuse(
          `${file} changed since its backup ${input.backupFile} was made (edited during this change?); ` +
            'nothing was written',
        );
      const result = { serialBefore: rewrite.serialBefore, serialAfter: input.serial };
      if (rewrite.serialBefore === input.serial) return { changed: false, ...result };

      let before, after;
      try {
        before = await loadZoneText(original, domain, { source: backupExisted ? input.backupFile : file });
        after = await loadZoneText(rewrite.text, domain, { source: `${file} (serial ${input.serial})` });
      } catch (err) {
        if (err instanceof ZoneLoadError) throw refuse(err.message);
        throw err;
      }
      const expected = before.records.map((r) =>
        r.type === 'SOA' ? { ...r, rdata: withSerial(r.rdata, input.serial) } : r,
      );
      if (
        soaSerial(after.records) !== input.serial ||
        expected.map(line).sort().join('\n') !== after.records.map(line).sort().join('\n')
      )
        throw refuse(
          `${file}: the zone with serial ${input.serial} would differ in more than the serial; nothing was written`,
        );

      if (current === rewrite.text) return { changed: true, ...result }; // an earlier attempt wrote it
      // The backup appears whole or not at all: a retry reads it as the original.
      if (!backupExisted) writeAtomically(input.backupFile, original);
      try {
        writeAtomically(file, rewrite.text);
      } catch (err) {
        // Nothing was written: no backup of this attempt may be left beside the zone.
        if (!backupExisted) fs.rmSync(input.backupFile, { force: true });
        throw err;
      }
      return { changed: true, ...result };
    },
  });
}

export type ZonePlanActivities = ReturnType<typeof createZonePlanActivities>;
