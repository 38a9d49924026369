// The LB's upstream file, /etc/nginx/stream.d/nsdeploy-upstream.conf: rendered exactly as the
// proxy role's template (ansible/roles/proxy/templates/nsdeploy-upstream.conf.j2) renders it,
// so a cutover followed by an Ansible run with the same proxy_upstreams changes nothing, and
// parsed back for readUpstreams. Keep renderUpstreamConf in step with the template; the
// tests compare it with what Ansible renders.
import { ApplicationFailure } from '@temporalio/common';

export interface Upstream {
  address: string;
  port: number;
}

/** What the file holds (same shape as Upstream). */
export type ParsedUpstream = Upstream;

/** Per-server parameters the template writes (role variables proxy_upstream_*). */
export interface UpstreamServerParams {
  /** proxy_upstream_max_fails (role default 1). */
  maxFails: number;
  /** proxy_upstream_fail_timeout (role default "10s"). */
  failTimeout: string;
}

export const UPSTREAM_FILE = '/etc/nginx/stream.d/nsdeploy-upstream.conf';
export const UPSTREAM_NAME = 'nsdeploy_nameservers';
/** The role's defaults (ansible/roles/proxy/defaults/main.yml). */
export const ROLE_DEFAULT_PARAMS: UpstreamServerParams = { maxFails: 1, failTimeout: '10s' };
/** Ansible's default `ansible_managed` text, which the template's first line carries. */
export const ANSIBLE_MANAGED = 'Ansible managed';

// IPv4, a host name, or a bracketed IPv6 address: one nginx word, nothing that ends a statement.
const ADDRESS = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]+\])$/;
const TIME = /^\d+(?:ms|s|m|h|d)?$/;

const invalid = (msg: string) => ApplicationFailure.nonRetryable(msg, 'InvalidUpstreams');

/**
 * Refuses what cannot be written safely into the file (a word that would end the statement,
 * a port that is not a number, an empty list). Whether nginx accepts the rest (port 0, a
 * name it cannot resolve) is for `nginx -t` to say.
 */
export function checkUpstreams(upstreams: Upstream[]): void {
  if (!Array.isArray(upstreams) || upstreams.length === 0) throw invalid('upstreams: at least one {address, port} is required (an LB without nameservers answers nothing)');
  for (const u of upstreams) {
    if (!u || typeof u.address !== 'string' || !ADDRESS.test(u.address)) {
      throw invalid(`upstream address ${JSON.stringify(u?.address)} is not an IPv4 address, a host name or a bracketed IPv6 address`);
    }
    if (!(Number.isInteger(u.port) && u.port >= 0 && u.port <= 65535)) {
      throw invalid(`upstream ${u.address}: port ${JSON.stringify(u.port)} is not an integer from 0 to 65535`);
    }
  }
}

export function checkParams(p: UpstreamServerParams): void {
  if (!(Number.isInteger(p.maxFails) && p.maxFails >= 0)) throw invalid(`maxFails ${JSON.stringify(p.maxFails)} must be a non-negative integer`);
  if (typeof p.failTimeout !== 'string' || !TIME.test(p.failTimeout)) throw invalid(`failTimeout ${JSON.stringify(p.failTimeout)} must be an nginx time such as 10s`);
}

/** The file's text, byte for byte what the role's template renders for these variables. */
export function renderUpstreamConf(upstreams: Upstream[], params: UpstreamServerParams = ROLE_DEFAULT_PARAMS, managed = ANSIBLE_MANAGED): string {
  checkUpstreams(upstreams);
  checkParams(params);
  return [
    `# ${managed} (role proxy)`,
    "# The nameservers behind this LB. The deploy's cutover rewrites this file (same format),",
    '# checks it with nsdeploy-nginx-check and reloads nginx.',
    `upstream ${UPSTREAM_NAME} {`,
    ...upstreams.map((u) => `    server ${u.address}:${u.port} max_fails=${params.maxFails} fail_timeout=${params.failTimeout};`),
    '}',
    '',
  ].join('\n');
}

export class UpstreamParseError extends Error {}

/**
 * The servers of `upstream nsdeploy_nameservers { … }` in a file's text, in file order, and the
 * max_fails / fail_timeout they share (undefined when they differ or are absent).
 */
export function parseUpstreamConf(text: string): { upstreams: ParsedUpstream[]; params?: UpstreamServerParams } {
  const code = text.replace(/#[^\n]*/g, '');
  const block = code.match(new RegExp(`\\bupstream\\s+${UPSTREAM_NAME}\\s*\\{([^}]*)\\}`));
  if (!block) throw new UpstreamParseError(`no "upstream ${UPSTREAM_NAME} { … }" block`);
  const upstreams: ParsedUpstream[] = [];
  const paramSets = new Set<string>();
  let params: UpstreamServerParams | undefined;
  for (const statement of block[1].split(';').map((s) => s.trim()).filter(Boolean)) {
    const words = statement.split(/\s+/);
    if (words[0] !== 'server') continue; // zone, hash, least_conn…: not servers
    const m = words[1]?.match(/^(\[[^\]]+\]|[^:]+):(\d+)$/);
    if (!m) throw new UpstreamParseError(`server ${JSON.stringify(words[1] ?? '')} has no address:port`);
    upstreams.push({ address: m[1], port: Number(m[2]) });
    const maxFails = words.find((w) => w.startsWith('max_fails='))?.slice('max_fails='.length);
    const failTimeout = words.find((w) => w.startsWith('fail_timeout='))?.slice('fail_timeout='.length);
    paramSets.add(`${maxFails}|${failTimeout}`);
    if (maxFails !== undefined && /^\d+$/.test(maxFails) && failTimeout !== undefined && TIME.test(failTimeout)) params = { maxFails: Number(maxFails), failTimeout };
  }
  if (upstreams.length === 0) throw new UpstreamParseError(`"upstream ${UPSTREAM_NAME}" has no server`);
  return { upstreams, params: paramSets.size === 1 ? params : undefined };
}

export const upstreamKey = (u: Upstream) => `${u.address}:${u.port}`;
