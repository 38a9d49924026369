// TEMPORARY ADAPTER — replace with `loadFleetConfig` from src/config once the multi-zone,
// multi-region config schema has landed there (it yields the same shape: zones, hosts with their
// region, each LB with its upstreams). Until then lab/up.ts reads config/lab.yaml through this:
// only the fields the lab uses, checked just enough to fail clearly, with the same defaults
// (a host's region defaults to linode.region; an LB forwards to the nameservers of its region).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import type { HostRef, LbRef, ZoneRef } from '../src/shared/shape';

export interface LabFleetConfig {
  fleet: string;
  /** Every zone, its file an absolute path (it may not exist yet: see ensureLabZones). */
  zones: ZoneRef[];
  linode: { apiUrl?: string; tokenEnv: string; region: string; type: string; image: string; tags: string[] };
  nameservers: HostRef[];
  loadBalancers: LbRef[];
  parents: { address: string; port: number }[];
  ssh: { user: string; privateKeyFile: string; knownHostsFile: string };
  configPath: string;
  configDir: string;
}

interface RawHost {
  label?: unknown;
  region?: unknown;
  upstreams?: unknown;
}

const asList = (value: unknown): RawHost[] => (Array.isArray(value) ? (value as RawHost[]) : []);

export function loadLabFleetConfig(file: string): LabFleetConfig {
  const configPath = path.resolve(file);
  const raw = (parse(fs.readFileSync(configPath, 'utf8')) ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined || value === null || value === '') problems.push(`${what} is required`);
    return value as T;
  };
  const configDir = path.dirname(configPath);
  const resolve = (p: string) => path.resolve(configDir, p.replace(/^~(?=$|\/)/, os.homedir()));

  const linode = (raw.linode ?? {}) as Record<string, unknown>;
  const defaultRegion = need(linode.region as string | undefined, 'linode.region');
  const zonesRaw = Array.isArray(raw.zones)
    ? (raw.zones as { domain?: string; file?: string }[])
    : raw.domain
      ? [{ domain: raw.domain as string, file: raw.zoneFile as string }]
      : [];
  if (zonesRaw.length === 0) problems.push('zones (a list of { domain, file }) is required');
  const zones = zonesRaw.map((z, i) => ({
    domain: need(z.domain, `zones[${i}].domain`)?.replace(/\.$/, '').toLowerCase(),
    file: resolve(need(z.file, `zones[${i}].file`) ?? ''),
  }));
  const host = (h: RawHost, what: string): HostRef => ({
    label: need(h.label as string | undefined, `${what}.label`),
    region: (h.region as string | undefined) ?? defaultRegion,
  });
  const nameservers = asList(raw.nameservers).map((h, i) => host(h, `nameservers[${i}]`));
  const loadBalancers = asList(raw.loadBalancers).map((h, i): LbRef => {
    const lb = host(h, `loadBalancers[${i}]`);
    const upstreams = Array.isArray(h.upstreams)
      ? (h.upstreams as string[])
      : nameservers.filter((n) => n.region === lb.region).map((n) => n.label);
    for (const u of upstreams)
      if (!nameservers.some((n) => n.label === u)) problems.push(`${lb.label}: upstream ${u} is not a nameserver`);
    if (upstreams.length === 0)
      problems.push(`${lb.label} (region ${lb.region}) has no nameserver in its region: name its upstreams`);
    return { ...lb, upstreams };
  });
  if (nameservers.length === 0) problems.push('nameservers: needs at least one');
  if (loadBalancers.length === 0) problems.push('loadBalancers: needs at least one');
  const ssh = (raw.ssh ?? {}) as Record<string, string | undefined>;
  const cfg: LabFleetConfig = {
    fleet: need(raw.fleet as string | undefined, 'fleet'),
    zones,
    linode: {
      apiUrl: linode.apiUrl as string | undefined,
      tokenEnv: (linode.tokenEnv as string | undefined) ?? 'LINODE_TOKEN',
      region: defaultRegion,
      type: need(linode.type as string | undefined, 'linode.type'),
      image: need(linode.image as string | undefined, 'linode.image'),
      tags: (linode.tags as string[] | undefined) ?? ['nsdeploy'],
    },
    nameservers,
    loadBalancers,
    parents: asList(raw.parents).map((p) => {
      const { address, port } = p as { address: string; port?: number };
      return { address, port: port ?? 53 };
    }),
    ssh: {
      user: ssh.user ?? 'root',
      privateKeyFile: resolve(need(ssh.privateKeyFile, 'ssh.privateKeyFile') ?? ''),
      knownHostsFile: resolve(need(ssh.knownHostsFile, 'ssh.knownHostsFile') ?? ''),
    },
    configPath,
    configDir,
  };
  if (problems.length > 0)
    throw new Error(`Invalid fleet config ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return cfg;
}
