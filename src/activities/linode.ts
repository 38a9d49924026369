// Linode activities: create (idempotent by label + deploy tag), wait until running, rename,
// delete, list the fleet. The API token is read from the environment variable the fleet
// config names; it never appears in inputs, results or history. Each activity makes its calls
// inside its own fleet's credentials scope (src/linode/client.ts), so one worker can serve
// fleets of several accounts or API URLs at the same time.
import { ApplicationFailure } from '@temporalio/common';
import {
  assignAddresses,
  createLinode,
  deleteLinode,
  getLinode,
  getLinodeIPs,
  getLinodes,
  getRegions,
  updateLinode,
  type Linode,
} from '@linode/api-v4';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  type LinodeCredentials,
  type PacerRegistry,
  processPacers,
  toLinodeError,
  withLinodeCredentials,
} from '../linode';
import { cloudConfigFor, generateHostKey, readPublicKey, type HostKeyPair } from '../hosts/hostKeys';
import { pinHostKey, pinnedKeyOf, unpinHosts } from '../ssh/knownHosts';
import { activityHeartbeat as heartbeat } from './context';
import { linodeFailure } from './linodeErrors';

/** Where the fleet's Linode account and pinned keys are; names and paths only, no secrets. */
export interface LinodeTarget {
  apiUrl?: string;
  tokenEnv: string;
  knownHostsFile: string;
  /** The worker's SSH key (its .pub is installed as root's authorized key). */
  privateKeyFile: string;
}

export interface InstanceSpec {
  label: string;
  region: string;
  type: string;
  image: string;
  tags: string[];
  /** Tag naming the deploy that owns the instance: a retry finds its own instance by it. */
  deployTag: string;
  /** The Cloud Firewall of its role, attached at create (src/activities/firewall.ts). */
  firewallId?: number;
}

export interface InstanceInfo {
  id: number;
  label: string;
  status: string;
  tags: string[];
  publicIPv4: string;
  privateIPv4: string | null;
  /** The Linode region it runs in (absent in histories from before it was read). */
  region?: string;
  /** The pinned host public key, when this deploy created the instance. */
  hostPublicKey?: string;
}

/** Public IPv4 addresses to give to instances of one region, all at once (Linode IP assignment). */
export interface AddressAssignment {
  region: string;
  /** Each instance ends with exactly this public address (and keeps its private one). */
  assignments: { linodeId: number; address: string }[];
}

export interface LinodeDeps {
  env?: NodeJS.ProcessEnv;
  sleep?: (ms: number) => Promise<void>;
  pollMs?: number;
  /** Rate-limit pacing of creates; default: the process's (shared by every activity of the worker). */
  pacers?: PacerRegistry;
  /** How long one ensureInstance waits out 429s itself before leaving the retry to Temporal. */
  maxPacingMs?: number;
}

/** Pending host keys live next to known_hosts, readable by root only, until the instance exists. */
const keyDir = (t: LinodeTarget) => path.join(path.dirname(t.knownHostsFile), 'host-keys');
const keyFile = (t: LinodeTarget, label: string) => path.join(keyDir(t), `${label}.key`);

function loadOrCreatePendingKey(t: LinodeTarget, label: string): Promise<HostKeyPair> | HostKeyPair {
  const file = keyFile(t, label);
  if (fs.existsSync(file) && fs.existsSync(`${file}.pub`)) {
    return {
      privateKeyOpenSSH: fs.readFileSync(file, 'utf8'),
      publicKey: fs.readFileSync(`${file}.pub`, 'utf8').trim(),
    };
  }
  return generateHostKey(`nsdeploy-${label}`).then((key) => {
    fs.mkdirSync(keyDir(t), { recursive: true, mode: 0o700 });
    fs.writeFileSync(`${file}.pub`, key.publicKey + '\n', { mode: 0o644 });
    fs.writeFileSync(file, key.privateKeyOpenSSH, { mode: 0o600 });
    return key;
  });
}

