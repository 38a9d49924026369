// SSH activities: the LB upstream switch of the NS blue-green cutover (an atomic swap of the
// LB's nftables upstream map, no nginx reload: ansible/README.md), reading the upstreams back
// for a compensation, query counters of LBs (stream access log) and nameservers (BIND
// statistics channel), and waiting until a new host answers SSH with its pinned key. Every
// connection checks the host key against the pinned known_hosts (never
// StrictHostKeyChecking=no), uses the worker's key only, and leaves no connection master behind.
import { ApplicationFailure } from '@temporalio/common';
import execa from 'execa';
import crypto from 'node:crypto';
import { bindStatsScript, parseBindStats, type BindCounters } from '../hosts/bindStats';
import { countLogScript, DEFAULT_STREAM_LOG, parseCountOutput, type LogCount } from '../hosts/streamLog';
import { upstreamKey, type Upstream } from '../hosts/upstream';
import {
  checkUpstreams,
  parseUpstreamConf,
  parseUpstreamMap,
  renderUpstreamMap,
  UPSTREAM_FILE,
  UPSTREAM_MAP_FILE,
  UpstreamParseError,
  type Slot,
} from '../hosts/upstreamFiles';
import {
  parseReadUpstreamOutput,
  readUpstreamScript,
  SWITCH_EXIT,
  switchUpstreamScript,
} from '../hosts/upstreamSwitch';
import {
  bounded,
  cancelledError,
  checkTarget,
  classifySshError,
  describeTarget,
  remoteFailure,
  runSsh,
  sleep,
  sshArgs,
  sshFailure,
  type SshFailureKind,
  type SshTarget,
} from '../ssh/exec';
import { activityHeartbeat, activitySignal } from './context';
import { reportingTypedErrors } from './failures';

export type { Upstream } from '../hosts/upstream';
export type { SshTarget } from '../ssh/exec';

export interface SwitchUpstreamsRequest {
  /** One per nginx slot of the LB, in slot order. */
  upstreams: Upstream[];
}

export interface SwitchUpstreamsResult {
  /** Whether the map file's content changed. */
  changed: boolean;
  /** The upstreams the map had before (what a compensation switches back to). */
  previous: Upstream[];
  /** When the new table took effect (host clock), or null when nothing was applied. */
  appliedAt: string | null;
  /** How long the switch then waited for the old mapping's UDP flows to end (ms). */
  settledMs?: number;
}

export interface LbQueryCountRequest {
  /** Count log lines from this time (epoch ms, host clock). */
  sinceEpochMs: number;
  /** Default DEFAULT_STREAM_LOG, /var/log/nginx/dns-stream.log (proxy_access_log); its ".1" is read too. */
  logFile?: string;
}

export interface LbQueryCount extends Omit<LogCount, 'hostNowEpochMs'> {
  sinceEpochMs: number;
  /**
   * False when the oldest line in both files is newer than sinceEpochMs, i.e. the logs may not
   * reach back that far (rotated twice since, or the LB is new and saw no query before).
   */
  coversSince: boolean;
}

export interface NsQueryCounterOptions {
  /** nameserver_stats_port; default 8053. */
  statsPort?: number;
}

export interface SshDeps {
  /** proxy_access_log_flush: how long a logged line may wait in nginx's buffer. Default 1000 ms. */
  logFlushMs?: number;
  /** Extra wait on top of the flush interval. Default 300 ms. */
  logFlushMarginMs?: number;
  heartbeat?: (details?: unknown) => void;
  cancellationSignal?: () => AbortSignal | undefined;
  /**
   * After a switch, how long to wait before returning: until no conntrack entry of the old
   * mapping can be left (CONNTRACK_UDP_TIMEOUT_SEC + 0.5 s by default).
   */
  switchSettleMs?: number;
}

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

