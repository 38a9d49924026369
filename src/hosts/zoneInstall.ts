// Serving a new zone file on a live nameserver without a restart: the text arrives on stdin, is
// checked by named-checkzone on the host, replaces the served file atomically (rename in the same
// directory, the previous one kept once as a backup), and `rndc reload <zone>` loads it; the
// script then waits until named itself reports the new serial (`rndc zonestatus`). A reload that
// fails, or one BIND queues and then cannot load, leaves named serving the previous zone.
import { TypedError } from '../ssh/errors';
import { remoteFailure, runSsh, shellQuote, SYSTEM_PATH, type SshTarget } from '../ssh/exec';
import { servedZoneFile, zoneFileName } from './servedZone';

/** Exit statuses of the install script. */
export const INSTALL_EXIT = { refused: 45, reloadFailed: 46, notServed: 47 } as const;

/** How long the script waits for named to serve the new serial after `rndc reload`. */
export const RELOAD_WAIT_SECONDS = 10;

/** The files of one change on a host: the new text while it is checked, and the previous one. */
export function changeFiles(domain: string, tag: string): { served: string; incoming: string; backup: string } {
  if (!/^[A-Za-z0-9_-]+$/.test(tag))
    throw new TypedError(`change tag ${JSON.stringify(tag)} must be letters, digits, - and _`, {
      type: 'InvalidInput',
      nonRetryable: true,
    });
  const served = servedZoneFile(domain);
  return { served, incoming: `${served}.${tag}.new`, backup: `${served}.${tag}.prev` };
}

/** The remote script: stdin → checked → served → reloaded → named serves `serial`. */
export function installZoneScript(domain: string, serial: number, tag: string): string {
  const zone = shellQuote(zoneFileName(domain).slice(3));
  const f = changeFiles(domain, tag);
  return [
    SYSTEM_PATH,
    'set -u',
    'umask 022',
    `zone=${zone}; f=${shellQuote(f.served)}; new=${shellQuote(f.incoming)}; prev=${shellQuote(f.backup)}`,
    'cat > "$new" || { rm -f -- "$new"; exit 1; }',
    'if ! out=$(named-checkzone "$zone" "$new" 2>&1); then',
    `  rm -f -- "$new"; printf '%s\\n' "$out" >&2; exit ${INSTALL_EXIT.refused}`,
    'fi',
    'chgrp bind "$new" 2>/dev/null; chmod 0644 "$new"',
    // The previous file is kept once: a retry must not take its own output for the previous one.
    'if [ -e "$f" ] && [ ! -e "$prev" ]; then cp -p -- "$f" "$prev.tmp" && mv -f -- "$prev.tmp" "$prev" || exit 1; fi',
    'mv -f -- "$new" "$f" || exit 1',
    'if ! out=$(rndc reload "$zone" 2>&1); then',
    `  printf 'rndc reload %s: %s\\n' "$zone" "$out" >&2; exit ${INSTALL_EXIT.reloadFailed}`,
    'fi',
    's=; i=0',
    `while [ $i -lt ${RELOAD_WAIT_SECONDS * 10} ]; do`,
    `  s=$(rndc zonestatus "$zone" 2>/dev/null | sed -n 's/^serial: //p')`,
    `  if [ "$s" = ${serial} ]; then echo "serving ${serial}"; exit 0; fi`,
    '  sleep 0.1; i=$((i + 1))',
    'done',
    `echo "after rndc reload named serves serial \${s:-(none)}, not ${serial} (rndc said: $out)" >&2`,
    `exit ${INSTALL_EXIT.notServed}`,
  ].join('\n');
}

/** The text a rollback starts from: the backup this change made, or the served file if it made none. */
export function previousZoneScript(domain: string, tag: string): string {
  const f = changeFiles(domain, tag);
  return [
    SYSTEM_PATH,
    `f=${shellQuote(f.served)}; prev=${shellQuote(f.backup)}`,
    'if [ -e "$prev" ]; then exec cat -- "$prev"; fi',
    'exec cat -- "$f"',
  ].join('\n');
}

/** Drops what a change left beside the served files (its backups, a text it never installed). */
export function discardScript(domains: string[], tag: string): string {
  const files = domains.flatMap((d) => {
    const f = changeFiles(d, tag);
    return [f.incoming, f.backup, `${f.backup}.tmp`];
  });
  return [SYSTEM_PATH, `rm -f -- ${files.map(shellQuote).join(' ')}`].join('\n');
}

export interface InstallOptions {
  signal?: AbortSignal;
}

/** Installs `text` as the zone `domain` serves and reloads it (TypedErrors on failure; no Temporal). */
export async function installZone(
  t: SshTarget,
  domain: string,
  text: string,
  serial: number,
  tag: string,
  opts: InstallOptions = {},
): Promise<void> {
  const what = `install ${domain} serial ${serial}`;
  const r = await runSsh(t, installZoneScript(domain, serial, tag), { what, input: text, signal: opts.signal });
  if (r.exitCode === 0) return;
  if (r.exitCode === INSTALL_EXIT.refused)
    throw remoteFailure(t, what, r, {
      type: 'ZoneRefused',
      nonRetryable: true,
      message: `named-checkzone refused ${domain} serial ${serial}; the served zone is unchanged`,
    });
  if (r.exitCode === INSTALL_EXIT.reloadFailed || r.exitCode === INSTALL_EXIT.notServed)
    throw remoteFailure(t, what, r, {
      type: 'ReloadFailed',
      nonRetryable: true,
      message: `named did not load ${domain} serial ${serial}`,
    });
  throw remoteFailure(t, what, r);
}

/** The zone text a rollback puts back on this host. */
export async function previousZone(t: SshTarget, domain: string, tag: string, opts: InstallOptions = {}) {
  const what = `read the previous ${domain}`;
  const r = await runSsh(t, previousZoneScript(domain, tag), { what, signal: opts.signal });
  if (r.exitCode !== 0) throw remoteFailure(t, what, r, { message: `could not read the previous zone of ${domain}` });
  return r.stdout;
}

/** Removes the change's backups on this host. */
export async function discardBackups(t: SshTarget, domains: string[], tag: string, opts: InstallOptions = {}) {
  const what = `remove the backups of ${tag}`;
  const r = await runSsh(t, discardScript(domains, tag), { what, signal: opts.signal });
  if (r.exitCode !== 0) throw remoteFailure(t, what, r);
}
