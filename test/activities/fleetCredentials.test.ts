// One worker, two fleets on two Linode accounts (two emulators, two tokens): the fleets'
// activities run at the same time, their requests interleaving, and every request goes to its
// own fleet's API with its own fleet's token. Neither token reaches the other emulator or the
// workflow histories. (A process-wide client, configured by whichever activity ran last, sends
// one fleet's requests to the other's API.)
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { tokenSha256 } from '../../lab/linode-emulator/receivedTokens';
import { createActivities } from '../../src/activities';
import type { LinodeTarget } from '../../src/activities/linode';
import { bundleWorkflows, createLocalEnv } from '../../testkit/temporalEnv';
import { readableHistory } from '../helpers/histories';
import { raw, startLab, type Lab } from '../lab/emulator/helpers';
import { fleetRound, type FleetRoundResult } from './fleetCredentialsWorkflows';

const TASK_QUEUE = 'fleet-credentials';
const INSTANCES_PER_FLEET = 4;

interface Fleet {
  prefix: string;
  token: string;
  tokenEnv: string;
  lab: Lab;
  target: LinodeTarget;
}

let env: TestWorkflowEnvironment;
let dir: string;
const fleets: Fleet[] = [];

beforeAll(async () => {
  env = await createLocalEnv();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-fleet-creds-'));
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'worker', '-f', path.join(dir, 'id_ed25519')]);
  for (const prefix of ['alpha', 'beta']) {
    const token = `${prefix}-token-${Math.random().toString(36).slice(2)}`;
    const lab = await startLab({ token, latencies: { provisioningMs: 80, bootingMs: 80 } });
    // Every request waits a little (different per fleet), so the fleets' awaits interleave.
    const latencyMs = prefix === 'alpha' ? 15 : 25;
    expect((await raw(lab.url, '/__admin/faults', { method: 'POST', body: { latencyMs, rate: 1 } })).status).toBe(201);
    const fleetDir = path.join(dir, prefix);
    fs.mkdirSync(fleetDir);
    const tokenEnv = `${prefix.toUpperCase()}_LINODE_TOKEN`;
    const target: LinodeTarget = {
      apiUrl: `${lab.url}/v4`,
      tokenEnv,
      knownHostsFile: path.join(fleetDir, 'known_hosts'),
      privateKeyFile: path.join(dir, 'id_ed25519'),
    };
    fleets.push({ prefix, token, tokenEnv, lab, target });
  }
});

afterAll(async () => {
  for (const fleet of fleets) await fleet.lab.stop();
  await env?.teardown();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("two fleets' activities at once on one worker: each request with its own fleet's token, to its own API", async () => {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: TASK_QUEUE,
    workflowBundle: await bundleWorkflows(path.join(__dirname, 'fleetCredentialsWorkflows.ts')),
    activities: createActivities({
      logger: pino({ level: 'silent' }),
      linode: { env: Object.fromEntries(fleets.map((f) => [f.tokenEnv, f.token])), pollMs: 20 },
    }),
  });
  const workflowIds = fleets.map((f) => `fleet-credentials-${f.prefix}`);
  const results: FleetRoundResult[] = await worker.runUntil(() =>
    Promise.all(
      fleets.map((f, n) =>
        env.client.workflow.execute(fleetRound, {
          taskQueue: TASK_QUEUE,
          workflowId: workflowIds[n],
          args: [{ target: f.target, prefix: f.prefix, instances: INSTANCES_PER_FLEET }],
        }),
      ),
    ),
  );

  for (const [n, fleet] of fleets.entries()) {
    const labels = Array.from({ length: INSTANCES_PER_FLEET }, (_, i) => `${fleet.prefix}-ns${i + 1}`);
    expect(results[n].created.map((c) => c.label).sort()).toEqual(labels);
    expect(results[n].listed).toEqual(labels);
    expect(results[n].deleted).toEqual(labels.map(() => true));

    // The emulator saw this fleet's token only, on every one of its requests...
    const received = (await raw(fleet.lab.url, '/__admin/received-secrets')).body as {
      bearerTokens: { sha256: string; requests: number }[];
    };
    expect(received.bearerTokens.map((t) => t.sha256)).toEqual([tokenSha256(fleet.token)]);
    expect(received.bearerTokens[0].requests).toBeGreaterThan(INSTANCES_PER_FLEET * 4);

    // ...and got this fleet's creates only (the hostnames in their cloud-init), all deleted again.
    const state = (await raw(fleet.lab.url, '/__admin/state')).body as { instances: unknown[] };
    expect(state.instances).toEqual([]);
    const userData = ((await raw(fleet.lab.url, '/__admin/received-secrets')).body as { userData: string[] }).userData;
    expect(userData.map((u) => /hostname: (\S+)/.exec(u)?.[1]).sort()).toEqual(labels);
  }

  // Neither token is in either history (the inputs name only the environment variables).
  for (const [n, id] of workflowIds.entries()) {
    const history = readableHistory(historyToJSON(await env.client.workflow.getHandle(id).fetchHistory()));
    expect(history).toContain(fleets[n].tokenEnv); // the scan reads the payloads
    for (const fleet of fleets) expect(history).not.toContain(fleet.token);
  }
});
