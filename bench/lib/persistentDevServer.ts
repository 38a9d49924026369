// A private Temporal dev server on SQLite, run by the project's own temporal-dev/start and
// temporal-dev/stop (a state directory and free ports of its own), so a benchmark can stop it
// and start it again and see what survives — as an operator restarting the server would.
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../test/helpers/ports';
import { PROJECT_DIR } from '../../test/helpers/temporalTools';

export interface PersistentDevServer {
  address: string;
  stateDir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops it (if running) and removes its state. */
  dispose(): Promise<void>;
}

export async function persistentDevServer(): Promise<PersistentDevServer> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-bench-temporal-'));
  const port = await freePort();
  const env = { ...process.env, TEMPORAL_STATE_DIR: stateDir, TEMPORAL_PORT: String(port), TEMPORAL_UI_PORT: String(await freePort()) };
  const script = async (name: 'start' | 'stop') => {
    const r = await execa('bash', [path.join(PROJECT_DIR, 'temporal-dev', name)], { env, all: true, reject: false });
    if (r.exitCode !== 0) throw new Error(`temporal-dev/${name} failed (exit ${r.exitCode}):\n${r.all}`);
  };
  return {
    address: `127.0.0.1:${port}`,
    stateDir,
    start: () => script('start'),
    stop: () => script('stop'),
    async dispose() {
      await script('stop').catch(() => undefined);
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
