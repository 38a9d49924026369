// Where an LB sends queries. nginx proxies to fixed local "slots" (the LB's own address, ports
// 5301, 5302, …: /etc/nginx/stream.d/nsdeploy-upstream.conf, written by the proxy role only),
// and an nftables table (/etc/nginx/nsdeploy-upstreams.nft, beside nginx's own files) sends
// each slot's new connections to a nameserver. A cutover replaces that table in one atomic
// `nft -f`: no nginx reload, so no UDP query in flight is dropped (an exiting nginx worker ends
// its UDP sessions), and connections already open keep their nameserver through conntrack.
//
// Both files are rendered here exactly as the role's templates render them
// (templates/nsdeploy-upstream.conf.j2 and nsdeploy-upstreams.nft.j2), so a cutover followed
// by an Ansible run with the same proxy_upstreams changes nothing; the tests compare the two.
import { TypedError } from '../ssh/errors';
import type { Upstream } from './upstream';

/** One nginx upstream server: a local address and port that the nft table redirects. */
export interface Slot {
  address: string;
  port: number;
}

/** Per-server parameters the nginx template writes (role variables proxy_upstream_*). */
export interface UpstreamServerParams {
  /** proxy_upstream_max_fails (role default 1). */
  maxFails: number;
  /** proxy_upstream_fail_timeout (role default "10s"). */
  failTimeout: string;
}

export const UPSTREAM_FILE = '/etc/nginx/stream.d/nsdeploy-upstream.conf';
export const UPSTREAM_MAP_FILE = '/etc/nginx/nsdeploy-upstreams.nft';
const UPSTREAM_NAME = 'nsdeploy_nameservers';
export const NFT_TABLE = 'nsdeploy_upstreams';
/** The role's defaults (ansible/roles/proxy/defaults/main.yml). */
export const ROLE_DEFAULT_PARAMS: UpstreamServerParams = { maxFails: 1, failTimeout: '10s' };
export const ROLE_DEFAULT_SLOT_PORT_BASE = 5301;
/** Ansible's default `ansible_managed` text, which the templates' first line carries. */
const ANSIBLE_MANAGED = 'Ansible managed';

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const TIME = /^\d+(?:ms|s|m|h|d)?$/;

/** Upstreams, slots or parameters the files cannot hold (non-retryable: the input is wrong). */
export class UpstreamInputError extends TypedError {}

const invalid = (msg: string) => new UpstreamInputError(msg, { type: 'InvalidUpstreams', nonRetryable: true });

/**
 * Refuses what the map cannot hold (an empty list, an address that is not IPv4 — the table is
 * an nftables `ip` table and a DNAT needs an address, not a name — a port outside 1–65535).
 */
export function checkUpstreams(upstreams: Upstream[]): void {
  if (!Array.isArray(upstreams) || upstreams.length === 0)
    throw invalid('upstreams: at least one {address, port} is required (an LB without nameservers answers nothing)');
  for (const u of upstreams) {
    if (!u || typeof u.address !== 'string' || !IPV4.test(u.address)) {
      throw invalid(
        `upstream address ${JSON.stringify(u?.address)} is not an IPv4 address ` +
          "(the LB's upstream map is an nftables ip table of addresses)",
      );
    }
    if (!(Number.isInteger(u.port) && u.port >= 1 && u.port <= 65535)) {
      throw invalid(`upstream ${u.address}: port ${JSON.stringify(u.port)} is not an integer from 1 to 65535`);
    }
  }
}

function checkParams(p: UpstreamServerParams): void {
  if (!(Number.isInteger(p.maxFails) && p.maxFails >= 0))
    throw invalid(`maxFails ${JSON.stringify(p.maxFails)} must be a non-negative integer`);
  if (typeof p.failTimeout !== 'string' || !TIME.test(p.failTimeout))
    throw invalid(`failTimeout ${JSON.stringify(p.failTimeout)} must be an nginx time such as 10s`);
}

function checkSlots(slots: Slot[]): void {
  if (!Array.isArray(slots) || slots.length === 0) throw invalid('slots: at least one is required');
  for (const s of slots) {
    if (!s || !IPV4.test(s.address) || !(Number.isInteger(s.port) && s.port >= 1 && s.port <= 65535))
      throw invalid(`slot ${JSON.stringify(s)} is not an IPv4 address and port`);
  }
}

/** nginx's upstream file: one server per slot, on the slot address, ports base, base+1, … */
export function renderUpstreamConf(
  slots: Slot[],
  params: UpstreamServerParams = ROLE_DEFAULT_PARAMS,
  managed = ANSIBLE_MANAGED,
): string {
  checkSlots(slots);
  checkParams(params);
  return [
    `# ${managed} (role proxy)`,
    '# nginx proxies to fixed local slots; /etc/nginx/nsdeploy-upstreams.nft sends each slot to a',
    "# nameserver. The deploy's cutover swaps that table (nft -f), never this file.",
    `upstream ${UPSTREAM_NAME} {`,
    ...slots.map(
      (s) => `    server ${s.address}:${s.port} max_fails=${params.maxFails} fail_timeout=${params.failTimeout};`,
    ),
    '}',
    '',
  ].join('\n');
}

