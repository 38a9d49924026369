// The zone a nameserver serves, as the nameserver role installs it: one file per zone,
// `{{ nameserver_zone_dir }}/db.{{ zone.name }}` (ansible/roles/nameserver: defaults/main.yml,
// templates/named.conf.local.j2), read over SSH with the pinned host key (src/ssh/exec.ts).
import { TypedError } from '../ssh/errors';
import { remoteFailure, runSsh, shellQuote, SYSTEM_PATH, type SshTarget } from '../ssh/exec';

/** nameserver_zone_dir of the nameserver role. */
export const NAMESERVER_ZONE_DIR = '/etc/bind/zones';

/** Exit status of the read script when the host has no file for the zone (it does not serve it). */
export const NO_ZONE_FILE_EXIT = 44;

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

/** The remote script: the file's text on stdout, or exit NO_ZONE_FILE_EXIT when there is none. */
export function readServedZoneScript(domain: string): string {
  const file = shellQuote(servedZoneFile(domain));
  return [
    SYSTEM_PATH,
    `f=${file}`,
    `if [ ! -e "$f" ]; then echo "no zone file $f" >&2; exit ${NO_ZONE_FILE_EXIT}; fi`,
    `exec cat -- "$f"`,
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

export const readServedZone: ServedZoneReader = async (t, domain, opts = {}) => {
  const file = servedZoneFile(domain);
  const what = `cat ${file}`;
  const r = await runSsh(t, readServedZoneScript(domain), { what, signal: opts.signal });
  if (r.exitCode === NO_ZONE_FILE_EXIT) return { file };
  if (r.exitCode !== 0) throw remoteFailure(t, what, r, { message: `could not read the served zone file ${file}` });
  return { file, text: r.stdout };
};
