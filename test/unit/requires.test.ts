// test/helpers/requires.ts: a suite whose requirement (root, tools) does not hold runs never,
// but under CI it must fail rather than pass by skipping. The decision as a table, then jest
// itself, in a child process, on test/fixtures/requires/unmet.test.ts with CI set and unset.
import execa from 'execa';
import path from 'node:path';
import { cannotRunMessage, ciIsSet, decide, NEEDS_ROOT } from '../helpers/requires';

const ROOT = path.resolve(__dirname, '../..');
const JEST = path.join(ROOT, 'node_modules/jest/bin/jest.js');
const FIXTURE = 'test/fixtures/requires/unmet.test.ts';

describe('the decision', () => {
  test.each([
    [undefined, 'skip'],
    ['', 'skip'],
    ['  ', 'skip'],
    ['false', 'skip'],
    ['FALSE', 'skip'],
    ['0', 'skip'],
    ['true', 'fail'],
    ['1', 'fail'],
    ['yes', 'fail'],
    ['github-actions', 'fail'],
  ])('CI=%p, requirement not met: %s', (ci, expected) => {
    const env = ci === undefined ? {} : { CI: ci };
    expect(ciIsSet(env)).toBe(expected === 'fail');
    expect(decide(false, env)).toBe(expected);
    expect(decide(true, env)).toBe('run'); // met: runs, CI or not
  });

  test('the failure says what is missing', () => {
    expect(cannotRunMessage('lab hosts', NEEDS_ROOT, { CI: 'true' })).toMatch(
      new RegExp(
        '^needs root \\(network namespaces, mounts\\); this process runs as uid \\d+\\. ' +
          '"lab hosts" cannot run on this machine, and CI=true does not let it be skipped$',
      ),
    );
  });
});

interface JestJson {
  numTotalTests: number;
  numFailedTests: number;
  numPassedTests: number;
  numPendingTests: number;
  testResults: { assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

/** jest on the fixture in a child process, CI and the fixture's switch as given (not inherited). */
async function runFixture(env: { CI?: string; NSDEPLOY_FIXTURE_MET?: string }) {
  const inherited = { ...process.env };
  for (const k of ['CI', 'NSDEPLOY_FIXTURE_MET', 'JEST_WORKER_ID']) delete inherited[k];
  // The fixtures folder is ignored by the project's config; lift that for this one run.
  const args = [JEST, '--ci', '--json', '--testPathIgnorePatterns=/node_modules/', '--runTestsByPath', FIXTURE];
  const run = await execa('node', args, { cwd: ROOT, env: { ...inherited, ...env }, extendEnv: false, reject: false });
  const json = JSON.parse(run.stdout) as JestJson;
  const tests = json.testResults.flatMap((r) => r.assertionResults);
  return { json, tests, stderr: run.stderr, exitCode: run.exitCode };
}

describe('jest on a suite whose requirement does not hold', () => {
  test('under CI=true: one failing test per suite (and per test), named after it, saying what is missing', async () => {
    const { json, tests, exitCode } = await runFixture({ CI: 'true' });
    expect(exitCode).toBe(1);
    expect(json).toMatchObject({ numTotalTests: 2, numFailedTests: 2, numPassedTests: 0, numPendingTests: 0 });
    expect(tests.map((t) => [t.fullName, t.status])).toEqual([
      ['fixture suite', 'failed'],
      ['fixture test', 'failed'],
    ]);
    expect(tests[0].failureMessages.join('\n')).toContain(
      'needs the fixture requirement (forced off by NSDEPLOY_FIXTURE_MET). ' +
        '"fixture suite" cannot run on this machine, and CI=true does not let it be skipped',
    );
  });

  test('without CI (a developer machine): skipped with a warning, jest passes', async () => {
    const { json, tests, stderr, exitCode } = await runFixture({});
    expect(exitCode).toBe(0);
    expect(json).toMatchObject({ numTotalTests: 3, numFailedTests: 0, numPassedTests: 0, numPendingTests: 3 });
    expect(tests.map((t) => t.status)).toEqual(['pending', 'pending', 'pending']);
    expect(stderr).toContain('suite "fixture suite" skipped: needs the fixture requirement');
    expect(stderr).toContain('test "fixture test" skipped: needs the fixture requirement');
  });

  test('CI=false counts as no CI', async () => {
    const { json, exitCode } = await runFixture({ CI: 'false' });
    expect(exitCode).toBe(0);
    expect(json).toMatchObject({ numFailedTests: 0, numPendingTests: 3 });
  });

  test('requirement met, under CI: the suite and the test run', async () => {
    const { json, tests, exitCode } = await runFixture({ CI: 'true', NSDEPLOY_FIXTURE_MET: '1' });
    expect(exitCode).toBe(0);
    expect(json).toMatchObject({ numTotalTests: 3, numPassedTests: 3, numFailedTests: 0 });
    expect(tests.map((t) => t.fullName)).toEqual(['fixture suite first', 'fixture suite second', 'fixture test']);
  });
});
