// Shared test plumbing: start an emulator on 127.0.0.1 with short latencies (the one
// labApi.ts's calls go to), record lifecycle hook calls, and make raw HTTP requests.
import execa from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { InstanceLifecycleHooks, LabInstance } from '../../../lab/linode-emulator/hooks';
import {
  createLinodeEmulator,
  type LinodeEmulator,
  type LinodeEmulatorOptions,
} from '../../../lab/linode-emulator/server';
import type { LinodeTarget } from '../../../src/activities/linode';
import type { LinodeCredentials } from '../../../src/linode';

export const TOKEN = 'lab-test-token';
export const ROOT_PASS = 'Lab-Passw0rd!';
/** The emulator's general limit without Linode's create limit: for tests that make more than 20 creates in 15 s. */
export const WITHOUT_CREATE_LIMIT = { limit: 10_000, windowMs: 60_000 };
export const FAST_LATENCIES = { provisioningMs: 60, bootingMs: 60, rebootingMs: 60, shuttingDownMs: 60 };

export interface HookCall {
  hook: 'onRunning' | 'onStopped' | 'onDeleted' | 'onNetworkChanged';
  instance: LabInstance;
  userData?: string | null;
}

export interface RecordingHooks extends InstanceLifecycleHooks {
  calls: HookCall[];
  /** Make onRunning take this long (the lab host "starting"). */
  runningDelayMs: number;
  /** Make the next onRunning calls reject. */
  failRunning: boolean;
  of(hook: HookCall['hook']): HookCall[];
}

export function recordingHooks(): RecordingHooks {
  const hooks: RecordingHooks = {
    calls: [],
    runningDelayMs: 0,
    failRunning: false,
    of: (hook) => hooks.calls.filter((c) => c.hook === hook),
    async onRunning(instance, userData) {
      hooks.calls.push({ hook: 'onRunning', instance, userData });
      if (hooks.runningDelayMs > 0) await sleep(hooks.runningDelayMs);
      if (hooks.failRunning) throw new Error('lab host failed to start');
    },
    async onStopped(instance) {
      hooks.calls.push({ hook: 'onStopped', instance });
    },
    async onDeleted(instance) {
      hooks.calls.push({ hook: 'onDeleted', instance });
    },
    async onNetworkChanged(instances) {
      for (const instance of instances) hooks.calls.push({ hook: 'onNetworkChanged', instance });
    },
  };
  return hooks;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface Lab {
  emulator: LinodeEmulator;
  url: string;
  hooks: RecordingHooks;
  /** A temp dir removed by stop(). */
  dir: string;
  stop(): Promise<void>;
}

/** The emulator startLab() started last: where labApi.ts's calls go. */
let currentLab: LinodeCredentials | undefined;

export function currentLabCredentials(): LinodeCredentials {
  if (!currentLab) throw new Error('no emulator started: call startLab() first');
  return currentLab;
}

/**
 * Start an emulator on an ephemeral 127.0.0.1 port; labApi.ts's calls go to it from now on.
 * Latencies not given default to FAST_LATENCIES.
 */
export async function startLab(options: Partial<LinodeEmulatorOptions> = {}, dir?: string): Promise<Lab> {
  const ownDir = dir === undefined;
  const workDir = dir ?? mkdtempSync(join(tmpdir(), 'nsdeploy-emulator-'));
  const hooks = recordingHooks();
  const emulator = createLinodeEmulator({
    token: TOKEN,
    hooks,
    ...options,
    latencies: { ...FAST_LATENCIES, ...options.latencies },
  });
  const url = await emulator.listen(0);
  currentLab = { apiUrl: url, token: options.token ?? TOKEN };
  return {
    emulator,
    url,
    hooks,
    dir: workDir,
    async stop() {
      await emulator.close();
      if (ownDir) rmSync(workDir, { recursive: true, force: true });
    },
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** A plain HTTP request, bypassing @linode/api-v4 (and its client-side validation). */
export async function raw(
  url: string,
  path: string,
  init: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...init.headers };
  const token = init.token === undefined ? TOKEN : init.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(url + path, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  };
}

/** Assert `value` matches `schema`, with a readable diff when it does not. */
export function expectSchema<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new Error(
      `response does not match schema:\n${z.prettifyError(result.error)}\n${JSON.stringify(value, null, 2)}`,
    );
  return result.data;
}

/** What an @linode/api-v4 promise rejected with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

export const instanceBody = (label: string, extra: Record<string, unknown> = {}) => ({
  label,
  region: 'us-east',
  type: 'g6-nanode-1',
  image: 'linode/debian12',
  root_pass: ROOT_PASS,
  ...extra,
});

/** An emulator plus what the Linode activities need of a worker: a key pair and a known_hosts file. */
export interface LabWithWorkerKey {
  lab: Lab;
  dir: string;
  target: LinodeTarget;
}

/** Starts an emulator and makes a fresh worker key in a temporary directory named from `prefix`. */
export async function startLabWithWorkerKey(prefix: string): Promise<LabWithWorkerKey> {
  const lab = await startLab();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'worker', '-f', join(dir, 'id_ed25519')]);
  const target: LinodeTarget = {
    apiUrl: lab.url,
    tokenEnv: 'LAB_TOKEN',
    knownHostsFile: join(dir, 'known_hosts'),
    privateKeyFile: join(dir, 'id_ed25519'),
  };
  return { lab, dir, target };
}

/** Stops the emulator and removes the key directory (either may be missing after a failed start). */
export async function stopLabWithWorkerKey(s: Partial<LabWithWorkerKey>): Promise<void> {
  await s.lab?.stop();
  if (s.dir) rmSync(s.dir, { recursive: true, force: true });
}
