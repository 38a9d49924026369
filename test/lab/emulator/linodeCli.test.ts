// Linode's own CLI (linode-cli, installed by scripts/setup into .tools/linode-cli) against the
// emulator: Cloud Firewalls and IP assignment as the CLI, built from Linode's OpenAPI spec, sends
// and reads them. Requests go to the emulator on 127.0.0.1 only (LINODE_CLI_API_HOST).
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testIf } from '../../helpers/requires';
import { instanceBody, type Lab, raw, startLab, TOKEN } from './helpers';

const CLI = path.resolve(__dirname, '../../../.tools/linode-cli/bin/linode-cli');
const cliTest = testIf(fs.existsSync(CLI), `linode-cli is not installed at ${CLI} (scripts/setup installs it)`);

let lab: Lab;
let home: string;
beforeEach(async () => {
  lab = await startLab();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-linode-cli-'));
});
afterEach(async () => {
  await lab.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

/** Runs linode-cli with JSON output; its own config stays in a temp HOME. */
async function cli(args: string[]): Promise<{ exitCode: number; json: unknown; stderr: string }> {
  const result = await execa(CLI, [...args, '--json', '--suppress-warnings', '--no-defaults'], {
    reject: false,
    timeout: 30_000,
    env: {
      HOME: home,
      PATH: process.env.PATH,
      LINODE_CLI_TOKEN: TOKEN,
      LINODE_CLI_API_HOST: new URL(lab.url).host,
      LINODE_CLI_API_SCHEME: 'http',
      LINODE_CLI_API_VERSION: 'v4',
      LINODE_CLI_SUPPRESS_VERSION_WARNING: '1',
    },
    extendEnv: false,
  });
  let json: unknown;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    json = result.stdout;
  }
  return { exitCode: result.exitCode, json, stderr: result.stderr };
}

const RULE = '[{"protocol":"UDP","ports":"53","addresses":{"ipv4":["0.0.0.0/0"]},"action":"ACCEPT","label":"dns"}]';

cliTest('firewalls: create, list, view, rules, devices and delete through linode-cli', async () => {
  const linode = (await raw(lab.url, '/v4/linode/instances', { method: 'POST', body: instanceBody('ns1') })).body as {
    id: number;
  };
  const created = await cli([
    'firewalls',
    'create',
    '--label',
    'cli-firewall',
    '--rules.inbound_policy',
    'DROP',
    '--rules.outbound_policy',
    'ACCEPT',
    '--rules.inbound',
    RULE,
  ]);
  expect(created.exitCode).toBe(0);
  const [fw] = created.json as { id: number; label: string; status: string }[];
  expect(fw).toMatchObject({ label: 'cli-firewall', status: 'enabled' });

  const list = await cli(['firewalls', 'list']);
  expect((list.json as { id: number }[]).map((f) => f.id)).toEqual([fw.id]);
  const rules = await cli(['firewalls', 'rules-list', String(fw.id)]);
  expect(rules.json).toMatchObject([{ inbound_policy: 'DROP', inbound: [{ ports: '53', protocol: 'UDP' }] }]);

  const device = await cli([
    'firewalls',
    'device-create',
    String(fw.id),
    '--id',
    String(linode.id),
    '--type',
    'linode',
  ]);
  expect(device.exitCode).toBe(0);
  expect(device.json).toMatchObject([{ entity: { id: linode.id, type: 'linode', label: 'ns1' } }]);
  const devices = await cli(['firewalls', 'devices-list', String(fw.id)]);
  expect((devices.json as unknown[]).length).toBe(1);
  expect(lab.hooks.of('onNetworkChanged').map((c) => c.instance.firewall?.inbound_policy)).toEqual(['DROP']);

  const updated = await cli([
    'firewalls',
    'rules-update',
    String(fw.id),
    '--inbound_policy',
    'ACCEPT',
    '--outbound_policy',
    'ACCEPT',
  ]);
  expect(updated.exitCode).toBe(0);
  expect(updated.json).toMatchObject([{ inbound_policy: 'ACCEPT', version: 2 }]);

  const refused = await cli([
    'firewalls',
    'create',
    '--label',
    'x',
    '--rules.inbound_policy',
    'DROP',
    '--rules.outbound_policy',
    'ACCEPT',
  ]);
  expect(refused.exitCode).not.toBe(0);
  expect(refused.stderr).toContain('Length must be 3-32 characters');

  expect((await cli(['firewalls', 'delete', String(fw.id)])).exitCode).toBe(0);
  expect((await cli(['firewalls', 'list'])).json).toEqual([]);
});

cliTest('networking: ip-assign swaps two addresses, ips-list and linodes ips-list show it', async () => {
  const create = async (label: string) =>
    (await raw(lab.url, '/v4/linode/instances', { method: 'POST', body: instanceBody(label) })).body as {
      id: number;
      ipv4: string[];
    };
  const a = await create('lb1');
  const b = await create('lb2');
  const swap = await cli([
    'networking',
    'ip-assign',
    '--region',
    'us-east',
    '--assignments.address',
    a.ipv4[0],
    '--assignments.linode_id',
    String(b.id),
    '--assignments.address',
    b.ipv4[0],
    '--assignments.linode_id',
    String(a.id),
  ]);
  expect(swap.exitCode).toBe(0);
  const ips = await cli(['networking', 'ips-list']);
  const byAddress = Object.fromEntries(
    (ips.json as { address: string; linode_id: number; type: string }[])
      .filter((ip) => ip.type === 'ipv4')
      .map((ip) => [ip.address, ip.linode_id]),
  );
  expect(byAddress).toEqual({ [a.ipv4[0]]: b.id, [b.ipv4[0]]: a.id });
  const ofA = await cli(['linodes', 'ips-list', String(a.id)]);
  expect(JSON.stringify(ofA.json)).toContain(b.ipv4[0]);

  const alone = await cli([
    'networking',
    'ip-assign',
    '--region',
    'us-east',
    '--assignments.address',
    a.ipv4[0],
    '--assignments.linode_id',
    String(a.id),
    '--assignments.address',
    b.ipv4[0],
    '--assignments.linode_id',
    String(a.id),
  ]);
  expect(alone.exitCode).not.toBe(0);
  expect(alone.stderr).toContain(`Linode ${b.id} must have at least one public IPv4 address`);
});
