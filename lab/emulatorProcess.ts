// Starts and stops the lab's Linode API emulator as a background process (with the lab-host
// hooks), tracked by a pid file; only that PID is ever signalled.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LAB_EMULATOR_PORT, labPaths } from './labPaths';

const ROOT = path.resolve(__dirname, '..');

export function labToken(): string {
  if (!fs.existsSync(labPaths.token)) {
    fs.mkdirSync(labPaths.dir, { recursive: true });
    fs.writeFileSync(labPaths.token, `lab-${crypto.randomBytes(16).toString('hex')}\n`, { mode: 0o600 });
  }
  return fs.readFileSync(labPaths.token, 'utf8').trim();
}

export function emulatorPid(): number | undefined {
  try {
    const pid = Number(fs.readFileSync(labPaths.emulatorPid, 'utf8'));
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmd.includes('linode-emulator/cli') ? pid : undefined;
  } catch {
    return undefined;
  }
}

export const emulatorUrl = () => `http://127.0.0.1:${LAB_EMULATOR_PORT}`;

async function answers(): Promise<boolean> {
  try {
    return (await fetch(`${emulatorUrl()}/v4/regions`)).ok;
  } catch {
    return false;
  }
}

export async function startEmulator(
  opts: { bootingMs?: number; provisioningMs?: number } = {},
): Promise<{ pid: number; started: boolean }> {
  const running = emulatorPid();
  if (running && (await answers())) return { pid: running, started: false };
  if (await answers())
    throw new Error(`port ${LAB_EMULATOR_PORT} already answers but not from the lab's emulator; set LAB_EMULATOR_PORT`);
  fs.mkdirSync(labPaths.dir, { recursive: true });
  const log = fs.openSync(labPaths.emulatorLog, 'a');
  const child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      path.join(ROOT, 'lab/linode-emulator/cli.ts'),
      '--port',
      String(LAB_EMULATOR_PORT),
      '--state',
      labPaths.emulatorState,
      '--hooks',
      path.join(ROOT, 'lab/labHostHooks.ts'),
      '--provisioning-ms',
      String(opts.provisioningMs ?? 1000),
      '--booting-ms',
      String(opts.bootingMs ?? 500),
    ],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, LINODE_TOKEN: labToken(), LAB_DIR: labPaths.dir },
    },
  );
  child.unref();
  fs.writeFileSync(labPaths.emulatorPid, String(child.pid));
  const deadline = Date.now() + 30_000;
  while (!(await answers())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(
        `the Linode emulator did not start; see ${labPaths.emulatorLog}:\n${fs.readFileSync(labPaths.emulatorLog, 'utf8').split('\n').slice(-10).join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { pid: child.pid!, started: true };
}

export async function stopEmulator(): Promise<boolean> {
  const pid = emulatorPid();
  fs.rmSync(labPaths.emulatorPid, { force: true });
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && fs.existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
  if (fs.existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
  return true;
}

/** Deletes every instance through the emulator's admin API (its hooks destroy the hosts). */
export async function resetEmulator(): Promise<void> {
  const res = await fetch(`${emulatorUrl()}/__admin/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`emulator reset failed: HTTP ${res.status} ${await res.text()}`);
}
