// The `npm run lab:emulator` entry point, run as a real process (the command the npm script
// runs, without npm in between so the test can stop exactly the process it started).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { raw, waitFor } from './helpers';

const ROOT = resolve(__dirname, '../../..');
const TS_NODE = join(ROOT, 'node_modules/ts-node/dist/bin.js');
const CLI = 'lab/linode-emulator/cli.ts';

const children = new Set<ChildProcess>();
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nsdeploy-emulator-cli-'));
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function run(args: string[], env: Record<string, string | undefined> = {}): Running {
  const { LINODE_TOKEN: _ignored, ...inherited } = process.env;
  const child = spawn(process.execPath, [TS_NODE, '--transpile-only', CLI, ...args], {
    cwd: ROOT,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

it('is the npm script lab:emulator', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(pkg.scripts['lab:emulator']).toBe(`ts-node --transpile-only ${CLI}`);
});

it('refuses to start without a token, saying how to give one', async () => {
  const proc = run(['--port', '0']);
  expect(await proc.exited).toBe(2);
  expect(proc.stderr()).toContain('pass --token <t> or set LINODE_TOKEN');
});

it('serves /v4 on 127.0.0.1, prints its URL, keeps state in the file and stops on SIGTERM', async () => {
  const statePath = join(dir, 'state.json');
  const proc = run([
    '--port',
    '0',
    '--state',
    statePath,
    '--token',
    'cli-token',
    '--provisioning-ms',
    '10',
    '--booting-ms',
    '10',
  ]);
  const url = await waitFor(
    'the URL on stdout',
    () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(proc.stdout())?.[1],
    20_000,
  );

  expect((await raw(url, '/v4/linode/instances', { token: 'cli-token' })).status).toBe(200);
  expect((await raw(url, '/v4/linode/instances', { token: 'other' })).status).toBe(401);
  const created = await raw(url, '/v4/linode/instances', {
    method: 'POST',
    token: 'cli-token',
    body: {
      label: 'cli-1',
      region: 'us-west',
      type: 'g6-standard-1',
      image: 'linode/debian11',
      root_pass: 'Lab-Passw0rd!',
    },
  });
  expect(created.status).toBe(200);
  expect(existsSync(statePath)).toBe(true);
  expect(proc.stderr()).toMatch(/"msg":"listening"/); // pino logs on stderr

  proc.child.kill('SIGTERM');
  expect(await proc.exited).toBe(0);
  const state = JSON.parse(readFileSync(statePath, 'utf8')) as { instances: { label: string }[] };
  expect(state.instances.map((i) => i.label)).toEqual(['cli-1']);
});

it('takes the token from LINODE_TOKEN when --token is not given', async () => {
  const proc = run(['--port', '0', '--log-level', 'warn'], { LINODE_TOKEN: 'env-token' });
  const url = await waitFor(
    'the URL on stdout',
    () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(proc.stdout())?.[1],
    20_000,
  );
  expect((await raw(url, '/v4beta/linode/instances', { token: 'env-token' })).status).toBe(200);
  proc.child.kill('SIGTERM');
  expect(await proc.exited).toBe(0);
});
