// The LB replacement's zone edit: the records that point at the old LBs move to the new ones,
// in the operator's own zone file (so the next deploy serves the same), proven with
// named-compilezone before the file is replaced. The original is kept beside it until the
// replacement ends, so an abort can put it back; all three steps are idempotent.
import { ApplicationFailure } from '@temporalio/common';
import fs from 'node:fs';
import path from 'node:path';
import { loadZoneFile, loadZoneText, ZoneLoadError, type ZoneRecord } from '../dns';
import { nextSerial, rewriteZoneAddresses, type AddressEdit } from '../dns/zoneRewrite';

export interface ZoneAddressRecord {
  name: string;
  type: string;
  ttl: number;
  address: string;
}

export interface ZoneAddressChange {
  zoneFile: string;
  domain: string;
  /** Old address → new address. */
  moves: Record<string, string>;
  /** Where the original is kept until `discardZoneBackup` or `restoreZoneFile`. */
  backupFile: string;
}

export interface ZoneAddressChangeResult {
  serialBefore: number;
  serialAfter: number;
  edits: AddressEdit[];
}

const refuse = (message: string) => ApplicationFailure.nonRetryable(message, 'ZoneChangeRefused');
const line = (r: ZoneRecord) => `${r.name} ${r.ttl} ${r.class} ${r.type} ${r.rdata}`;

async function load(file: string, domain: string) {
  try {
    return await loadZoneFile(file, domain);
  } catch (err) {
    if (err instanceof ZoneLoadError) throw refuse(err.message);
    throw err;
  }
}

/** Replaces `file` by a rename in its directory: readers see the old or the new text, never a mix. */
export function writeAtomically(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.nsdeploy-${process.pid}.tmp`);
  const mode = fs.existsSync(file) ? fs.statSync(file).mode & 0o777 : 0o644;
  fs.writeFileSync(tmp, text, { mode });
  fs.renameSync(tmp, file);
}

/**
 * The edited text, proven: BIND's reading of it is the original's with exactly the moved
 * addresses and the new serial. Any other outcome is refused (non-retryable).
 */
async function provenRewrite(original: string, input: ZoneAddressChange, moves: Record<string, string>, now: Date) {
  let result;
  try {
    result = rewriteZoneAddresses(original, input.domain, moves, (old) => nextSerial(old, now));
  } catch (err) {
    throw refuse(`${input.zoneFile}: ${(err as Error).message}`);
  }
  const missing = Object.keys(moves).filter((from) => !result.edits.some((e) => e.from.toLowerCase() === from));
  if (missing.length > 0) throw refuse(`${input.zoneFile}: no A/AAAA record has the address ${missing.join(', ')}`);
  let before, after;
  try {
    before = await loadZoneText(original, input.domain, { source: input.backupFile });
    after = await loadZoneText(result.text, input.domain, { source: `${input.zoneFile} (edited)` });
  } catch (err) {
    if (err instanceof ZoneLoadError) throw refuse(err.message);
    throw err;
  }
  const serialAfter = String(result.serialAfter);
  const expected = before.records.map((r) => {
    if ((r.type === 'A' || r.type === 'AAAA') && moves[r.rdata.toLowerCase()])
      return { ...r, rdata: moves[r.rdata.toLowerCase()] };
    if (r.type === 'SOA')
      return {
        ...r,
        rdata: r.rdata
          .split(/\s+/)
          .map((f, i) => (i === 2 ? serialAfter : f))
          .join(' '),
      };
    return r;
  });
  if (expected.map(line).sort().join('\n') !== after.records.map(line).sort().join('\n')) {
    throw refuse(
      `${input.zoneFile}: the edited zone would differ from the intended change in more than the moved addresses ` +
        'and the serial; nothing was written',
    );
  }
  return result;
}

export function createZoneChangeActivities(deps: { now?: () => Date } = {}) {
  const now = deps.now ?? (() => new Date());
  return {
    /** The zone's A/AAAA records whose address is one of `addresses` (e.g. the LBs' public IPs). */
    async zoneRecordsAt(input: {
      zoneFile: string;
      domain: string;
      addresses: string[];
    }): Promise<ZoneAddressRecord[]> {
      const zone = await load(input.zoneFile, input.domain);
      const wanted = new Set(input.addresses.map((a) => a.toLowerCase()));
      return zone.records
        .filter((r) => (r.type === 'A' || r.type === 'AAAA') && wanted.has(r.rdata.toLowerCase()))
        .map((r) => ({ name: r.name, type: r.type, ttl: r.ttl, address: r.rdata }));
    },

    /** Moves the addresses in the zone file and raises its serial; proven before it is written. */
    async moveZoneAddresses(input: ZoneAddressChange): Promise<ZoneAddressChangeResult> {
      if (!input.zoneFile || !input.backupFile || input.zoneFile === input.backupFile)
        throw refuse('moveZoneAddresses: zoneFile and backupFile must be two different paths');
      const moves = Object.fromEntries(Object.entries(input.moves ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      if (Object.keys(moves).length === 0) throw refuse('moveZoneAddresses: nothing to move');
      // A retry after the backup was made starts again from the original, never from our own output.
      if (!fs.existsSync(input.backupFile)) fs.copyFileSync(input.zoneFile, input.backupFile);
      const original = fs.readFileSync(input.backupFile, 'utf8');
      let result;
      try {
        result = await provenRewrite(original, input, moves, now());
        writeAtomically(input.zoneFile, result.text);
      } catch (err) {
        // Nothing was written: no backup may be left beside the zone either.
        fs.rmSync(input.backupFile, { force: true });
        throw err;
      }
      return { serialBefore: result.serialBefore, serialAfter: result.serialAfter, edits: result.edits };
    },

    /** Puts the original zone file back (if a backup exists) and removes the backup. */
    async restoreZoneFile(input: { zoneFile: string; backupFile: string }): Promise<{ restored: boolean }> {
      if (!fs.existsSync(input.backupFile)) return { restored: false };
      writeAtomically(input.zoneFile, fs.readFileSync(input.backupFile, 'utf8'));
      fs.rmSync(input.backupFile);
      return { restored: true };
    },

    /** The change is final: the backup goes. */
    async discardZoneBackup(input: { backupFile: string }): Promise<{ removed: boolean }> {
      const existed = fs.existsSync(input.backupFile);
      fs.rmSync(input.backupFile, { force: true });
      return { removed: existed };
    },
  };
}
