// What the registrar must publish for a fleet's zones, read from the zones themselves: each
// zone's apex NS names, and glue for the NS names inside one of the fleet's zones (their A/AAAA
// records there). `fleet create` shows it as the registrar step; lab:up gives it to the parents.
import { ApplicationFailure } from '@temporalio/common';
import { loadZoneFile, ZoneLoadError } from '../dns';
import type { ZoneRef } from '../shared';

export interface ZoneDelegations {
  delegations: { domain: string; nameservers: string[] }[];
  /** In-bailiwick NS name → its addresses, as the zone that holds the name gives them. */
  glue: Record<string, string[]>;
}

const plain = (n: string) => n.replace(/\.$/, '').toLowerCase();

/** The fleet's zone a name lies below (the longest match), or undefined. */
export function zoneHolding(name: string, zones: string[]): string | undefined {
  return zones.filter((z) => plain(name).endsWith(`.${z}`)).sort((a, b) => b.length - a.length)[0];
}

export async function readZoneDelegations(zones: ZoneRef[]): Promise<ZoneDelegations> {
  const loaded = await Promise.all(
    zones.map((z) =>
      loadZoneFile(z.file, z.domain).catch((err: unknown) => {
        if (err instanceof ZoneLoadError) throw ApplicationFailure.nonRetryable(err.message, 'ZoneInvalid');
        throw err;
      }),
    ),
  );
  const delegations = zones.map((z, i) => ({
    domain: z.domain,
    nameservers: loaded[i].records
      .filter((r) => r.type === 'NS' && plain(r.name) === z.domain)
      .map((r) => plain(r.rdata))
      .sort(),
  }));
  const glue: Record<string, string[]> = {};
  const domains = zones.map((z) => z.domain);
  for (const name of new Set(delegations.flatMap((d) => d.nameservers))) {
    const zone = zoneHolding(name, domains);
    if (!zone) continue;
    glue[name] = loaded[domains.indexOf(zone)].records
      .filter((r) => plain(r.name) === name && (r.type === 'A' || r.type === 'AAAA'))
      .map((r) => r.rdata)
      .sort();
  }
  return { delegations, glue };
}

export function createRegistrarActivities() {
  return {
    /** The NS and glue records the registrar must publish for every zone of the fleet. */
    zoneDelegations(zones: ZoneRef[]): Promise<ZoneDelegations> {
      return readZoneDelegations(zones);
    },
  };
}
