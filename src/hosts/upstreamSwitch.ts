// The LB's upstreams over SSH: shell programs that read nginx's slots and the nftables map, and
// switch the map (POSIX sh, coreutils, util-linux flock, nft, awk: all in Debian 12), and a
// parser for what the reader prints. Values are shell-quoted; nothing secret goes into them.
import { shellQuote, SYSTEM_PATH } from '../ssh/exec';
import { NFT_TABLE, UPSTREAM_FILE, UPSTREAM_MAP_FILE } from './upstreamFiles';

/** nginx's state directory: persistent, root-writable, owned by the package. */
const STATE_DIR = '/var/lib/nginx';
/**
 * Present while the map file on disk may differ from the live nftables table (written before
 * the file is replaced, removed once the table is applied and checked). A switch that finds it
 * applies the file even when it already has the wanted content, so a retry after a crash
 * between "install" and "apply" still applies.
 */
export const APPLY_PENDING = `${STATE_DIR}/nsdeploy-upstreams.apply-pending`;
const SWITCH_LOCK = `${STATE_DIR}/nsdeploy-upstreams.lock`;

/** Exit statuses of the switch program. */
export const SWITCH_EXIT = {
  noFile: 66,
  invalid: 65,
  applyFailed: 69,
  notApplied: 68,
  internal: 70,
  busy: 75,
  conflict: 76,
} as const;

const NGINX_MARK = '--- nsdeploy: nginx upstream file';
const MAP_MARK = '--- nsdeploy: upstream map';

/** Prints "pending yes|no", then nginx's upstream file (the slots) and the map file, each after a marker line. */
export function readUpstreamScript(): string {
  const notLb = (f: string) => shellQuote(`${f} does not exist: is this host an LB configured by the proxy role?`);
  return [
    SYSTEM_PATH,
    `[ -f ${shellQuote(UPSTREAM_FILE)} ] || { echo ${notLb(UPSTREAM_FILE)} >&2; exit ${SWITCH_EXIT.noFile}; }`,
    `[ -f ${shellQuote(UPSTREAM_MAP_FILE)} ] || { echo ${notLb(UPSTREAM_MAP_FILE)} >&2; exit ${SWITCH_EXIT.noFile}; }`,
    `if [ -e ${shellQuote(APPLY_PENDING)} ]; then echo 'pending yes'; else echo 'pending no'; fi`,
    `echo ${shellQuote(NGINX_MARK)}`,
    `cat ${shellQuote(UPSTREAM_FILE)}`,
    `echo ${shellQuote(MAP_MARK)}`,
    `cat ${shellQuote(UPSTREAM_MAP_FILE)}`,
  ].join('\n');
}

export function parseReadUpstreamOutput(
  stdout: string,
): { pending: boolean; nginxText: string; mapText: string } | undefined {
  const m = stdout.match(new RegExp(`^pending (yes|no)\\n${NGINX_MARK}\\n([\\s\\S]*)\\n${MAP_MARK}\\n([\\s\\S]*)$`));
  return m ? { pending: m[1] === 'yes', nginxText: m[2], mapText: m[3] } : undefined;
}

/**
 * How long an idle UDP flow keeps its conntrack entry on an LB (the proxy role sets
 * net.netfilter.nf_conntrack_udp_timeout{,_stream} to this; the kernel's defaults are 30 and
 * 120 s). nginx opens a new socket per UDP session, and a new socket that gets a finished
 * flow's source port would follow that flow's old mapping for as long as the entry lives.
 * nginx itself gives up on a session after proxy_udp_timeout (2 s), so a flow idle this long is
 * over anyway: nothing in flight is cut off.
 */
export const CONNTRACK_UDP_TIMEOUT_SEC = 2;

/**
 * The cutover, made safe to retry: under a lock, takes the new map file from stdin into a
 * temporary file, verifies it arrived whole and that the live file is still the one read
 * before (compare-and-swap), `nft -c -f` (check only), installs it atomically, `nft -f` (one
 * transaction: each slot's new connections go to the new nameserver at once; open ones keep
 * theirs through conntrack), checks the live table, then waits until no UDP flow of the old
 * mapping is left — no conntrack entry answered by an upstream the new table dropped — at most
 * `settleMs` (the conntrack UDP timeout and a margin; the whole of it where
 * /proc/net/nf_conntrack cannot be read). Under load that is about the UDP timeout; with no
 * query in flight it is at once. Prints "settled <ms waited>" and "applied <epoch ms>".
 */
