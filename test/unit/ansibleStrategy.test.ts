// Which Ansible strategy the activity runs playbooks with: Mitogen when scripts/setup installed
// it (or NSDEPLOY_MITOGEN names it), Ansible's linear strategy when told so or when there is none.
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ansibleStrategy, MITOGEN_VERSION } from '../../src/activities/ansibleStrategy';

const ROOT = path.resolve(__dirname, '..', '..');
const PLUGIN = ['ansible_mitogen', 'plugins', 'strategy', 'mitogen_linear.py'];

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-strategy-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const fakeMitogen = (site: string) => {
  fs.mkdirSync(path.join(site, ...PLUGIN.slice(0, -1)), { recursive: true });
  fs.writeFileSync(path.join(site, ...PLUGIN), '');
};

test('the repository: scripts/setup installed the pinned Mitogen, and the activity uses it', () => {
  const s = ansibleStrategy(ROOT, undefined);
  expect(s.name).toBe('mitogen_linear');
  expect(s.env.ANSIBLE_STRATEGY).toBe('mitogen_linear');
  const site = s.env.PYTHONPATH.split(path.delimiter)[0];
  expect(fs.existsSync(path.join(site, `mitogen-${MITOGEN_VERSION}.dist-info`))).toBe(true);
});

test("Debian's ansible-playbook loads that strategy and runs a play with it", async () => {
  const s = ansibleStrategy(ROOT, undefined);
  const play = path.join(dir, 'play.yml');
  fs.writeFileSync(play, '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - ansible.builtin.ping:\n');
  const env = { ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false' };
  const run = await execa('ansible-playbook', ['-c', 'local', '-i', 'localhost,', play], {
    reject: false,
    env: { ...env, ...s.env },
  });
  expect(run.stdout).toMatch(/localhost\s+: ok=1 /);
  expect(run.exitCode).toBe(0);
  // The same play with a strategy Ansible cannot find fails: the one above was really loaded.
  const missing = await execa('ansible-playbook', ['-c', 'local', '-i', 'localhost,', play], {
    reject: false,
    env: { ...env, ...s.env, ANSIBLE_STRATEGY_PLUGINS: dir },
  });
  expect(missing.exitCode).not.toBe(0);
  expect(`${missing.stdout}${missing.stderr}`).toMatch(/mitogen_linear/);
});

test('NSDEPLOY_MITOGEN=off: Ansible’s own linear strategy, nothing added to the environment', () => {
  fakeMitogen(path.join(dir, '.tools', 'mitogen', 'lib', 'python3.11', 'site-packages'));
  expect(ansibleStrategy(dir, 'off')).toMatchObject({ name: 'linear', env: {} });
});

test('no Mitogen in .tools/mitogen and none named: linear, saying why', () => {
  const s = ansibleStrategy(dir, undefined);
  expect(s).toMatchObject({ name: 'linear', env: {} });
  expect(s.source).toMatch(/no Mitogen/);
});

test('a venv under .tools/mitogen: its site-packages', () => {
  const site = path.join(dir, '.tools', 'mitogen', 'lib', 'python3.12', 'site-packages');
  fakeMitogen(site);
  const s = ansibleStrategy(dir, undefined);
  expect(s.name).toBe('mitogen_linear');
  expect(s.env.ANSIBLE_STRATEGY_PLUGINS).toBe(path.join(site, 'ansible_mitogen', 'plugins', 'strategy'));
  expect(s.env.PYTHONPATH.split(path.delimiter)[0]).toBe(site);
});

test('NSDEPLOY_MITOGEN=<dir>: that directory, and a clear error when it holds no ansible_mitogen', () => {
  expect(() => ansibleStrategy(dir, dir)).toThrow(/NSDEPLOY_MITOGEN=.*no ansible_mitogen.*plugins.*"off"/);
  fakeMitogen(dir);
  expect(ansibleStrategy(ROOT, dir)).toMatchObject({ name: 'mitogen_linear', source: `NSDEPLOY_MITOGEN=${dir}` });
});
