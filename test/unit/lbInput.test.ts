// The LB replacement's input from the config and the CLI flags: --strategy is passed as given,
// a value other than glue or ipSwap is refused naming both, and the IP swap's quiet window
// comes from policies.ipSwap.quiet.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lbReplacementInput, type LbReplacementOptions } from '../../src/cli/lbInput';
import { parseFleetConfig } from '../../src/config';

let cfg: ReturnType<typeof parseFleetConfig>;
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-lbinput-'));
  fs.writeFileSync(path.join(dir, 'zone.db'), '; empty is enough for loading\n');
  const text = [
    'fleet: demo',
    'domain: example.com',
    'zoneFile: zone.db',
    'linode: { region: us-east, type: g6-nanode-1, image: linode/debian12 }',
    'ssh: { privateKeyFile: key, knownHostsFile: known_hosts }',
    'parents: [{ address: 192.0.2.53 }]',
  ].join('\n');
  cfg = parseFleetConfig(text, path.join(dir, 'fleet.yaml'), 'fleet.yaml');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('--strategy glue or ipSwap is passed on; without it the plan chooses', () => {
  expect(lbReplacementInput(cfg, { strategy: 'ipSwap' }).strategy).toBe('ipSwap');
  expect(lbReplacementInput(cfg, { strategy: 'glue' }).strategy).toBe('glue');
  expect('strategy' in lbReplacementInput(cfg)).toBe(false);
  expect(lbReplacementInput(cfg).policies.swapQuietMs).toBe(10_000);
});

test('any other --strategy is refused, naming the two there are', () => {
  const bad = { strategy: 'dns' } as unknown as LbReplacementOptions;
  expect(() => lbReplacementInput(cfg, bad)).toThrow('--strategy dns: expected one of glue, ipSwap');
});
