// The lab's fake parent servers for the TLD ("test."): one real named per parent, each in its
// own network namespace on the lab bridge, serving the delegations of the lab's zones with glue.
// They run detached (they outlive lab:up) and are known by PID + start time.
import fs from 'node:fs';
import path from 'node:path';
import { query } from '../../src/dns';
import { tail } from '../hosts/launcher';
import type { LabConfig } from '../hosts/paths';
import { hangUp, running, spawnInNetns, stopDaemon, waitFor } from './daemon';
import { checkDelegations, checkTtl, validateGlue, type GlueInput } from './glue';
import { plugService, serviceNetwork, serviceSlot, unplugService } from './network';
import {
  readParentsState,
  removeParentsState,
  requireParentsState,
  stateDirOf,
  updateParent,
  writeFileAtomic,
  writeParentsState,
  type ParentRecord,
  type ParentsState,
  type ParentStateOptions,
} from './state';
import { parentServerName, renderParentNamedConf, renderParentZone, type Delegation } from './zone';

export const DEFAULT_PARENT_ADDRESSES = ['198.18.0.53', '198.18.0.54', '198.18.0.55'];
export const DEFAULT_DELEGATION_TTL = 60;
export const DEFAULT_DOMAIN = 'example.test';

export interface StartParentsOptions extends ParentStateOptions {
  /** The lab whose bridge the parents join (default: the demo lab, nsdlab0). */
  network?: Partial<LabConfig>;
  /** One parent per address (default 198.18.0.53-55). */
  addresses?: string[];
  /**
   * One delegated domain (default example.test) whose NS names are the glue's names. Its parent
   * zone is the TLD. Give `zones` instead for several.
   */
  domain?: string;
  /**
   * The delegated zones and their NS names, all directly below one TLD; the first is the default
   * of commands that need one zone. NS names below a delegated zone need glue; names outside the
   * TLD need none (shop.test NS ns1.example.test: the glue is example.test's).
   */
  zones?: { domain: string; nameservers: string[] }[];
  /** NS name → address(es): the glue (with `domain` alone, also the NS set). */
  glue: GlueInput;
  /** TTL of NS and glue (default 60 s). */
  ttlSeconds?: number;
}

export interface ParentStatus {
  label: string;
  name: string;
  address: string;
  netns: string;
  pid: number | null;
  running: boolean;
  served: Delegation;
}

const canonical = (zones: Record<string, string[]>) => JSON.stringify(Object.entries(zones).sort());
const zoneFile = (p: ParentRecord, tld: string) => path.join(p.dir, `${tld}.zone`);
const logFile = (p: ParentRecord) => path.join(p.dir, 'named.log');

function servers(state: ParentsState) {
  return state.parents.map((p) => ({ name: p.name, address: p.address }));
}

async function servedSerial(address: string, tld: string): Promise<number | undefined> {
  try {
    const res = await query(
      { address },
      { name: `${tld}.`, type: 'SOA' },
      { transport: 'udp', timeoutMs: 250, attempts: 1, nsid: false },
    );
    const soa = res.answers.find((r) => r.type === 'SOA')?.data as { serial?: number } | undefined;
    return soa?.serial;
  } catch {
    return undefined;
  }
}

/** Writes the parent's zone and config, starts its named, waits until it serves `served`. */
async function launch(state: ParentsState, p: ParentRecord): Promise<void> {
  fs.mkdirSync(p.dir, { recursive: true });
  fs.writeFileSync(
    path.join(p.dir, 'named.conf'),
    renderParentNamedConf(p.dir, p.label.replace(/^_/, ''), p.address, state.tld),
  );
  writeFileAtomic(zoneFile(p, state.tld), renderParentZone(state.tld, servers(state), p.served));
  await plugService(state.network, p);
  // -f: stay in the foreground of the detached session; -n 1: one worker thread is plenty.
  p.named = await spawnInNetns(
    p.netns,
    ['named', '-f', '-4', '-n', '1', '-c', path.join(p.dir, 'named.conf')],
    path.join(p.dir, 'named.out'),
  );
  const named = p.named;
  await waitFor(
    async () => {
      if (!running(named))
        throw new Error(
          `named of parent ${p.label} (${p.address}) exited: ${tail(path.join(p.dir, 'named.out'))}\n${tail(logFile(p))}`,
        );
      return (await servedSerial(p.address, state.tld)) === p.served.serial;
    },
    10_000,
    `parent ${p.label} (${p.address}) did not serve ${state.tld}. serial ${p.served.serial}`,
    () => tail(logFile(p)),
  );
}

async function halt(p: Pick<ParentRecord, 'named' | 'netns' | 'veth'>): Promise<void> {
  await stopDaemon(p.named);
  await unplugService(p);
}

/**
 * Starts the parents, or leaves them as they are when they already run with the same
 * addresses (the registrar may have changed their glue since). A parent that died is started
 * again with what it served; parents set up differently are replaced.
 */
