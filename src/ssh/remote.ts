// Shell programs the SSH activities run on fleet hosts (POSIX sh, coreutils, util-linux flock,
// procps ps, awk: all in Debian 12), and parsers for what they print. Values are shell-quoted;
// nothing secret goes into them.
import { shellQuote } from './exec';
import { UPSTREAM_FILE } from './upstreams';

export const NGINX_CHECK = '/usr/local/sbin/nsdeploy-nginx-check';
/** nginx's state directory: persistent, root-writable, owned by the package. */
export const STATE_DIR = '/var/lib/nginx';
/**
 * Present while the upstream file on disk may differ from what nginx runs (written before the
 * file is replaced, removed once the reload has taken effect). A switch that finds it reloads
 * even when the file already has the wanted content, so a retry after a crash between
 * "install" and "reload" still reloads.
 */
export const RELOAD_PENDING = `${STATE_DIR}/nsdeploy-upstream.reload-pending`;
export const SWITCH_LOCK = `${STATE_DIR}/nsdeploy-upstream.lock`;
export const DEFAULT_STREAM_LOG = '/var/log/nginx/dns-stream.log';

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH';

/** Exit statuses of the switch program. */
export const SWITCH_EXIT = {
  noFile: 66,
  notRunning: 67,
  invalid: 65,
  reloadFailed: 69,
  reloadNotApplied: 68,
  internal: 70,
  busy: 75,
  conflict: 76,
} as const;

/** Prints "pending yes|no", a marker line, then the upstream file exactly. */
export function readUpstreamScript(file = UPSTREAM_FILE): string {
  const f = shellQuote(file);
  return [
    PATH,
    `[ -f ${f} ] || { echo ${shellQuote(`${file} does not exist: is this host an LB configured by the proxy role?`)} >&2; exit ${SWITCH_EXIT.noFile}; }`,
    `if [ -e ${shellQuote(RELOAD_PENDING)} ]; then echo 'pending yes'; else echo 'pending no'; fi`,
    `echo '--- file'`,
    `cat ${f}`,
  ].join('\n');
}

export function parseReadUpstreamOutput(stdout: string): { pending: boolean; text: string } | undefined {
  const m = stdout.match(/^pending (yes|no)\n--- file\n([\s\S]*)$/);
  return m ? { pending: m[1] === 'yes', text: m[2] } : undefined;
}

/**
 * The cutover of ansible/README.md, made safe to retry: under a lock, takes the new file from
 * stdin into a temporary file outside stream.d, verifies it arrived whole and that the live
 * file is still the one read before (compare-and-swap), `nsdeploy-nginx-check <tmp> <dest>`,
 * installs it atomically (install to a sibling, rename), `service nginx reload`, then waits
 * until every old worker has stopped taking new queries. If the reload fails or does not take
 * effect the old file is put back and the pending marker stays. Prints "reloaded <epoch ms>".
 */
