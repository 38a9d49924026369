// The shape of a fleet across regions and zones: which region each host is in, which
// nameservers each LB forwards to, and which zones the fleet serves. Linode private addresses
// only reach instances in the same data center, so by default an LB forwards to the
// nameservers of its own region; an explicit `upstreams:` list may name others (then over
// their public addresses).
import type { z } from 'zod';
import type { HostRef, LbRef, ZoneRef } from '../shared/shape';

export interface ShapeInput {
  domain?: string;
  zoneFile?: string;
  zones?: { domain: string; file: string }[];
  linode: { region: string };
  nameservers: { label: string; region?: string }[];
  loadBalancers: { label: string; region?: string; upstreams?: string[] }[];
}

export interface FleetShape {
  zones: ZoneRef[];
  nameservers: HostRef[];
  loadBalancers: LbRef[];
}

/**
 * Which zones: `zones`, or `domain` + `zoneFile`. Checked even when other fields are wrong (so
 * every problem is reported at once), hence on input that may be partial.
 */
export function checkZoneChoice(cfg: Partial<ShapeInput>, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (cfg.zones && (cfg.domain !== undefined || cfg.zoneFile !== undefined)) {
    issue('zones', 'give either zones (a list of { domain, file }) or domain + zoneFile, not both');
  } else if (!cfg.zones && (cfg.domain === undefined || cfg.zoneFile === undefined)) {
    const both = cfg.domain === undefined && cfg.zoneFile === undefined;
    issue(both ? 'zones' : cfg.domain === undefined ? 'domain' : 'zoneFile', 'is required');
  }
}

/** Adds an issue for everything wrong with the shape; call from the schema's superRefine. */
export function checkShape(cfg: ShapeInput, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const seen = new Map<string, number>();
  (cfg.zones ?? []).forEach((z, i) => {
    const first = seen.get(z.domain);
    if (first !== undefined) issue(['zones', i, 'domain'], `${z.domain} is listed twice (zones[${first}] too)`);
    else seen.set(z.domain, i);
  });

  const regionOf = (h: { region?: string }) => h.region ?? cfg.linode.region;
  const nsByLabel = new Map(cfg.nameservers.map((n) => [n.label, n]));
  cfg.loadBalancers.forEach((lb, i) => {
    if (lb.upstreams) {
      lb.upstreams.forEach((u, j) => {
        if (!nsByLabel.has(u)) issue(['loadBalancers', i, 'upstreams', j], `"${u}" is not one of the nameservers`);
      });
      return;
    }
    const region = regionOf(lb);
    if (cfg.nameservers.some((n) => regionOf(n) === region)) return;
    const where = cfg.nameservers.map((n) => `${n.label} in ${regionOf(n)}`).join(', ');
    issue(
      ['loadBalancers', i],
      `${lb.label} (region ${region}) has no nameserver in its region (${where}); Linode private addresses ` +
        'do not cross regions: add a nameserver there, or name its upstreams (upstreams: [ns1], over public addresses)',
    );
  });
}

/** The checked shape with every default filled in (regions, each LB's upstreams, the zone list). */
export function resolveShape(cfg: ShapeInput): FleetShape {
  const regionOf = (h: { region?: string }) => h.region ?? cfg.linode.region;
  const nameservers = cfg.nameservers.map((n) => ({ label: n.label, region: regionOf(n) }));
  const loadBalancers = cfg.loadBalancers.map((lb) => {
    const region = regionOf(lb);
    const upstreams = lb.upstreams ?? nameservers.filter((n) => n.region === region).map((n) => n.label);
    return { label: lb.label, region, upstreams };
  });
  const zones = cfg.zones ?? [{ domain: cfg.domain!, file: cfg.zoneFile! }];
  return { zones, nameservers, loadBalancers };
}

/** "example.test, shop.test": the zones, as summaries name them. */
export const zoneNames = (cfg: { zones: ZoneRef[] }) => cfg.zones.map((z) => z.domain).join(', ');

/** The zone files, as summaries name them. */
export const zoneFiles = (cfg: { zones: ZoneRef[] }) => cfg.zones.map((z) => z.file).join(', ');