export async function startParents(options: StartParentsOptions): Promise<ParentStatus[]> {
  const network = serviceNetwork(options.network);
  const addresses = options.addresses ?? DEFAULT_PARENT_ADDRESSES;
  const plain = (n: string) => n.trim().replace(/\.$/, '').toLowerCase();
  const given = options.zones ?? [{ domain: options.domain ?? DEFAULT_DOMAIN, nameservers: Object.keys(options.glue) }];
  if (options.zones && options.domain) throw new Error('give domain or zones, not both');
  if (given.length === 0) throw new Error('the parents need at least one zone to delegate');
  const zones: Record<string, string[]> = {};
  for (const z of given) {
    if (zones[plain(z.domain)]) throw new Error(`zone ${z.domain} is given twice`);
    zones[plain(z.domain)] = [...new Set(z.nameservers.map(plain))].sort();
  }
  const domain = plain(given[0].domain);
  const tld = domain.split('.').slice(1).join('.');
  if (!tld) throw new Error(`domain ${domain} has no parent zone`);
  if (addresses.length === 0) throw new Error('the lab needs at least one parent server');
  const glue = validateGlue(options.glue, zones);
  checkDelegations(tld, zones, glue);
  const initial: Delegation = {
    serial: 1,
    ttl: checkTtl(options.ttlSeconds ?? DEFAULT_DELEGATION_TTL),
    zones,
    glue,
  };

  const existing = readParentsState(options);
  // Running parents are kept only for the same zones and NS names (the registrar changes glue only).
  const same =
    existing &&
    existing.domain === domain &&
    canonical(existing.registered.zones) === canonical(zones) &&
    existing.network.bridge === network.bridge &&
    JSON.stringify(existing.parents.map((p) => p.address)) === JSON.stringify(addresses);
  if (existing && !same) await stopParents(options);

  const dir = stateDirOf(options);
  const state: ParentsState = same
    ? existing
    : {
        network,
        domain,
        tld,
        registered: initial,
        parents: addresses.map((address, i) => ({
          ...serviceSlot(network, `parent${i + 1}`, address),
          name: parentServerName(i, tld),
          dir: path.join(dir, `parent${i + 1}`),
          named: null,
          served: initial,
        })),
      };
  writeParentsState(options, state);
  const down = state.parents.filter((p) => !running(p.named));
  await Promise.all(
    down.map(async (p) => {
      await launch(state, p);
      updateParent(options, p.label, (r) => {
        r.named = p.named;
      });
    }),
  );
  return listParents(options);
}

export async function stopParents(options: ParentStateOptions = {}): Promise<void> {
  const state = readParentsState(options);
  if (!state) return;
  const errors: string[] = [];
  await Promise.all(state.parents.map((p) => halt(p).catch((e: Error) => errors.push(`${p.label}: ${e.message}`))));
  if (errors.length > 0) throw new Error(`stopping the parents failed:\n${errors.join('\n')}`);
  removeParentsState(options);
  for (const p of state.parents) fs.rmSync(p.dir, { recursive: true, force: true });
}

export function listParents(options: ParentStateOptions = {}): ParentStatus[] {
  const state = readParentsState(options);
  return (state?.parents ?? []).map((p) => ({
    label: p.label.replace(/^_/, ''),
    name: p.name,
    address: p.address,
    netns: p.netns,
    pid: p.named?.pid ?? null,
    running: running(p.named),
    served: p.served,
  }));
}

export function parentAddresses(options: ParentStateOptions = {}): string[] {
  return requireParentsState(options).parents.map((p) => p.address);
}

/** One parent takes a new delegation: new zone file, SIGHUP to its named, served once its SOA shows the serial. */
export async function applyToParent(options: ParentStateOptions, label: string, d: Delegation): Promise<void> {
  const state = requireParentsState(options);
  const p = state.parents.find((r) => r.label === label || r.label === `_${label}`);
  if (!p) throw new Error(`no parent ${label}`);
  if (!p.named || !running(p.named)) throw new Error(`parent ${p.label} (${p.address}) is not running`);
  writeFileAtomic(zoneFile(p, state.tld), renderParentZone(state.tld, servers(state), d));
  const named = p.named;
  let lastHup = 0;
  // named reloads a zone whose file changed; hang up again if the first signal found it unchanged.
  await waitFor(
    async () => {
      if (Date.now() - lastHup > 1000) {
        if (lastHup > 0) fs.utimesSync(zoneFile(p, state.tld), new Date(), new Date());
        hangUp(named);
        lastHup = Date.now();
      }
      return (await servedSerial(p.address, state.tld)) === d.serial;
    },
    10_000,
    `parent ${p.label} (${p.address}) did not load serial ${d.serial}`,
    () => tail(logFile(p)),
  );
  updateParent(options, p.label, (r) => {
    r.served = d;
  });
}
