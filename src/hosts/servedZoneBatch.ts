// Reads of served zones, batched per host. A deploy's plan reads every zone (one activity per
// zone, started together) from every live nameserver: with 3 zones and 20 servers that is 60
// SSH sessions, each two processes and a key exchange, to read files of a few hundred KB. Reads
// from one host that start within BATCH_WINDOW_MS of the first share one session instead.
import { cancelledError, type SshTarget } from '../ssh/exec';
import { readServedZones, type ServedZone, type ServedZoneReader, type ServedZonesReader } from './servedZone';

/** How long a host's first read waits for reads of other zones from that host. */
export const BATCH_WINDOW_MS = 100;

interface Waiter {
  domain: string;
  signal?: AbortSignal;
  resolve(zone: ServedZone): void;
  reject(err: unknown): void;
}

/** Same host, same credentials: the label is for messages only. */
const hostKey = (t: SshTarget) =>
  JSON.stringify([t.address, t.port ?? 22, t.user ?? 'root', t.privateKeyFile, t.knownHostsFile]);

/**
 * A ServedZoneReader whose reads from one host within `windowMs` of each other go out as one
 * `readMany` (one SSH session). A read whose signal aborts fails at once; the session is
 * killed only when every read waiting on it has aborted.
 */
export function batchedServedZoneReader(
  readMany: ServedZonesReader = readServedZones,
  windowMs = BATCH_WINDOW_MS,
): ServedZoneReader {
  const open = new Map<string, Waiter[]>();

  const send = async (t: SshTarget, waiters: Waiter[]) => {
    const live = waiters.filter((w) => !w.signal?.aborted);
    if (live.length === 0) return;
    const abort = new AbortController();
    const onAbort = () => live.every((w) => w.signal?.aborted) && abort.abort();
    for (const w of live) w.signal?.addEventListener('abort', onAbort);
    const domains = [...new Set(live.map((w) => w.domain))];
    try {
      const zones = await readMany(t, domains, { signal: abort.signal });
      for (const w of live) w.resolve(zones[domains.indexOf(w.domain)]);
    } catch (err) {
      for (const w of live) w.reject(err);
    } finally {
      for (const w of live) w.signal?.removeEventListener('abort', onAbort);
    }
  };

  return (t, domain, opts = {}) =>
    new Promise<ServedZone>((resolve, reject) => {
      const { signal } = opts;
      const cancelled = () =>
        cancelledError(signal!, `reading the zone ${domain} from ${t.name ?? t.address}: cancelled`);
      if (signal?.aborted) return reject(cancelled());
      const onAbort = () => reject(cancelled());
      signal?.addEventListener('abort', onAbort, { once: true });
      const settled = () => signal?.removeEventListener('abort', onAbort);
      const waiter: Waiter = {
        domain,
        signal,
        resolve: (zone) => (settled(), resolve(zone)),
        reject: (err) => (settled(), reject(err)),
      };
      const key = hostKey(t);
      const waiters = open.get(key);
      if (waiters) return void waiters.push(waiter);
      open.set(key, [waiter]);
      setTimeout(() => {
        const batch = open.get(key)!;
        open.delete(key);
        void send(t, batch);
      }, windowMs);
    });
}