/** The slots a number of upstreams needs on this address. */
export const slotsFor = (address: string, count: number, base = ROLE_DEFAULT_SLOT_PORT_BASE): Slot[] =>
  Array.from({ length: count }, (_, i) => ({ address, port: base + i }));

/**
 * The nftables file: slot i's new connections (UDP and TCP) go to upstreams[i]. Applied with
 * `nft -f`, which replaces the whole table in one transaction. The masquerade gives the
 * redirected packets the address of the interface they leave by, so replies come back even
 * when the nameservers are on another network than the slot address.
 */
export function renderUpstreamMap(slots: Slot[], upstreams: Upstream[], managed = ANSIBLE_MANAGED): string {
  checkSlots(slots);
  checkUpstreams(upstreams);
  if (slots.length !== upstreams.length) {
    throw new UpstreamInputError(
      `this LB has ${slots.length} upstream slot(s) and ${upstreams.length} upstream(s) were asked for; ` +
        'change the number of slots with the proxy role (nsdeploy update-lbs) first',
      { type: 'UpstreamSlotCountMismatch', nonRetryable: true },
    );
  }
  const ports = slots.map((s) => s.port);
  const portSet = ports.length === 1 ? `${ports[0]}` : `{ ${ports.join(', ')} }`;
  return [
    `# ${managed} (role proxy)`,
    "# Where the LB's nginx slots lead (see nsdeploy-upstream.conf). nft -f replaces the table",
    '# atomically; open connections keep their nameserver (conntrack).',
    `table ip ${NFT_TABLE}`,
    `delete table ip ${NFT_TABLE}`,
    `table ip ${NFT_TABLE} {`,
    '\tchain slots {',
    '\t\ttype nat hook output priority -100; policy accept;',
    ...slots.map(
      (s, i) =>
        `\t\tmeta l4proto { tcp, udp } ip daddr ${s.address} th dport ${s.port} ` +
        `dnat to ${upstreams[i].address}:${upstreams[i].port}`,
    ),
    '\t}',
    '\tchain source {',
    '\t\ttype nat hook postrouting priority 100; policy accept;',
    `\t\tmeta l4proto { tcp, udp } ct status dnat ct original proto-dst ${portSet} masquerade`,
    '\t}',
    '}',
    '',
  ].join('\n');
}

/** A file on the LB that is not what the proxy role writes (the caller says which file, on which host). */
export class UpstreamParseError extends Error {}

/** The slots of `upstream nsdeploy_nameservers { … }` in nginx's file, in file order, and the parameters they share. */
export function parseUpstreamConf(text: string): { slots: Slot[]; params?: UpstreamServerParams } {
  const code = text.replace(/#[^\n]*/g, '');
  const block = code.match(new RegExp(`\\bupstream\\s+${UPSTREAM_NAME}\\s*\\{([^}]*)\\}`));
  if (!block) throw new UpstreamParseError(`no "upstream ${UPSTREAM_NAME} { … }" block`);
  const slots: Slot[] = [];
  const paramSets = new Set<string>();
  let params: UpstreamServerParams | undefined;
  for (const statement of block[1]
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const words = statement.split(/\s+/);
    if (words[0] !== 'server') continue; // zone, hash, least_conn…: not servers
    const m = words[1]?.match(/^([^:]+):(\d+)$/);
    if (!m || !IPV4.test(m[1]))
      throw new UpstreamParseError(`server ${JSON.stringify(words[1] ?? '')} is not an IPv4 slot address:port`);
    slots.push({ address: m[1], port: Number(m[2]) });
    const maxFails = words.find((w) => w.startsWith('max_fails='))?.slice('max_fails='.length);
    const failTimeout = words.find((w) => w.startsWith('fail_timeout='))?.slice('fail_timeout='.length);
    paramSets.add(`${maxFails}|${failTimeout}`);
    if (maxFails !== undefined && /^\d+$/.test(maxFails) && failTimeout !== undefined && TIME.test(failTimeout))
      params = { maxFails: Number(maxFails), failTimeout };
  }
  if (slots.length === 0) throw new UpstreamParseError(`"upstream ${UPSTREAM_NAME}" has no server`);
  return { slots, params: paramSets.size === 1 ? params : undefined };
}

/** The upstream of each slot in the map file, in slot order. */
export function parseUpstreamMap(text: string, slots: Slot[]): Upstream[] {
  const rules = [
    ...text.matchAll(/^\s*meta l4proto \{ tcp, udp \} ip daddr (\S+) th dport (\d+) dnat to (\S+):(\d+)\s*$/gm),
  ].map((m) => ({ slot: `${m[1]}:${m[2]}`, address: m[3], port: Number(m[4]) }));
  if (rules.length === 0) throw new UpstreamParseError('no "dnat to" rule');
  return slots.map((s) => {
    const r = rules.find((x) => x.slot === `${s.address}:${s.port}`);
    if (!r) throw new UpstreamParseError(`no rule for nginx's slot ${s.address}:${s.port}`);
    return { address: r.address, port: r.port };
  });
}
