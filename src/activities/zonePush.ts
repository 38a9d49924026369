// The zone push's host steps. pushZone serves the operator's zone file (its serial already set
// by the plan) on one live nameserver: checked on the host, installed atomically, reloaded
// (src/hosts/zoneInstall.ts). restoreZone is its undo: the text that host served before the push,
// with a serial above the pushed one (a serial never goes back), installed the same way and
// verified record by record on that server. discardZoneBackups drops the backups once final.
import { ApplicationFailure } from '@temporalio/common';
import fs from 'node:fs';
import { compareZone, loadZoneText, ZoneLoadError, type Zone } from '../dns';
import { compactComparison, type CompactZoneComparison } from '../dns/compact';
import { soaSerial } from '../dns/serial';
import { rewriteZoneAddresses } from '../dns/zoneRewrite';
import { discardBackups, installZone, previousZone } from '../hosts/zoneInstall';
import type { Transports } from '../shared/nsDeploy';
import type { ZoneRef } from '../shared/shape';
import type { SshTarget } from '../ssh/exec';
import { activityHeartbeat, activitySignal } from './context';
import { reportingTypedErrors } from './failures';

export interface PushZoneInput {
  target: SshTarget;
  zone: ZoneRef;
  /** The serial the plan chose; the zone file must carry it. */
  serial: number;
  /** Names this change's files on the host (the workflow's deploy tag). */
  tag: string;
}

export interface RestoreZoneInput extends PushZoneInput, Transports {
  /** Where the nameserver answers DNS (its private address), for the verification. */
  dnsAddress: string;
}

export interface DiscardZoneBackupsInput {
  target: SshTarget;
  domains: string[];
  tag: string;
}

export interface ZonePushDeps {
  heartbeat?: (details?: unknown) => void;
  cancellationSignal?: () => AbortSignal | undefined;
}

const refused = (message: string, type = 'ZoneChangeRefused') => ApplicationFailure.nonRetryable(message, type);

async function parse(text: string, domain: string, source: string): Promise<Zone> {
  try {
    return await loadZoneText(text, domain, { source });
  } catch (err) {
    if (err instanceof ZoneLoadError) throw refused(err.message, 'ZoneLoadError');
    throw err;
  }
}

export function createZonePushActivities(deps: ZonePushDeps = {}) {
  const heartbeat = deps.heartbeat ?? activityHeartbeat;
  const signalOf = deps.cancellationSignal ?? activitySignal;

  return reportingTypedErrors({
    /** Serves the zone file on one nameserver; resolves once named serves its serial. */
    async pushZone(input: PushZoneInput): Promise<{ serial: number }> {
      const { domain, file } = input.zone;
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (err) {
        throw refused(`cannot read ${file}: ${(err as Error).message}`);
      }
      const serial = soaSerial((await parse(text, domain, file)).records);
      if (serial !== input.serial)
        throw refused(`${file} has serial ${serial}, the plan pushes ${input.serial}: was it edited during the push?`);
      await installZone(input.target, domain, text, input.serial, input.tag, { signal: signalOf() });
      return { serial };
    },

    /** Puts back what the host served before this change, with `serial`, and verifies it there. */
    async restoreZone(input: RestoreZoneInput): Promise<CompactZoneComparison> {
      const { domain } = input.zone;
      const label = input.target.name ?? input.target.address;
      const before = await previousZone(input.target, domain, input.tag, { signal: signalOf() });
      let text: string;
      try {
        text = rewriteZoneAddresses(before, domain, {}, () => input.serial).text;
      } catch (err) {
        throw refused(`the zone ${label} served before cannot take serial ${input.serial}: ${(err as Error).message}`);
      }
      const zone = await parse(text, domain, `${label}: previous ${domain}`);
      await installZone(input.target, domain, text, input.serial, input.tag, { signal: signalOf() });
      heartbeat({ restored: label });
      const compared = await compareZone({ address: input.dnsAddress }, zone, {
        transports: input.transports,
        concurrency: input.concurrency,
        signal: signalOf(),
      });
      return compactComparison(compared);
    },

    async discardZoneBackups(input: DiscardZoneBackupsInput): Promise<void> {
      await discardBackups(input.target, input.domains, input.tag, { signal: signalOf() });
    },
  });
}

export type ZonePushActivities = ReturnType<typeof createZonePushActivities>;
