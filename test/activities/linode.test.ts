// Linode activities against the lab's API emulator (real HTTP through @linode/api-v4):
// idempotent create, lost responses, refused labels, host keys pinned and unpinned.
import { ApplicationFailure } from '@temporalio/common';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { createLinodeActivities, type InstanceSpec, type LinodeTarget } from '../../src/activities/linode';
import { raw, startLabWithWorkerKey, stopLabWithWorkerKey, TOKEN, type Lab } from '../lab/emulator/helpers';

let lab: Lab;
let dir: string;
let target: LinodeTarget;
const acts = createLinodeActivities({ env: { LAB_TOKEN: TOKEN }, pollMs: 20 });
const spec = (label: string): InstanceSpec => ({
  label,
  region: 'us-east',
  type: 'g6-nanode-1',
  image: 'linode/debian12',
  tags: ['nsdeploy'],
  deployTag: 'deploy-t1',
});

beforeAll(async () => {
  ({ lab, dir, target } = await startLabWithWorkerKey('nsdeploy-linode-acts-'));
});
afterAll(() => stopLabWithWorkerKey({ lab, dir }));

async function instancesLabelled(label: string): Promise<number> {
  const state = (await raw(lab.url, '/__admin/state')).body as { instances: { label: string }[] };
  return state.instances.filter((i) => i.label === label).length;
}

test('creates once, injects the host key by cloud-init, pins it, and finds the same instance again', async () => {
  const first = await acts.ensureInstance(target, spec('ns1-next'));
  const again = await acts.ensureInstance(target, spec('ns1-next'));
  expect(again.id).toBe(first.id);
  expect(await instancesLabelled('ns1-next')).toBe(1);

  const running = await acts.waitForRunning(target, first.id);
  expect(running.status).toBe('running');
  expect(running.privateIPv4).toMatch(/^198\.19\./);

  // The lab host hook got the same key that is pinned, and root's authorized key.
  const userData = lab.hooks.of('onRunning').find((c) => c.instance.id === first.id)?.userData ?? '';
  expect(userData.startsWith('#cloud-config\n')).toBe(true);
  const cloud = parse(userData) as {
    ssh_keys: { ed25519_public: string; ed25519_private: string };
    users: { ssh_authorized_keys: string[] }[];
  };
  expect(cloud.ssh_keys.ed25519_private).toMatch(/BEGIN OPENSSH PRIVATE KEY/);
  const known = fs.readFileSync(target.knownHostsFile, 'utf8');
  const pinnedKey = cloud.ssh_keys.ed25519_public.split(' ').slice(0, 2).join(' ');
  expect(known).toContain(`${first.publicIPv4},${first.privateIPv4} ${pinnedKey}`);
  expect(cloud.users[0].ssh_authorized_keys[0]).toBe(fs.readFileSync(`${target.privateKeyFile}.pub`, 'utf8').trim());
  // The private half of the host key is not kept once the instance exists.
  expect(fs.existsSync(path.join(dir, 'host-keys', 'ns1-next.key'))).toBe(false);
});

test('a create whose response is lost is retried without a second instance', async () => {
  await raw(lab.url, '/__admin/faults', {
    method: 'POST',
    body: { method: 'POST', path: '/linode/instances', loseResponse: 'destroy', times: 1 },
  });
  const failure = await acts.ensureInstance(target, spec('ns2-next')).catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect((failure as ApplicationFailure).nonRetryable).toBe(false);
  const retried = await acts.ensureInstance(target, spec('ns2-next'));
  expect(await instancesLabelled('ns2-next')).toBe(1);
  // The private half of the host key is not kept once the retry finds the instance either.
  expect(fs.existsSync(path.join(dir, 'host-keys', 'ns2-next.key'))).toBe(false);
  // The retry returns the key the instance was really created with, and pins it once running.
  await acts.waitForRunning(target, retried.id);
  const cloud = parse(lab.hooks.of('onRunning').find((c) => c.instance.id === retried.id)!.userData!) as {
    ssh_keys: { ed25519_public: string };
  };
  expect(retried.hostPublicKey).toBe(cloud.ssh_keys.ed25519_public.trim());
  expect(fs.readFileSync(target.knownHostsFile, 'utf8')).toContain(
    `${retried.publicIPv4},${retried.privateIPv4} ${cloud.ssh_keys.ed25519_public.split(' ').slice(0, 2).join(' ')}`,
  );
});

