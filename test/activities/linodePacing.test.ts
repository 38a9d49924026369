// Creates paced to the API's dedicated rate limit (src/linode/pacer.ts), against the emulator
// over real HTTP: many concurrent ensureInstance activities of one worker stay under the limit,
// and a 429 is honoured by every create of the account (none comes back before Retry-After).
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TooManyRequestsReport } from '../../lab/linode-emulator/throttleLog';
import { createLinodeActivities, type InstanceSpec, type LinodeTarget } from '../../src/activities/linode';
import { PacerRegistry, type WindowLimit } from '../../src/linode';
import { raw, startLab, TOKEN, type Lab } from '../lab/emulator/helpers';

jest.setTimeout(60_000);

let dir: string;
let lab: Lab | undefined;
const spec = (label: string): InstanceSpec => ({
  label,
  region: 'us-east',
  type: 'g6-nanode-1',
  image: 'linode/debian12',
  tags: ['nsdeploy'],
  deployTag: 'deploy-pacing',
});

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-pacing-'));
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'worker', '-f', path.join(dir, 'id_ed25519')]);
});
afterEach(async () => {
  await lab?.stop();
  lab = undefined;
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An emulator whose create limit is `serverLimit`, and activities whose pacer assumes `clientLimit`. */
async function setUp(serverLimit: WindowLimit, clientLimit: WindowLimit) {
  lab = await startLab({
    rateLimit: { limit: 10_000, windowMs: 60_000, routes: { 'POST /linode/instances': serverLimit } },
  });
  const target: LinodeTarget = {
    apiUrl: lab.url,
    tokenEnv: 'LAB_TOKEN',
    knownHostsFile: path.join(dir, `known_hosts-${Date.now()}`),
    privateKeyFile: path.join(dir, 'id_ed25519'),
  };
  const pacers = new PacerRegistry({ 'POST /linode/instances': clientLimit });
  const acts = createLinodeActivities({ env: { LAB_TOKEN: TOKEN }, pollMs: 20, pacers });
  return { target, acts };
}

/**
 * The emulator's 429s. `graceMs`: the emulator runs in this process, so a request sent before the
 * client could read a 429 may reach the emulator's handler that much later on a busy event loop.
 */
const throttling = async (graceMs = 1000) =>
  (await raw(lab!.url, `/__admin/throttling?graceMs=${graceMs}`)).body as {
    tooManyRequests: TooManyRequestsReport[];
    unhonoured: number;
  };

it('paces concurrent creates to the limit: no 429 at all', async () => {
  const limit = { limit: 3, windowMs: 2000 };
  const { target, acts } = await setUp(limit, limit);
  const t0 = Date.now();
  const made = await Promise.all(
    Array.from({ length: 7 }, (_, i) => acts.ensureInstance(target, spec(`paced-${i + 1}`))),
  );
  const seconds = (Date.now() - t0) / 1000;
  expect(new Set(made.map((m) => m.label)).size).toBe(7);
  expect(await throttling()).toEqual({ tooManyRequests: [], unhonoured: 0 });
  // 3 + 3 + 1: the third turn comes two windows after the first.
  expect(seconds).toBeGreaterThanOrEqual(4);
});

it('honours Retry-After for every create of the account, and learns a lower limit from the 429', async () => {
  // The client believes in 20 per window; the API allows 2.
  const { target, acts } = await setUp({ limit: 2, windowMs: 3000 }, { limit: 20, windowMs: 3000 });
  const made = await Promise.all(
    Array.from({ length: 6 }, (_, i) => acts.ensureInstance(target, spec(`learn-${i + 1}`))),
  );
  expect(made).toHaveLength(6);
  const report = await throttling();
  // Only the first burst (6 turns at once, 2 accepted) met the limit: after it, nothing was refused.
  expect(report.tooManyRequests.length).toBeGreaterThanOrEqual(1);
  expect(report.tooManyRequests.length).toBeLessThanOrEqual(4);
  const firstAt = report.tooManyRequests[0].at;
  for (const e of report.tooManyRequests) {
    expect(e).toMatchObject({ route: 'POST /linode/instances', source: 'limit', honoured: true });
    expect(e.at - firstAt).toBeLessThan(1000);
    expect(e.waitedMs).toBeGreaterThanOrEqual(e.retryAfterSeconds * 1000);
  }
  expect(report.unhonoured).toBe(0);
});

it('waits out an injected 429 with its Retry-After inside the activity', async () => {
  const { target, acts } = await setUp({ limit: 20, windowMs: 15_000 }, { limit: 20, windowMs: 15_000 });
  const rule = await raw(lab!.url, '/__admin/faults', {
    method: 'POST',
    body: { method: 'POST', path: '/linode/instances', status: 429, headers: { 'Retry-After': '2' }, times: 1 },
  });
  expect(rule.status).toBe(201);
  const t0 = Date.now();
  const made = await acts.ensureInstance(target, spec('faulted-1'));
  expect(made.label).toBe('faulted-1');
  expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
  const report = await throttling();
  expect(report.tooManyRequests).toHaveLength(1);
  expect(report.tooManyRequests[0]).toMatchObject({ source: 'fault', retryAfterSeconds: 2, honoured: true });
  expect(report.tooManyRequests[0].waitedMs).toBeGreaterThanOrEqual(2000);
});