function pendingPublicKey(t: LinodeTarget, label: string): string | undefined {
  try {
    return fs.readFileSync(`${keyFile(t, label)}.pub`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** An instance's host key: its .pub file, or (saved as one) the key pinned for its address now. */
function hostKeyOf(t: LinodeTarget, i: InstanceInfo): string {
  if (i.hostPublicKey) return i.hostPublicKey;
  const pinned = pinnedKeyOf(t.knownHostsFile, i.publicIPv4);
  if (!pinned) {
    throw ApplicationFailure.nonRetryable(
      `no host key is known for ${i.label} (${i.publicIPv4}): neither ${keyFile(t, i.label)}.pub nor a pin in ` +
        `${t.knownHostsFile}; its address cannot be moved without losing the pin`,
      'HostKeyUnknown',
    );
  }
  fs.mkdirSync(keyDir(t), { recursive: true, mode: 0o700 });
  fs.writeFileSync(`${keyFile(t, i.label)}.pub`, `${pinned}\n`, { mode: 0o644 });
  return pinned;
}

function credentialsOf(env: NodeJS.ProcessEnv, t: LinodeTarget): LinodeCredentials {
  const token = env[t.tokenEnv];
  if (!token) {
    throw ApplicationFailure.nonRetryable(
      `the Linode API token is not set: export ${t.tokenEnv} in the worker's environment`,
      'ConfigError',
    );
  }
  return { apiUrl: t.apiUrl, token };
}

/** Runs one activity's Linode calls with the credentials of the fleet `t` names (read per activity). */
export async function inFleetOf<T>(env: NodeJS.ProcessEnv, t: LinodeTarget, calls: () => Promise<T>): Promise<T> {
  return withLinodeCredentials(credentialsOf(env, t), calls);
}

/** One Linode call; its failure becomes an activity failure naming `action` (retryable or not). */
export async function call<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw linodeFailure(err, action);
  }
}

export function createLinodeActivities(deps: LinodeDeps = {}) {
  const env = deps.env ?? process.env;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const pollMs = deps.pollMs ?? 2000;
  const pacers = deps.pacers ?? processPacers;
  const maxPacingMs = deps.maxPacingMs ?? 60_000;

  const inFleet = <T>(t: LinodeTarget, calls: () => Promise<T>) => inFleetOf(env, t, calls);

  /**
   * Sends a create in its turn (src/linode/pacer.ts: creates are paced to Linode's dedicated
   * limit across all activities of this worker). A 429 is waited out here, every create of the
   * account held back for its Retry-After, up to `maxPacingMs`; then it goes to Temporal's retry,
   * which waits at least Retry-After too (nextRetryDelay). A 429'd create made nothing: resending
   * it is safe.
   */
  async function pacedCreate<T>(t: LinodeTarget, action: string, send: () => Promise<T>): Promise<T> {
    const pacer = pacers.pacerFor(credentialsOf(env, t), 'POST /linode/instances');
    const deadline = Date.now() + maxPacingMs;
    for (;;) {
      const turn = await pacer.take((ms) => heartbeat({ pacing: action, waitMs: ms }));
      try {
        return await send();
      } catch (err) {
        const e = toLinodeError(err, action);
        if (e.status !== 429) throw linodeFailure(e, action);
        const retryAfterSeconds = e.retryAfterSeconds ?? 1;
        pacer.refused(turn, retryAfterSeconds, e.rateLimit);
        heartbeat({ pacing: action, rateLimited: true, retryAfterSeconds });
        if (Date.now() + retryAfterSeconds * 1000 > deadline) throw linodeFailure(e, action);
      }
    }
  }

  async function describe(t: LinodeTarget, linode: Linode): Promise<InstanceInfo> {
    const ips = await call(`read addresses of ${linode.label}`, () => getLinodeIPs(linode.id));
    return {
      id: linode.id,
      label: linode.label,
      status: linode.status,
      tags: linode.tags,
      publicIPv4: ips.ipv4.public[0]?.address ?? linode.ipv4[0],
      privateIPv4: ips.ipv4.private[0]?.address ?? null,
      region: linode.region,
      hostPublicKey: pendingPublicKey(t, linode.label),
    };
  }

  async function findByLabel(label: string): Promise<Linode | undefined> {
    const page = await call(`look up ${label}`, () => getLinodes({}, { label }));
    return page.data.find((l) => l.label === label);
  }

  /** Deletes the instance and unpins its keys; an instance already gone counts as deleted. */
  function deleteInstance(t: LinodeTarget, id: number): Promise<{ deleted: boolean }> {
    return inFleet(t, async () => {
      let info: InstanceInfo | undefined;
      try {
        info = await describe(t, await getLinode(id));
      } catch (err) {
        if (toLinodeError(err).status === 404) return { deleted: false };
        throw linodeFailure(err, `read instance ${id}`);
      }
      await call(`delete ${info.label}`, () => deleteLinode(id));
      unpinHosts(t.knownHostsFile, [info.publicIPv4, ...(info.privateIPv4 ? [info.privateIPv4] : [])]);
      fs.rmSync(keyFile(t, info.label), { force: true });
      fs.rmSync(`${keyFile(t, info.label)}.pub`, { force: true });
      return { deleted: true };
    });
  }

  return {
    /**
     * Creates the instance unless this deploy already did (found by label + deploy tag), so a
     * retry after a lost response never makes a second one. Pins the injected host key.
     */
    ensureInstance(t: LinodeTarget, spec: InstanceSpec): Promise<InstanceInfo> {
      return inFleet(t, async () => {
        const existing = await findByLabel(spec.label);
        if (existing) {
          if (!existing.tags.includes(spec.deployTag)) {
            throw ApplicationFailure.nonRetryable(
              `label ${spec.label} is already used by instance ${existing.id}, ` +
                `which this deploy (${spec.deployTag}) did not create; delete or rename it, then retry`,
              'LabelTaken',
            );
          }
          // Made by this deploy (its create's answer was lost): the private half is no longer needed.
          fs.rmSync(keyFile(t, spec.label), { force: true });
          return describe(t, existing);
        }
        const hostKey = await loadOrCreatePendingKey(t, spec.label);
        const authorizedKey = readPublicKey(t.privateKeyFile);
        const userData = cloudConfigFor({ hostname: spec.label, hostKey, authorizedKeys: [authorizedKey] });
        const created = await pacedCreate(t, `create ${spec.label}`, () =>
          createLinode({
            label: spec.label,
            region: spec.region,
            type: spec.type,
            image: spec.image,
            tags: [...new Set([...spec.tags, spec.deployTag])],
            private_ip: true,
            booted: true,
            // A random root password satisfies the API; nobody ever uses it (SSH keys only).
            root_pass: crypto.randomBytes(24).toString('base64url') + 'aA1!',
            authorized_keys: [authorizedKey],
            metadata: { user_data: Buffer.from(userData).toString('base64') },
            ...(spec.firewallId !== undefined ? { firewall_id: spec.firewallId } : {}),
          }),
        );
        const info = await describe(t, created);
        pinHostKey(
          t.knownHostsFile,
          [info.publicIPv4, ...(info.privateIPv4 ? [info.privateIPv4] : [])],
          hostKey.publicKey,
        );
        fs.rmSync(keyFile(t, spec.label), { force: true }); // the private half is only needed until creation
        return info;
      });
    },

    /** Polls (heartbeating) until the instance is running; fails if it ends up offline. */
    waitForRunning(t: LinodeTarget, id: number, timeoutMs = 10 * 60_000): Promise<InstanceInfo> {
      return inFleet(t, async () => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          let linode: Linode;
          try {
            linode = await getLinode(id);
          } catch (err) {
            // A rate limit, a 5xx or "Linode busy" while it boots: keep polling until the deadline
            // (honouring Retry-After) instead of spending one of the boot wait's few attempts.
            const failure = linodeFailure(err, `read instance ${id}`);
            if (failure.nonRetryable) throw failure;
            heartbeat({ status: 'unknown', transient: failure.message });
            if (Date.now() > deadline)
              throw ApplicationFailure.nonRetryable(
                `instance ${id}: no status from Linode before the ${timeoutMs / 1000}s boot deadline ` +
                  `(last: ${failure.message})`,
                'BootTimeout',
              );
            await sleep(Math.max(pollMs, (toLinodeError(err).retryAfterSeconds ?? 0) * 1000));
            continue;
          }
          heartbeat({ status: linode.status });
          if (linode.status === 'running') {
            const info = await describe(t, linode);
            // Pin again in case the create's response was lost and ensureInstance found it later.
            if (info.hostPublicKey)
              pinHostKey(
                t.knownHostsFile,
                [info.publicIPv4, ...(info.privateIPv4 ? [info.privateIPv4] : [])],
                info.hostPublicKey,
              );
            return info;
          }
          if (linode.status === 'offline')
            throw ApplicationFailure.nonRetryable(
              `${linode.label} (${id}) is offline: it failed to boot`,
              'BootFailed',
            );
          if (Date.now() > deadline)
            throw ApplicationFailure.nonRetryable(
              `${linode.label} (${id}) still ${linode.status} after ${timeoutMs / 1000}s`,
              'BootTimeout',
            );
          await sleep(pollMs);
        }
      });
    },

    renameInstance(t: LinodeTarget, id: number, label: string): Promise<InstanceInfo> {
      return inFleet(t, async () => {
        const current = await call(`read instance ${id}`, () => getLinode(id));
        if (current.label === label) return describe(t, current);
        const renamed = await call(`rename ${current.label} to ${label}`, () => updateLinode(id, { label }));
        const pub = `${keyFile(t, current.label)}.pub`;
        if (fs.existsSync(pub)) fs.renameSync(pub, `${keyFile(t, label)}.pub`);
        return describe(t, renamed);
      });
    },

    deleteInstance,

    /**
     * Compensation for a create: deletes the instance with this label if (and only if) this
     * deploy made it, whether or not the create's answer ever arrived.
     */
    deleteIfOwned(t: LinodeTarget, label: string, deployTag: string): Promise<{ deleted: boolean }> {
      return inFleet(t, async () => {
        const existing = await findByLabel(label);
        if (!existing || !existing.tags.includes(deployTag)) {
          fs.rmSync(keyFile(t, label), { force: true });
          fs.rmSync(`${keyFile(t, label)}.pub`, { force: true });
          return { deleted: false };
        }
        return deleteInstance(t, existing.id);
      });
    },

    /**
     * Gives each instance its address (one POST /networking/ips/assign: all or nothing), unless
     * they already hold them, then pins each address to the host key of the instance now
     * holding it: keys are per host, pins per address, so a moved address presents the other
     * host's key. The keys come from the per-label .pub files kept since creation (or, for an
     * instance without one, from the pin of its address before anything moved, saved first so
     * a retry after the move still knows it). Returns the instances as they are then.
     */
    assignPublicAddresses(t: LinodeTarget, a: AddressAssignment): Promise<InstanceInfo[]> {
      return inFleet(t, async () => {
        const before = await Promise.all(
          a.assignments.map(async (x) =>
            describe(t, await call(`read instance ${x.linodeId}`, () => getLinode(x.linodeId))),
          ),
        );
        const keys = before.map((i) => hostKeyOf(t, i));
        const pending = a.assignments.filter((x, n) => before[n].publicIPv4 !== x.address);
        if (pending.length > 0) {
          const what = a.assignments.map((x, n) => `${x.address} → ${before[n].label}`).join(', ');
          await call(`assign ${what} in ${a.region}`, () =>
            assignAddresses({
              region: a.region,
              assignments: a.assignments.map((x) => ({ address: x.address, linode_id: x.linodeId })),
            }),
          );
        }
        const after = await Promise.all(
          a.assignments.map(async (x) =>
            describe(t, await call(`read instance ${x.linodeId}`, () => getLinode(x.linodeId))),
          ),
        );
        after.forEach((i, n) =>
          pinHostKey(t.knownHostsFile, [i.publicIPv4, ...(i.privateIPv4 ? [i.privateIPv4] : [])], keys[n]),
        );
        return after;
      });
    },

    /** Refuses, naming it, a region Linode does not have: before anything is created there. */
    checkRegions(t: LinodeTarget, regions: string[]): Promise<string[]> {
      return inFleet(t, async () => {
        const known: string[] = [];
        for (let page = 1; ; page++) {
          const res = await call('list regions', () => getRegions({ page, page_size: 100 }));
          known.push(...res.data.map((r) => r.id));
          if (page >= res.pages) break;
        }
        const unknown = [...new Set(regions)].filter((r) => !known.includes(r));
        if (unknown.length > 0) {
          const which = unknown.map((r) => `"${r}"`).join(', ');
          const message = `${which}: not a Linode region (this account has ${known.join(', ')})`;
          throw ApplicationFailure.nonRetryable(message, 'UnknownRegion');
        }
        return known;
      });
    },

    /** Every instance carrying the tag (the fleet's tag), with its addresses. */
    listInstances(t: LinodeTarget, tag: string): Promise<InstanceInfo[]> {
      return inFleet(t, async () => {
        const out: InstanceInfo[] = [];
        for (let page = 1; ; page++) {
          const res = await call(`list instances tagged ${tag}`, () =>
            getLinodes({ page, page_size: 100 }, { tags: tag }),
          );
          for (const l of res.data) out.push(await describe(t, l));
          if (page >= res.pages) return out;
        }
      });
    },

    /** The instances with these labels, whatever their tags (an adoption finds a fleet this way). */
    findInstances(t: LinodeTarget, labels: string[]): Promise<{ found: InstanceInfo[]; missing: string[] }> {
      return inFleet(t, async () => {
        const found: InstanceInfo[] = [];
        const missing: string[] = [];
        for (const label of labels) {
          const linode = await findByLabel(label);
          if (linode) found.push(await describe(t, linode));
          else missing.push(label);
        }
        return { found, missing };
      });
    },

    /** Adds tags to an instance (keeping its others); idempotent. */
    addTags(t: LinodeTarget, id: number, tags: string[]): Promise<InstanceInfo> {
      return inFleet(t, async () => {
        const linode = await call(`read instance ${id}`, () => getLinode(id));
        const wanted = [...new Set([...linode.tags, ...tags])];
        if (wanted.length === linode.tags.length) return describe(t, linode);
        const updated = await call(`tag ${linode.label}`, () => updateLinode(id, { tags: wanted }));
        return describe(t, updated);
      });
    },
  };
}

export type LinodeActivities = ReturnType<typeof createLinodeActivities>;
