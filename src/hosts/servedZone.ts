// The zone a nameserver serves, as the nameserver role installs it: one file per zone,
// `{{ nameserver_zone_dir }}/db.{{ zone.name }}` (ansible/roles/nameserver: defaults/main.yml,
// templates/named.conf.local.j2), read over SSH with the pinned host key (src/ssh/exec.ts).
import { randomBytes } from 'node:crypto';
import { TypedError } from '../ssh/errors';
import { remoteFailure, runSsh, shellQuote, SYSTEM_PATH, type SshTarget } from '../ssh/exec';

/** nameserver_zone_dir of the nameserver role. */
export const NAMESERVER_ZONE_DIR = '/etc/bind/zones';

/** A zone name as the role's inventory has it ("example.com"): lower case, no trailing dot. */
export function zoneFileName(domain: string): string {
  const name = domain.replace(/\.$/, '').toLowerCase();
  if (!/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(name))
    throw new TypedError(`${JSON.stringify(domain)} is not a zone name nsdeploy serves`, {
      type: 'InvalidInput',
      nonRetryable: true,
    });
  return `db.${name}`;
}

/** Where a nameserver keeps the zone file it serves for `domain`: /etc/bind/zones/db.<domain>. */
export function servedZoneFile(domain: string): string {
  return `${NAMESERVER_ZONE_DIR}/${zoneFileName(domain)}`;
}

/**
 * The remote script for several zones: per zone a line `\n<token> <has|none> <file>\n`, then the
 * file's text; a last line `\n<token> end\n`. `token` is random per read, so no file holds it.
 */
export function readServedZonesScript(domains: string[], token: string): string {
  const files = domains.map((d) => shellQuote(servedZoneFile(d))).join(' ');
  return [
    SYSTEM_PATH,
    `for f in ${files}; do`,
    `  if [ -e "$f" ]; then printf '\\n%s has %s\\n' ${token} "$f"; cat -- "$f" || exit 1;`,
    `  else printf '\\n%s none %s\\n' ${token} "$f"; fi`,
    'done',
    `printf '\\n%s end\\n' ${token}`,
  ].join('\n');
}

export interface ServedZone {
  /** The file on the host. */
  file: string;
  /** Its text; undefined when the host has no such file (it does not serve the zone). */
  text?: string;
}

/** Reads the zone file a nameserver serves for `domain` (TypedErrors on failure; no Temporal). */
export type ServedZoneReader = (t: SshTarget, domain: string, opts?: { signal?: AbortSignal }) => Promise<ServedZone>;

/** Reads the zone files a nameserver serves for `domains`, in their order, in one SSH session. */
export type ServedZonesReader = (
  t: SshTarget,
  domains: string[],
  opts?: { signal?: AbortSignal },
) => Promise<ServedZone[]>;

export const readServedZones: ServedZonesReader = async (t, domains, opts = {}) => {
  const files = domains.map(servedZoneFile);
  const what = `cat ${files.join(' ')}`;
  const token = `nsdeploy-${randomBytes(12).toString('hex')}`;
  const r = await runSsh(t, readServedZonesScript(domains, token), { what, signal: opts.signal });
  const message = `could not read the served zone files ${files.join(', ')}`;
  if (r.exitCode !== 0) throw remoteFailure(t, what, r, { message });
  const parts = r.stdout.split(`\n${token} `);
  const read = files.map((file, i) => {
    const part = parts[i + 1] ?? '';
    const head = part.indexOf('\n');
    const [state, named] = [part.slice(0, head).split(' ', 1)[0], part.slice(part.indexOf(' ') + 1, head)];
    if (head < 0 || named !== file || (state !== 'has' && state !== 'none'))
      throw remoteFailure(t, what, r, { message: `${message}: unexpected output` });
    return state === 'has' ? { file, text: part.slice(head + 1) } : { file };
  });
  if (parts.length !== files.length + 2 || parts[0] !== '' || parts[files.length + 1] !== 'end\n')
    throw remoteFailure(t, what, r, { message: `${message}: unexpected output` });
  return read;
};
