// startWithRetries: a server that misses the SDK's 5 s start window is started again, at most
// SERVER_START_ATTEMPTS times in all; any other start failure is thrown at once.
import vm from 'node:vm';
import { SERVER_START_ATTEMPTS, startWithRetries } from '../../testkit/temporalEnv';

const slow = (): Error => new Error('ephemeral server at 127.0.0.1:1 did not start within 5s.');

let stderr: jest.SpyInstance;
beforeEach(() => {
  stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => stderr.mockRestore());

test('a start that misses the window twice is tried a third time and its server returned', async () => {
  let calls = 0;
  const server = await startWithRetries('test server', async () => {
    calls++;
    if (calls < 3) throw slow();
    return 'server';
  });
  expect(server).toBe('server');
  expect(calls).toBe(3);
  expect(stderr.mock.calls.map(([line]) => String(line))).toEqual([
    'test server did not answer within 5 s (attempt 1); starting it again\n',
    'test server did not answer within 5 s (attempt 2); starting it again\n',
  ]);
});

test('every attempt missed: the last failure is thrown', async () => {
  let calls = 0;
  const started = startWithRetries('dev server', async () => {
    calls++;
    throw slow();
  });
  await expect(started).rejects.toThrow(/did not start within/);
  expect(calls).toBe(SERVER_START_ATTEMPTS);
  expect(SERVER_START_ATTEMPTS).toBeGreaterThanOrEqual(3);
});

test('any other failure is thrown at once, not retried', async () => {
  let calls = 0;
  const started = startWithRetries('dev server', async () => {
    calls++;
    throw new Error('ENOENT: no such file temporal');
  });
  await expect(started).rejects.toThrow('ENOENT');
  expect(calls).toBe(1);
});

test('an error made outside the test realm (as the SDK native one is) is recognised too', async () => {
  let calls = 0;
  const foreign = () => vm.runInNewContext('new Error("ephemeral server at 127.0.0.1:1 did not start within 5s.")');
  expect(foreign()).not.toBeInstanceOf(Error);
  const server = await startWithRetries('dev server', async () => {
    calls++;
    if (calls < 2) throw foreign();
    return 'server';
  });
  expect(server).toBe('server');
  expect(calls).toBe(2);
});
