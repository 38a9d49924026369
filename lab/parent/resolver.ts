// The lab's recursive resolver: Debian's unbound in its own network namespace on the lab
// bridge. The TLD is a stub zone pointing at the fake parents, so it follows their referral and
// glue and caches the delegation for its TTL, as a resolver on the internet does. Everything
// outside the TLD is refused: it never tries the real root servers.
import fs from 'node:fs';
import path from 'node:path';
import { query } from '../../src/dns';
import { tail } from '../hosts/launcher';
import type { LabConfig } from '../hosts/paths';
import type { ProcessId } from '../hosts/processes';
import { labPaths } from '../labPaths';
import { running, spawnInNetns, stopDaemon, waitFor } from './daemon';
import {
  plugService,
  serviceNetwork,
  serviceSlot,
  unplugService,
  type ServiceNetwork,
  type ServiceSlot,
} from './network';
import { writeJsonAtomic } from './state';

export const DEFAULT_RESOLVER_ADDRESS = '198.18.0.10';

export interface ResolverOptions {
  /** Default .lab/resolver. */
  stateDir?: string;
}

export interface StartResolverOptions extends ResolverOptions {
  network?: Partial<LabConfig>;
  /** Default 198.18.0.10. */
  address?: string;
  /** The stub zone's servers: the lab's parents. */
  parents: string[];
  /** Default "test". */
  tld?: string;
}

interface ResolverRecord extends ServiceSlot {
  network: ServiceNetwork;
  dir: string;
  parents: string[];
  tld: string;
  unbound: ProcessId | null;
}

export interface ResolverStatus {
  address: string;
  parents: string[];
  netns: string;
  pid: number | null;
  running: boolean;
}

const dirOf = (o: ResolverOptions = {}) => path.resolve(o.stateDir ?? labPaths.resolverState);
const recordFile = (o: ResolverOptions) => path.join(dirOf(o), 'resolver.json');

function readRecord(o: ResolverOptions): ResolverRecord | null {
  try {
    return JSON.parse(fs.readFileSync(recordFile(o), 'utf8')) as ResolverRecord;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export function renderUnboundConf(r: Pick<ResolverRecord, 'dir' | 'address' | 'parents' | 'tld'>): string {
  return `# The lab's resolver; written by lab/parent, do not edit.
server:
    interface: ${r.address}
    interface: 127.0.0.1
    port: 53
    do-ip6: no
    num-threads: 1
    username: ""
    chroot: ""
    directory: "${r.dir}"
    pidfile: "${r.dir}/unbound.pid"
    logfile: "${r.dir}/unbound.log"
    use-syslog: no
    log-time-ascii: yes
    verbosity: 1
    identity: "lab-resolver"
    access-control: 0.0.0.0/0 refuse
    access-control: 198.18.0.0/15 allow
    access-control: 127.0.0.0/8 allow
    # No DNSSEC in the lab: no trust anchor, nothing to fetch from the internet.
    module-config: "iterator"
    # Cache every record for exactly its TTL, as the lab's drain timers assume.
    cache-min-ttl: 0
    prefetch: no
    serve-expired: no
    # Only the lab's TLD resolves; anything else is refused instead of sent to the root servers.
    local-zone: "." refuse
    local-zone: "${r.tld}." transparent
remote-control:
    control-enable: no
stub-zone:
    name: "${r.tld}."
${r.parents.map((p) => `    stub-addr: ${p}`).join('\n')}
`;
}

async function answering(address: string): Promise<boolean> {
  try {
    await query(
      { address },
      { name: 'id.server', type: 'TXT', class: 'CH' },
      { transport: 'udp', timeoutMs: 250, attempts: 1, nsid: false },
    );
    return true;
  } catch {
    return false;
  }
}

/** Starts the resolver, or leaves it be when it already runs with the same address and parents. */
export async function startResolver(options: StartResolverOptions): Promise<ResolverStatus> {
  const network = serviceNetwork(options.network);
  const address = options.address ?? DEFAULT_RESOLVER_ADDRESS;
  const tld = options.tld ?? 'test';
  if (options.parents.length === 0) throw new Error('the resolver needs at least one parent server');
  const existing = readRecord(options);
  if (
    existing &&
    running(existing.unbound) &&
    existing.address === address &&
    existing.tld === tld &&
    existing.network.bridge === network.bridge &&
    JSON.stringify(existing.parents) === JSON.stringify(options.parents)
  ) {
    return resolverStatus(options)!;
  }
  if (existing) await stopResolver(options);

  const dir = dirOf(options);
  fs.mkdirSync(dir, { recursive: true });
  const record: ResolverRecord = {
    ...serviceSlot(network, 'resolver', address),
    network,
    dir,
    parents: options.parents,
    tld,
    unbound: null,
  };
  const conf = path.join(dir, 'unbound.conf');
  fs.writeFileSync(conf, renderUnboundConf(record));
  writeJsonAtomic(recordFile(options), record);
  await plugService(network, record);
  const out = path.join(dir, 'unbound.out');
  record.unbound = await spawnInNetns(record.netns, ['unbound', '-d', '-c', conf], out);
  writeJsonAtomic(recordFile(options), record);
  const unbound = record.unbound;
  await waitFor(
    async () => {
      if (!running(unbound)) throw new Error(`unbound exited: ${tail(out)}\n${tail(path.join(dir, 'unbound.log'))}`);
      return answering(address);
    },
    10_000,
    `the resolver (${address}) did not answer`,
    () => tail(path.join(dir, 'unbound.log')),
  );
  return resolverStatus(options)!;
}

export async function stopResolver(options: ResolverOptions = {}): Promise<void> {
  const record = readRecord(options);
  if (!record) return;
  await stopDaemon(record.unbound);
  await unplugService(record);
  fs.rmSync(dirOf(options), { recursive: true, force: true });
}

export function resolverStatus(options: ResolverOptions = {}): ResolverStatus | null {
  const r = readRecord(options);
  return (
    r && {
      address: r.address,
      parents: r.parents,
      netns: r.netns,
      pid: r.unbound?.pid ?? null,
      running: running(r.unbound),
    }
  );
}
