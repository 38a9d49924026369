// The worker finds the playbooks from its source (ts-node) and from a build in dist/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ANSIBLE_DIR, findAnsibleDir } from '../../src/activities/ansible';

const ROOT = path.resolve(__dirname, '..', '..');

test('from src/activities and from dist/src/activities: the repository ansible/', () => {
  expect(ANSIBLE_DIR).toBe(path.join(ROOT, 'ansible'));
  expect(findAnsibleDir(path.join(ROOT, 'src', 'activities'))).toBe(path.join(ROOT, 'ansible'));
  expect(findAnsibleDir(path.join(ROOT, 'dist', 'src', 'activities'))).toBe(path.join(ROOT, 'ansible'));
});

test('no ansible/ansible.cfg anywhere above: a clear error', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-noansible-'));
  try {
    fs.mkdirSync(path.join(dir, 'ansible')); // a directory without ansible.cfg is not it
    expect(() => findAnsibleDir(path.join(dir, 'a', 'b'))).toThrow(
      /no ansible\/ansible\.cfg in .*nsdeploy-noansible-.*\/a\/b or any directory above it/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