export function switchUpstreamScript(o: {
  expectOldSha256: string;
  expectNewSha256: string;
  settleMs?: number;
}): string {
  const settleMs = Math.round(o.settleMs ?? CONNTRACK_UDP_TIMEOUT_SEC * 1000 + 500);
  const t = CONNTRACK_UDP_TIMEOUT_SEC;
  // The script's longer lines, named here so the script below stays readable.
  const requireNft =
    `command -v nft >/dev/null || fail ${SWITCH_EXIT.noFile} ` +
    '"nft is missing: is this host an LB configured by the proxy role?"';
  const checkNewArrivedWhole =
    '[ "$(sha256sum < "$tmp" | cut -c1-64)" = "$expect_new" ] || ' +
    `fail ${SWITCH_EXIT.busy} "the new upstream map arrived incomplete"`;
  const checkLiveUnchanged =
    '[ "$(sha256sum < "$dest" | cut -c1-64)" = "$expect_old" ] || ' +
    `fail ${SWITCH_EXIT.conflict} "$dest changed since it was read (another writer?)"`;
  const installNew =
    'install -m 0644 -o root -g root "$tmp" "$dest.nsdeploy-new" && mv -f "$dest.nsdeploy-new" "$dest" || ' +
    `fail ${SWITCH_EXIT.internal} "cannot install $dest"`;
  const setUdpTimeouts =
    `sysctl -qw net.netfilter.nf_conntrack_udp_timeout=${t} net.netfilter.nf_conntrack_udp_timeout_stream=${t} || ` +
    `fail ${SWITCH_EXIT.internal} "cannot set the conntrack UDP timeouts"`;
  const applyOrRestore =
    `if ! out=$(nft -f "$dest" 2>&1); then restore; printf 'nft -f %s: %s\\n' "$dest" "$out" >&2; ` +
    `exit ${SWITCH_EXIT.applyFailed}; fi`;
  const checkAppliedOrRestore =
    '[ "$want" = "$live" ] || { restore; nft -f "$dest" >/dev/null 2>&1; ' +
    `fail ${SWITCH_EXIT.notApplied} ` +
    `"the live table ip ${NFT_TABLE} does not match $dest after nft -f: $(echo $live)"; }`;
  return `${SYSTEM_PATH}
set -u
dest=${shellQuote(UPSTREAM_MAP_FILE)}
pending=${shellQuote(APPLY_PENDING)}
expect_old=${shellQuote(o.expectOldSha256)}
expect_new=${shellQuote(o.expectNewSha256)}
fail() { code=$1; shift; printf '%s\\n' "$*" >&2; exit "$code"; }
${requireNft}
[ -f "$dest" ] || fail ${SWITCH_EXIT.noFile} "$dest does not exist: is this host an LB configured by the proxy role?"
mkdir -p ${shellQuote(STATE_DIR)} || fail ${SWITCH_EXIT.internal} "cannot create ${STATE_DIR}"
exec 9>${shellQuote(SWITCH_LOCK)} || fail ${SWITCH_EXIT.internal} "cannot open ${SWITCH_LOCK}"
flock -w 30 9 || fail ${SWITCH_EXIT.busy} "another upstream switch on this host holds ${SWITCH_LOCK}"
tmp=$(mktemp /root/nsdeploy-upstreams.XXXXXX) || fail ${SWITCH_EXIT.internal} "mktemp in /root failed"
trap 'rm -f "$tmp" "$dest.nsdeploy-new" "$dest.nsdeploy-old"' EXIT
cat > "$tmp" || fail ${SWITCH_EXIT.internal} "cannot write $tmp"
${checkNewArrivedWhole}
${checkLiveUnchanged}
if ! out=$(nft -c -f "$tmp" 2>&1); then printf '%s\\n' "$out" >&2; exit ${SWITCH_EXIT.invalid}; fi
: > "$pending" || fail ${SWITCH_EXIT.internal} "cannot write $pending"
if ! cmp -s "$tmp" "$dest"; then
  cp -p "$dest" "$dest.nsdeploy-old" || fail ${SWITCH_EXIT.internal} "cannot keep a copy of $dest"
  ${installNew}
fi
restore() { if [ -e "$dest.nsdeploy-old" ]; then mv -f "$dest.nsdeploy-old" "$dest"; fi; }
${setUdpTimeouts}
# The upstreams the live table sends to now and the new one will not: flows to them must end.
targets() { grep -o 'dnat to [0-9.:]*' | sed 's/^dnat to //' | sort -u; }
new_targets=$(targets < "$dest")
gone=""
for o in $(nft list table ip ${NFT_TABLE} 2>/dev/null | targets); do
  case " $(echo $new_targets) " in *" $o "*) ;; *) gone="$gone $o" ;; esac
done
# A failed nft -f changes nothing (one transaction): the old table stays live.
${applyOrRestore}
want=$(grep -o 'dnat to [0-9.:]*' "$dest")
live=$(nft list table ip ${NFT_TABLE} 2>&1 | grep -o 'dnat to [0-9.:]*')
${checkAppliedOrRestore}
applied=$(date +%s%3N)
# An entry is listed while it lives (an expired one is dropped as it is read): an answer from
# a dropped upstream (src=<it> … sport=<its port> in the reply direction) means a flow of the
# old mapping that a new nginx socket could still follow.
old_flows() {
  for g in $gone; do
    grep -F ' udp ' /proc/net/nf_conntrack | grep -F " src=\${g%:*} " | grep -qF " sport=\${g##*:} " && return 0
  done
  return 1
}
until_ms=$((applied + ${settleMs}))
if [ -r /proc/net/nf_conntrack ]; then
  while [ -n "$gone" ] && old_flows && [ "$(date +%s%3N)" -lt "$until_ms" ]; do sleep 0.05; done
else
  sleep ${(settleMs / 1000).toFixed(3)}
fi
echo "settled $(( $(date +%s%3N) - applied ))"
rm -f "$pending" "$dest.nsdeploy-old"
echo "applied $applied"
`;
}
