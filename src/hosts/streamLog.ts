// Queries an LB proxied, from nginx's stream access log (proxy_access_log of the proxy role):
// a shell program that counts the log's lines in a time window on the host, and its parser.
import { shellQuote, SYSTEM_PATH } from '../ssh/exec';

/** The proxy role's proxy_access_log; logrotate keeps the previous one as `<file>.1`. */
export const DEFAULT_STREAM_LOG = '/var/log/nginx/dns-stream.log';

/**
 * Counts the stream log's lines (current file and the one logrotate rotated) whose time is in
 * [since, host now − lagMs): total, per protocol, non-200 statuses, per upstream (the last one
 * nginx tried for that session). Also prints the oldest time found in both files, so the caller
 * can tell whether they reach back to `since`.
 */
export function countLogScript(o: { sinceEpochMs: number; lagMs: number; logFile?: string }): string {
  const log = o.logFile ?? DEFAULT_STREAM_LOG;
  const since = (Math.floor(o.sinceEpochMs) / 1000).toFixed(3);
  const files = `${shellQuote(`${log}.1`)} ${shellQuote(log)}`;
  const lagMs = Math.max(0, Math.round(o.lagMs));
  return `${SYSTEM_PATH}
now=$(date +%s%3N)
echo "now $now"
cat ${files} 2>/dev/null | awk -v since=${since} -v until_ms=$((now - ${lagMs})) '
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
  const out: LogCount = {
    queries: 0,
    udp: 0,
    tcp: 0,
    failed: 0,
    byUpstream: {},
    untilEpochMs: NaN,
    hostNowEpochMs: NaN,
    oldestEntryEpochMs: null,
  };
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
