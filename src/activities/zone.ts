// Preflight of the zone to serve: it must load as BIND loads it (named-compilezone), and its
// caveats are reported. Returns a small summary for history, never the zone itself.
import { ApplicationFailure } from '@temporalio/common';
import { zoneCaveats, type Caveat } from '../dns/caveats';
import { loadZoneFile, ZoneLoadError } from '../dns';

export interface ZoneCheck {
  origin: string;
  serial: number;
  records: number;
  rrsets: number;
  caveats: Caveat[];
  /** named-compilezone's warnings (e.g. missing glue). */
  warnings: string[];
}

/** The zone file, parsed; a file that cannot be read or parsed fails the activity for good. */
export async function loadZoneOrFail(
  zoneFile: string,
  domain: string,
): Promise<Awaited<ReturnType<typeof loadZoneFile>>> {
  try {
    return await loadZoneFile(zoneFile, domain);
  } catch (err) {
    if (err instanceof ZoneLoadError) throw ApplicationFailure.nonRetryable(err.message, 'ZoneLoadError');
    throw err;
  }
}

export function createZoneActivities() {
  return {
    async checkZone(input: { zoneFile: string; domain: string }): Promise<ZoneCheck> {
      const zone = await loadZoneOrFail(input.zoneFile, input.domain);
      const soa = zone.records.find((r) => r.type === 'SOA');
      const serial = Number(soa?.rdata.split(/\s+/)[2]);
      if (!soa || !Number.isInteger(serial))
        throw ApplicationFailure.nonRetryable(
          `${input.zoneFile}: no SOA serial found for ${input.domain}`,
          'ZoneLoadError',
        );
      return {
        origin: zone.origin,
        serial,
        records: zone.records.length,
        rrsets: new Set(zone.records.map((r) => `${r.name}/${r.type}`)).size,
        caveats: zoneCaveats(zone.origin, zone.records),
        warnings: zone.warnings,
      };
    },
  };
}