export function createSshActivities(deps: SshDeps = {}) {
  const heartbeat = deps.heartbeat ?? activityHeartbeat;
  const signalOf = deps.cancellationSignal ?? activitySignal;
  const flushMs = deps.logFlushMs ?? 1000;
  const marginMs = deps.logFlushMarginMs ?? 300;

  /** nginx's slots and the live map file: text, parse, and whether an apply may still be owed. */
  async function readUpstreamFiles(
    t: SshTarget,
  ): Promise<{ mapText: string; pending: boolean; slots: Slot[]; upstreams: Upstream[] }> {
    const what = `cat ${UPSTREAM_FILE} ${UPSTREAM_MAP_FILE}`;
    const r = await runSsh(t, readUpstreamScript(), { what, signal: signalOf() });
    if (r.exitCode === SWITCH_EXIT.noFile)
      throw remoteFailure(t, what, r, { type: 'NotAnLb', nonRetryable: true, message: `no upstream files to read` });
    const out = r.exitCode === 0 ? parseReadUpstreamOutput(r.stdout) : undefined;
    if (!out) throw remoteFailure(t, what, r);
    let file = UPSTREAM_FILE;
    try {
      const { slots } = parseUpstreamConf(out.nginxText);
      file = UPSTREAM_MAP_FILE;
      return { mapText: out.mapText, pending: out.pending, slots, upstreams: parseUpstreamMap(out.mapText, slots) };
    } catch (err) {
      if (!(err instanceof UpstreamParseError)) throw err;
      const text = file === UPSTREAM_FILE ? out.nginxText : out.mapText;
      throw ApplicationFailure.nonRetryable(
        `${file} on ${describeTarget(t)} cannot be read as nsdeploy's upstreams: ${err.message}: ${bounded(text)}`,
        'UpstreamFileUnreadable',
      );
    }
  }

  return reportingTypedErrors({
    /**
     * Points an LB at these nameservers: renders the map for the LB's slots, uploads it,
     * `nft -c -f`, installs it atomically and applies it with `nft -f` (one transaction; no
     * nginx reload, so no query in flight is lost). Idempotent: a map that already has exactly
     * this content is left alone (unless an earlier switch was interrupted between install and
     * apply). A map nft refuses changes nothing on the host and fails non-retryably.
     */
    async switchUpstreams(t: SshTarget, req: SwitchUpstreamsRequest): Promise<SwitchUpstreamsResult> {
      checkTarget(t);
      checkUpstreams(req?.upstreams);
      const current = await readUpstreamFiles(t);
      const wanted = renderUpstreamMap(current.slots, req.upstreams);
      const changed = wanted !== current.mapText;
      if (!changed && !current.pending) return { changed: false, previous: current.upstreams, appliedAt: null };
      heartbeat({ step: changed ? 'install and apply' : 'apply (an earlier switch did not finish)' });

      const what = `nft -c -f <new map> && install ${UPSTREAM_MAP_FILE} && nft -f ${UPSTREAM_MAP_FILE}`;
      const script = switchUpstreamScript({
        expectOldSha256: sha256(current.mapText),
        expectNewSha256: sha256(wanted),
        settleMs: deps.switchSettleMs,
      });
      const r = await runSsh(t, script, { what, input: wanted, signal: signalOf(), timeoutMs: 90_000 });
      const list = req.upstreams.map(upstreamKey).join(', ');
      switch (r.exitCode) {
        case 0: {
          const m = r.stdout.match(/^applied (\d+)$/m);
          const settled = r.stdout.match(/^settled (\d+)$/m);
          return {
            changed,
            previous: current.upstreams,
            appliedAt: new Date(m ? Number(m[1]) : Date.now()).toISOString(),
            ...(settled && { settledMs: Number(settled[1]) }),
          };
        }
        case SWITCH_EXIT.invalid:
          throw ApplicationFailure.create({
            message:
              `nft refused the upstream map for ${list} on ${describeTarget(t)} (nft -c -f); ` +
              `nothing was changed: ${bounded(r.stderr || r.stdout)}`,
            type: 'UpstreamMapInvalid',
            nonRetryable: true,
          });
        case SWITCH_EXIT.applyFailed:
        case SWITCH_EXIT.notApplied:
          throw remoteFailure(t, what, r, {
            type: 'UpstreamMapNotApplied',
            nonRetryable: true,
            message: `the new upstream map was not applied; the previous map file was put back`,
          });
        case SWITCH_EXIT.noFile:
          throw remoteFailure(t, what, r, {
            type: 'NotAnLb',
            nonRetryable: true,
            message: 'the upstream switch cannot run',
          });
        case SWITCH_EXIT.busy:
        case SWITCH_EXIT.conflict:
          throw remoteFailure(t, what, r, {
            type: 'UpstreamSwitchConflict',
            message: 'the upstream switch was not done (retry)',
          });
        default:
          throw remoteFailure(t, what, r);
      }
    },

    /** The LB's current upstreams, in slot order. */
    async readUpstreams(t: SshTarget): Promise<Upstream[]> {
      return (await readUpstreamFiles(t)).upstreams;
    },

    /**
     * Queries the LB logged from sinceEpochMs until (host now − flush interval − margin), from
     * the stream access log and its rotated file, after waiting for nginx to flush its buffer.
     * One line per UDP query or per TCP connection. Per-upstream counts are per nginx slot
     * (address:port of the slot, see readUpstreams for where each leads); `untilEpochMs` is
     * where the next window should start.
     */
    async lbQueryCount(t: SshTarget, req: LbQueryCountRequest): Promise<LbQueryCount> {
      checkTarget(t);
      if (!Number.isFinite(req?.sinceEpochMs))
        throw ApplicationFailure.nonRetryable(
          'lbQueryCount: sinceEpochMs must be a number (epoch milliseconds)',
          'InvalidInput',
        );
      if (req.logFile !== undefined && !/^\/[A-Za-z0-9._/-]+$/.test(req.logFile))
        throw ApplicationFailure.nonRetryable(
          `lbQueryCount: logFile ${JSON.stringify(req.logFile)} is not an absolute path`,
          'InvalidInput',
        );
      heartbeat({ step: 'waiting for the access log flush' });
      // Lines that were logged before this call reach the file within the flush interval.
      await sleep(flushMs + marginMs, signalOf());
      const log = req.logFile ?? DEFAULT_STREAM_LOG;
      const what = `count lines of ${log}{.1,} since ${req.sinceEpochMs}`;
      const r = await runSsh(
        t,
        countLogScript({ sinceEpochMs: req.sinceEpochMs, lagMs: flushMs + marginMs - 100, logFile: req.logFile }),
        { what, signal: signalOf() },
      );
      const parsed = r.exitCode === 0 ? parseCountOutput(r.stdout) : undefined;
      if (!parsed) throw remoteFailure(t, what, r);
      const { hostNowEpochMs: _now, ...count } = parsed;
      return {
        ...count,
        sinceEpochMs: req.sinceEpochMs,
        coversSince: parsed.oldestEntryEpochMs === null || parsed.oldestEntryEpochMs <= req.sinceEpochMs,
      };
    },

    /** The nameserver's query counters from BIND's statistics channel (read over SSH). */
    async nsQueryCounter(t: SshTarget, opts: NsQueryCounterOptions = {}): Promise<BindCounters> {
      checkTarget(t);
      const port = opts.statsPort ?? 8053;
      if (!(Number.isInteger(port) && port > 0 && port < 65536))
        throw ApplicationFailure.nonRetryable(`nsQueryCounter: statsPort ${port} is not a TCP port`, 'InvalidInput');
      const what = `curl -s http://127.0.0.1:${port}/json/v1/server`;
      const r = await runSsh(t, bindStatsScript(port), { what, signal: signalOf() });
      if (r.exitCode !== 0) {
        throw remoteFailure(t, what, r, {
          type: 'NsStatsUnavailable',
          message: `BIND's statistics channel did not answer (is named running, configured by the nameserver role?)`,
        });
      }
      const counters = parseBindStats(r.stdout);
      if (!counters) {
        const output = bounded(r.stdout, 200);
        throw ApplicationFailure.create({
          message: `\`${what}\` on ${describeTarget(t)} did not return BIND's statistics JSON: ${output}`,
          type: 'NsStatsUnavailable',
        });
      }
      return counters;
    },

    /**
     * Resolves once `ssh … true` succeeds with the pinned host key (polling, heartbeating).
     * A host key that does not match the pinned one fails at once (non-retryable); refused
     * connections, timeouts and a key not yet authorized are retried until timeoutMs.
     */
    async waitForSsh(t: SshTarget, timeoutMs: number): Promise<void> {
      checkTarget(t);
      if (!(Number.isFinite(timeoutMs) && timeoutMs > 0))
        throw ApplicationFailure.nonRetryable(
          `waitForSsh: timeoutMs ${timeoutMs} must be a positive number`,
          'InvalidInput',
        );
      const signal = signalOf();
      const started = Date.now();
      const deadline = started + timeoutMs;
      let attempt = 0;
      let last: { kind: SshFailureKind; stderr: string } | undefined;
      for (;;) {
        attempt++;
        const left = deadline - Date.now();
        const connectSec = Math.max(1, Math.min(10, Math.ceil(left / 1000)));
        const child = execa('ssh', sshArgs(t, 'true', { connectTimeoutSec: connectSec }), {
          reject: false,
          stdin: 'ignore',
          timeout: connectSec * 1000 + 5000,
          killSignal: 'SIGKILL',
          env: { LC_ALL: 'C' },
          maxBuffer: 2 ** 20,
        });
        const onAbort = () => child.kill('SIGKILL');
        signal?.addEventListener('abort', onAbort, { once: true });
        const r = await child.finally(() => signal?.removeEventListener('abort', onAbort));
        if (signal?.aborted) throw cancelledError(signal, `waitForSsh ${describeTarget(t)}: cancelled`);
        if (r.exitCode === 0) return;
        const stderr = String(r.stderr ?? '');
        const kind: SshFailureKind = r.timedOut ? 'timeout' : r.exitCode === 255 ? classifySshError(stderr) : 'other';
        // A wrong host key or an unusable key file does not heal by waiting.
        if (kind === 'host-key' || kind === 'key-file') throw sshFailure(t, 'ssh … true', kind, stderr);
        last = { kind, stderr: r.timedOut ? 'ssh did not finish in time' : stderr || `exit status ${r.exitCode}` };
        heartbeat({ attempt, waitedMs: Date.now() - started, last: bounded(last.stderr, 200) });
        if (Date.now() >= deadline) break;
        await sleep(Math.min(1000, deadline - Date.now()), signal);
      }
      const why =
        last!.kind === 'auth'
          ? `the host refused the key ${t.privateKeyFile} (${bounded(last!.stderr, 300)})`
          : bounded(last!.stderr, 300);
      throw ApplicationFailure.create({
        message:
          `SSH to ${describeTarget(t)} (ssh … true) did not succeed within ${+(timeoutMs / 1000).toFixed(1)} s ` +
          `(${attempt} attempt${attempt === 1 ? '' : 's'}); last: ${why}`,
        type: last!.kind === 'auth' ? 'SshAuthFailed' : 'SshWaitTimedOut',
        nonRetryable: true,
      });
    },
  });
}

export type SshActivities = ReturnType<typeof createSshActivities>;