test('a label owned by someone else, a bad label or a missing token is refused, not retried', async () => {
  await expect(acts.ensureInstance(target, { ...spec('ns1-next'), deployTag: 'deploy-other' })).rejects.toMatchObject({
    nonRetryable: true,
    message: expect.stringMatching(
      /label ns1-next is already used by instance \d+, which this deploy \(deploy-other\) did not create/,
    ),
  });
  await expect(acts.ensureInstance(target, spec('9bad'))).rejects.toMatchObject({
    nonRetryable: true,
    message: expect.stringMatching(/label/),
  });
  await expect(acts.ensureInstance({ ...target, tokenEnv: 'NOT_SET_ANYWHERE' }, spec('x-next'))).rejects.toThrow(
    /export NOT_SET_ANYWHERE/,
  );
});

test('busy and rate-limited answers are retryable, with Retry-After honoured', async () => {
  await raw(lab.url, '/__admin/faults', {
    method: 'POST',
    body: { method: 'GET', path: '/linode/instances', status: 429, times: 1 },
  });
  const failure = (await acts.listInstances(target, 'nsdeploy').catch((e: unknown) => e)) as ApplicationFailure;
  expect(failure.nonRetryable).toBe(false);
  expect(failure.nextRetryDelay).toBeDefined();
  expect((await acts.listInstances(target, 'nsdeploy')).map((i) => i.label).sort()).toEqual(['ns1-next', 'ns2-next']);
});

test('rename moves the pinned key with the label; delete unpins and is idempotent', async () => {
  const [ns1] = (await acts.listInstances(target, 'nsdeploy')).filter((i) => i.label === 'ns1-next');
  const renamed = await acts.renameInstance(target, ns1.id, 'ns1');
  expect(renamed.label).toBe('ns1');
  expect(renamed.hostPublicKey).toBe(ns1.hostPublicKey);
  expect(await acts.deleteInstance(target, ns1.id)).toEqual({ deleted: true });
  expect(await acts.deleteInstance(target, ns1.id)).toEqual({ deleted: false });
  expect(fs.readFileSync(target.knownHostsFile, 'utf8')).not.toContain(ns1.publicIPv4 + ',');
});

test('waiting for the boot rides out rate limits, 5xx and "Linode busy" until its deadline; a refusal still ends it at once', async () => {
  const created = await acts.ensureInstance(target, spec('ns3-next'));
  const fault = (body: Record<string, unknown>) =>
    raw(lab.url, '/__admin/faults', { method: 'POST', body: { method: 'GET', path: '/linode/instances/*', ...body } });
  await fault({ status: 429, times: 2, headers: { 'Retry-After': '1' } });
  await fault({ status: 500, times: 2 });
  await fault({ status: 400, times: 1 }); // "Linode busy."
  const started = Date.now();
  const running = await acts.waitForRunning(target, created.id);
  expect(running).toMatchObject({ id: created.id, status: 'running' });
  expect(Date.now() - started).toBeGreaterThanOrEqual(2_000); // both Retry-After: 1 s honoured
  const left = (await raw(lab.url, '/__admin/faults')).body as { rules: unknown[] };
  expect(left.rules).toEqual([]); // all 5 faults were met and ridden out

  // Unknown instance: a 404 is a refusal, not something to wait out.
  await expect(acts.waitForRunning(target, 987654)).rejects.toMatchObject({
    nonRetryable: true,
    type: 'LinodeRefused',
  });

  // Errors that never stop: the wait ends at its deadline, saying why.
  await fault({ status: 500 });
  try {
    await expect(acts.waitForRunning(target, created.id, 300)).rejects.toMatchObject({
      nonRetryable: true,
      type: 'BootTimeout',
      message: expect.stringMatching(
        new RegExp(
          `instance ${created.id}: no status from Linode before the 0.3s boot deadline \\(last: read instance ${created.id}: .*500`,
        ),
      ),
    });
  } finally {
    await raw(lab.url, '/__admin/faults', { method: 'DELETE' });
  }
  expect(await acts.deleteInstance(target, created.id)).toEqual({ deleted: true });
});