export function switchUpstreamScript(o: { expectOldSha256: string; expectNewSha256: string; file?: string; applyTimeoutSec?: number }): string {
  const dest = o.file ?? UPSTREAM_FILE;
  const polls = Math.max(1, Math.round((o.applyTimeoutSec ?? 5) / 0.05));
  return `${PATH}
set -u
dest=${shellQuote(dest)}
pending=${shellQuote(RELOAD_PENDING)}
expect_old=${shellQuote(o.expectOldSha256)}
expect_new=${shellQuote(o.expectNewSha256)}
fail() { code=$1; shift; printf '%s\\n' "$*" >&2; exit "$code"; }
[ -x ${NGINX_CHECK} ] || fail ${SWITCH_EXIT.noFile} "${NGINX_CHECK} is missing: is this host an LB configured by the proxy role?"
[ -f "$dest" ] || fail ${SWITCH_EXIT.noFile} "$dest does not exist: is this host an LB configured by the proxy role?"
mkdir -p ${shellQuote(STATE_DIR)} || fail ${SWITCH_EXIT.internal} "cannot create ${STATE_DIR}"
exec 9>${shellQuote(SWITCH_LOCK)} || fail ${SWITCH_EXIT.internal} "cannot open ${SWITCH_LOCK}"
flock -w 30 9 || fail ${SWITCH_EXIT.busy} "another upstream switch on this host holds ${SWITCH_LOCK}"
tmp=$(mktemp /root/nsdeploy-upstream.XXXXXX) || fail ${SWITCH_EXIT.internal} "mktemp in /root failed"
trap 'rm -f "$tmp" "$dest.nsdeploy-new" "$dest.nsdeploy-old"' EXIT
cat > "$tmp" || fail ${SWITCH_EXIT.internal} "cannot write $tmp"
[ "$(sha256sum < "$tmp" | cut -c1-64)" = "$expect_new" ] || fail ${SWITCH_EXIT.busy} "the new upstream file arrived incomplete"
[ "$(sha256sum < "$dest" | cut -c1-64)" = "$expect_old" ] || fail ${SWITCH_EXIT.conflict} "$dest changed since it was read (another writer?)"
if ! out=$(${NGINX_CHECK} "$tmp" "$dest" 2>&1); then printf '%s\\n' "$out" >&2; exit ${SWITCH_EXIT.invalid}; fi
master=$(cat /run/nginx.pid 2>/dev/null) || master=
{ [ -n "$master" ] && kill -0 "$master" 2>/dev/null; } || fail ${SWITCH_EXIT.notRunning} "nginx is not running (no live master process in /run/nginx.pid); start it before switching upstreams"
: > "$pending" || fail ${SWITCH_EXIT.internal} "cannot write $pending"
if ! cmp -s "$tmp" "$dest"; then
  cp -p "$dest" "$dest.nsdeploy-old" || fail ${SWITCH_EXIT.internal} "cannot keep a copy of $dest"
  install -m 0644 -o root -g root "$tmp" "$dest.nsdeploy-new" && mv -f "$dest.nsdeploy-new" "$dest" || fail ${SWITCH_EXIT.internal} "cannot install $dest"
fi
restore() { if [ -e "$dest.nsdeploy-old" ]; then mv -f "$dest.nsdeploy-old" "$dest"; fi; }
workers() { [ -n "$master" ] && ps --ppid "$master" -o pid= -o args= | awk '$2 == "nginx:" && $3 == "worker" && $4 == "process" && NF == 4 { print $1 }'; }
old=$(workers | tr '\\n' ' ')
if ! out=$(service nginx reload 2>&1); then restore; printf 'service nginx reload: %s\\n' "$out" >&2; exit ${SWITCH_EXIT.reloadFailed}; fi
i=0
while :; do
  now=" $(workers | tr '\\n' ' ') "
  stale=
  for p in $old; do case "$now" in *" $p "*) stale=$p ;; esac; done
  [ -z "$stale" ] && [ -n "$(echo $now)" ] && break
  i=$((i + 1))
  if [ "$i" -ge ${polls} ]; then
    restore
    if [ -n "$stale" ]; then why="old worker $stale still takes queries"; else why="no worker process is running"; fi
    printf 'nginx did not take the new configuration within ${o.applyTimeoutSec ?? 5} s after service nginx reload (%s); error.log: %s\\n' "$why" "$(tail -n 5 /var/log/nginx/error.log 2>/dev/null)" >&2
    exit ${SWITCH_EXIT.reloadNotApplied}
  fi
  sleep 0.05
done
rm -f "$pending" "$dest.nsdeploy-old"
echo "reloaded $(date +%s%3N)"
`;
}

/** nsdeploy-nginx-check's output with its temporary copy's paths shown as the real ones. */
export function cleanNginxMessage(text: string): string {
  return text
    .replace(/\/tmp\/nsdeploy-nginx-check\.[A-Za-z0-9]+\//g, '/etc/nginx/')
    .replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: /gm, 'nginx: $1 ');
}

/**
 * Counts the stream log's lines (current file and the one logrotate rotated) whose time is in
 * [since, host now − lagMs): total, per protocol, non-200 statuses, per upstream (the last one
 * nginx tried for that session). Also prints the oldest time found in both files, so the caller
 * can tell whether they reach back to `since`.
 */
