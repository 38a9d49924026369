// Preflight of the zone to serve: it must load as BIND loads it (named-compilezone, with the
// integrity checks named runs on a primary zone), and its caveats are reported. Returns a small
// summary for history, never the zone itself.
import { ApplicationFailure } from '@temporalio/common';
import { zoneCaveats, type Caveat } from '../dns/caveats';
import { loadZoneFile, ZoneLoadError } from '../dns';
import { soaSerial } from '../dns/serial';
import type { ZoneCheckPolicy } from '../shared/nsDeploy';

export interface ZoneCheck {
  origin: string;
  serial: number;
  records: number;
  rrsets: number;
  /** The zone's caveats; the deploy refuses the `error`s (RFC 2181 §10.3 by default, see ZoneCheckPolicy). */
  caveats: Caveat[];
  /**
   * named-compilezone's own warnings, one line each in BIND's words, as named would log them when
   * it loads the zone (e.g. "sub.example.test/NS 'ns.sub.example.test' has no REQUIRED GLUE address
   * records (A or AAAA)", "example.test/MX 'mail.example.test' is a CNAME (illegal)").
   */
  warnings: string[];
}

export type ZoneCheckInput = { zoneFile: string; domain: string } & Partial<ZoneCheckPolicy>;

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

/**
 * named refuses a zone whose apex NS target is a CNAME whatever the policy: say which rule that is.
 * (A delegation's NS target or an MX exchange that is a CNAME loads; the caveat reports those.)
 */
function nsCnameHint(diagnostics: string): string {
  return /NS '[^']+' is a CNAME/.test(diagnostics)
    ? ' (RFC 2181 §10.3: an NS target must not be an alias; named does not load such a zone, whatever the policy)'
    : '';
}

export function createZoneActivities() {
  return {
    /**
     * Loads the zone file as named would (integrity checks included) and lists its caveats. An
     * in-zone MX exchange or NS target that is a CNAME (RFC 2181 §10.3) is an error unless
     * `rfc2181: 'warning'` lowers it.
     */
    async checkZone(input: ZoneCheckInput): Promise<ZoneCheck> {
      if (input.rfc2181 !== undefined && input.rfc2181 !== 'error' && input.rfc2181 !== 'warning')
        throw ApplicationFailure.nonRetryable(
          `checkZone: rfc2181 must be 'error' or 'warning', not ${JSON.stringify(input.rfc2181)}`,
          'InvalidInput',
        );
      let zone;
      try {
        zone = await loadZoneFile(input.zoneFile, input.domain, { integrity: 'local' });
      } catch (err) {
        if (err instanceof ZoneLoadError)
          throw ApplicationFailure.nonRetryable(`${err.message}${nsCnameHint(err.diagnostics)}`, 'ZoneLoadError');
        throw err;
      }
      const serial = soaSerial(zone.records);
      if (serial === undefined)
        throw ApplicationFailure.nonRetryable(
          `${input.zoneFile}: no SOA serial found for ${input.domain}`,
          'ZoneLoadError',
        );
      return {
        origin: zone.origin,
        serial,
        records: zone.records.length,
        rrsets: new Set(zone.records.map((r) => `${r.name}/${r.type}`)).size,
        caveats: zoneCaveats(zone.origin, zone.records, { rfc2181: input.rfc2181 }),
        warnings: zone.warnings,
      };
    },
  };
}
