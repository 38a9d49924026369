// The Ansible roles and playbooks pass ansible-lint's strictest (production) profile.
import execa from 'execa';
import path from 'node:path';
import { PROJECT_DIR } from '../../testkit/temporalTools';

test('ansible-lint passes on ansible/', async () => {
  const lint = await execa(path.join(PROJECT_DIR, '.tools/ansible-lint/bin/ansible-lint'), ['--nocolor', '--offline'], {
    cwd: path.join(PROJECT_DIR, 'ansible'),
    reject: false,
    all: true,
    env: { NO_COLOR: '1', PATH: `${path.join(PROJECT_DIR, '.tools/ansible-lint/bin')}:${process.env.PATH}` },
  });
  expect(lint.all).toMatch(/Passed: 0 failure\(s\), 0 warning\(s\)/);
  expect(lint.all).toMatch(/Profile 'production' was required, and it passed/);
  expect(lint.exitCode).toBe(0);
});
