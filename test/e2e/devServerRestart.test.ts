// temporal-dev/start and stop with a real dev server: the Web UI answers, the search
// attributes are registered, and a running workflow with its timer survives a restart.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import execa from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { changeWaitUpdate, waitStatusQuery } from '../../src/shared';
import { durableWait } from '../../src/workflows';
import { persistentDevServer, type PersistentDevServer } from '../../testkit/devServer';
import { bundleWorkflows } from '../../testkit/temporalEnv';
import { devServerFlags, temporalCliPath } from '../../testkit/temporalTools';

const DAY = 24 * 3600_000;
let server: PersistentDevServer;
let address: string;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  server = await persistentDevServer('nsdeploy-devserver-');
  address = server.address;
  bundle = await bundleWorkflows();
});

afterAll(async () => {
  await server?.dispose();
});

async function withClient<T>(fn: (client: Client, conn: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await fn(new Client({ connection }), connection);
  } finally {
    await connection.close();
  }
}

async function runWorkerWhile<T>(fn: () => Promise<T>): Promise<T> {
  const connection = await NativeConnection.connect({ address });
  try {
    const worker = await Worker.create({ connection, taskQueue: 'restart-test', workflowBundle: bundle });
    return await worker.runUntil(fn);
  } finally {
    await connection.close();
  }
}

test('start is healthy and idempotent, with the Web UI and search attributes', async () => {
  const first = await server.start();
  expect(first).toMatch(/healthy/);
  const second = await server.start();
  expect(second).toMatch(/already running \(pid \d+\)/);

  const ui = await fetch(`http://127.0.0.1:${server.uiPort}/`);
  expect(ui.status).toBe(200);

  const list = await execa(temporalCliPath(), ['operator', 'search-attribute', 'list', '--address', address]);
  expect(list.stdout).toMatch(/DeployPhase\s+Keyword/);
  expect(list.stdout).toMatch(/Fleet\s+Keyword/);
});

test("start passes the project's dev-server flags: each on the server's command line, SQLite in WAL mode", async () => {
  await server.start();
  const pid = fs.readFileSync(path.join(server.stateDir, 'server.pid'), 'utf8').trim();
  const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const flags = devServerFlags();
  expect(flags.map(([flag]) => flag)).toEqual(expect.arrayContaining(['--dynamic-config-value', '--sqlite-pragma']));
  for (const [flag, value] of flags) expect(args[args.indexOf(value) - 1]).toBe(flag);
  expect(fs.existsSync(path.join(server.stateDir, 'temporal.db-wal'))).toBe(true);
});

test('a waiting workflow and its timer survive a server restart', async () => {
  const id = `restart-${Date.now()}`;
  const before = await runWorkerWhile(() =>
    withClient(async (client) => {
      const handle = await client.workflow.start(durableWait, {
        taskQueue: 'restart-test',
        workflowId: id,
        args: [{ fleet: 'lab', label: 'survive a restart', durationMs: 2 * DAY }],
      });
      for (let i = 0; i < 50; i++) {
        const status = await handle.query(waitStatusQuery).catch(() => undefined);
        if (status) return status;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error('the workflow never answered the status query');
    }),
  );

  const stopped = await server.stop();
  expect(stopped).toMatch(/stopped/);
  await server.start();

  await runWorkerWhile(() =>
    withClient(async (client) => {
      const handle = client.workflow.getHandle(id);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      const after = await handle.query(waitStatusQuery);
      expect(after?.end).toBe(before?.end);
      expect(after?.startedAt).toBe(before?.startedAt);
      // End it now (forced) and see the workflow finish with the change recorded.
      await handle.executeUpdate(changeWaitUpdate, {
        args: [{ until: new Date(Date.now() + 1000).toISOString(), force: true, reason: 'test' }],
      });
      const result = (await handle.result()) as Awaited<ReturnType<typeof durableWait>>;
      expect(result.done).toBe(true);
      expect(result.changes).toHaveLength(1);
      expect(result.changes[0]).toMatchObject({ forced: true, reason: 'test', from: before?.end });
    }),
  );
});