export function countLogScript(o: { sinceEpochMs: number; lagMs: number; logFile?: string }): string {
  const log = o.logFile ?? DEFAULT_STREAM_LOG;
  const since = (Math.floor(o.sinceEpochMs) / 1000).toFixed(3);
  return `${PATH}
now=$(date +%s%3N)
echo "now $now"
cat ${shellQuote(`${log}.1`)} ${shellQuote(log)} 2>/dev/null | awk -v since=${since} -v until_ms=$((now - ${Math.max(0, Math.round(o.lagMs))})) '
BEGIN { until = until_ms / 1000; n = 0; failed = 0; seen = 0 }
NF >= 8 {
  t = $1 + 0
  if (!seen || t < oldest) { oldest = t; seen = 1 }
  if (t < since || t >= until) next
  n++
  proto[$3]++
  if ($4 != "200") failed++
  u = $5
  for (i = 6; i <= NF - 3; i++) u = u $i
  k = split(u, parts, ",")
  up[parts[k]]++
}
END {
  printf "until %s\\n", until_ms
  printf "total %d\\nfailed %d\\n", n, failed
  for (p in proto) printf "proto %s %d\\n", p, proto[p]
  for (x in up) printf "upstream %s %d\\n", x, up[x]
  if (seen) printf "oldest %.3f\\n", oldest
}'
`;
}

export interface LogCount {
  queries: number;
  udp: number;
  tcp: number;
  /** Lines with a status other than 200 (502 = the upstream did not answer: lost). */
  failed: number;
  byUpstream: Record<string, number>;
  untilEpochMs: number;
  hostNowEpochMs: number;
  oldestEntryEpochMs: number | null;
}

export function parseCountOutput(stdout: string): LogCount | undefined {
  const out: LogCount = { queries: 0, udp: 0, tcp: 0, failed: 0, byUpstream: {}, untilEpochMs: NaN, hostNowEpochMs: NaN, oldestEntryEpochMs: null };
  let sawTotal = false;
  for (const line of stdout.split('\n')) {
    const [key, a, b] = line.trim().split(/\s+/);
    if (key === 'now') out.hostNowEpochMs = Number(a);
    else if (key === 'until') out.untilEpochMs = Number(a);
    else if (key === 'total') {
      out.queries = Number(a);
      sawTotal = true;
    } else if (key === 'failed') out.failed = Number(a);
    else if (key === 'proto' && a === 'UDP') out.udp = Number(b);
    else if (key === 'proto' && a === 'TCP') out.tcp = Number(b);
    else if (key === 'upstream' && a !== undefined) out.byUpstream[a] = Number(b);
    else if (key === 'oldest') out.oldestEntryEpochMs = Math.round(Number(a) * 1000);
  }
  if (!sawTotal || !Number.isFinite(out.untilEpochMs) || !Number.isFinite(out.hostNowEpochMs)) return undefined;
  return out;
}

export function bindStatsScript(port: number): string {
  return `${PATH}\ncurl -sS --fail --max-time 5 ${shellQuote(`http://127.0.0.1:${port}/json/v1/server`)}`;
}

export interface BindCounters {
  /** opcodes.QUERY: queries received since named started (UDP and TCP). */
  queries: number;
  /** nsstats.QryUDP */
  udp: number;
  /** nsstats.QryTCP (nsstats.ReqTCP when QryTCP is absent) */
  tcp: number;
  /** named's boot-time: the counters restart from 0 when it changes. */
  bootTime: string;
  /** named's current-time when it answered (host clock). */
  currentTime?: string;
}

/** The counters from BIND's /json/v1/server document (BIND leaves out counters that are 0). */
export function parseBindStats(json: string): BindCounters | undefined {
  let doc: {
    'boot-time'?: string;
    'current-time'?: string;
    opcodes?: Record<string, number>;
    nsstats?: Record<string, number>;
  };
  try {
    doc = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object' || typeof doc['boot-time'] !== 'string') return undefined;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    queries: n(doc.opcodes?.QUERY),
    udp: n(doc.nsstats?.QryUDP),
    tcp: n(doc.nsstats?.QryTCP ?? doc.nsstats?.ReqTCP),
    bootTime: doc['boot-time'],
    ...(typeof doc['current-time'] === 'string' && { currentTime: doc['current-time'] }),
  };
}
