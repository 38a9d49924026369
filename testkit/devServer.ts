// A private Temporal dev server on SQLite, run by the project's own temporal-dev/start and
// temporal-dev/stop (a state directory and free ports of its own), so a test or a benchmark can
// stop it and start it again and see what survives — as an operator restarting the server would.
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';
import { PROJECT_DIR } from './temporalTools';

export interface PersistentDevServer {
  address: string;
  /** The Web UI's port (on 127.0.0.1). */
  uiPort: number;
  stateDir: string;
  /** Runs temporal-dev/start; resolves with its output, throws (with the output) when it fails. */
  start(): Promise<string>;
  /** Runs temporal-dev/stop; resolves with its output, throws (with the output) when it fails. */
  stop(): Promise<string>;
  /** Stops it (if running) and removes its state. */
  dispose(): Promise<void>;
}

/** The state directory is a new one in the system's temporary directory, named from `stateDirPrefix`. */
export async function persistentDevServer(stateDirPrefix = 'nsdeploy-bench-temporal-'): Promise<PersistentDevServer> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), stateDirPrefix));
  const port = await freePort();
  const uiPort = await freePort();
  const env = {
    ...process.env,
    TEMPORAL_STATE_DIR: stateDir,
    TEMPORAL_PORT: String(port),
    TEMPORAL_UI_PORT: String(uiPort),
  };
  const script = async (name: 'start' | 'stop') => {
    const r = await execa('bash', [path.join(PROJECT_DIR, 'temporal-dev', name)], { env, all: true, reject: false });
    if (r.exitCode !== 0) throw new Error(`temporal-dev/${name} failed (exit ${r.exitCode}):\n${r.all}`);
    return r.all ?? '';
  };
  return {
    address: `127.0.0.1:${port}`,
    uiPort,
    stateDir,
    start: () => script('start'),
    stop: () => script('stop'),
    async dispose() {
      await script('stop').catch(() => undefined);
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
