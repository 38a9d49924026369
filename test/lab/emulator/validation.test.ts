// Validation errors in Linode's {errors:[{field, reason}]} shape: label rules, uniqueness,
// unknown catalogue IDs, root_pass and user_data. Raw requests reach the server's own checks;
// @linode/api-v4 requests show what production code sees (client-side yup errors included).
import { ErrorEnvelopeSchema } from '../../../lab/linode-emulator/schemas';
import { isStrongPassword, labelProblem } from '../../../lab/linode-emulator/validation';
import { toLinodeError } from '../../../src/linode';
import {
  expectSchema,
  instanceBody,
  type Lab,
  raw,
  rejectionOf,
  ROOT_PASS,
  startLab,
  WITHOUT_CREATE_LIMIT,
} from './helpers';
import { createLinode, updateLinode } from './labApi';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ rateLimit: WITHOUT_CREATE_LIMIT }); // many creates, refused or not: all counted
});

afterAll(async () => {
  await lab.stop();
});

async function createErrors(body: unknown): Promise<{ field?: string; reason: string }[]> {
  const response = await raw(lab.url, '/v4/linode/instances', { method: 'POST', body });
  expect(response.status).toBe(400);
  return expectSchema(ErrorEnvelopeSchema, response.body).errors;
}

describe('label rules (spec: 3-64 chars, starts with a letter, [A-Za-z0-9-_.], no --, __ or ..)', () => {
  it.each([
    ['ab', 'Length must be 3-64 characters'],
    ['a'.repeat(65), 'Length must be 3-64 characters'],
    ['1ns', 'Label must begin with a letter'],
    ['-ns', 'Label must begin with a letter'],
    ['ns 1', 'Label must only use ASCII letters, numbers, dashes (-), underscores (_) and periods (.)'],
    ['ns/1', 'Label must only use ASCII letters, numbers, dashes (-), underscores (_) and periods (.)'],
    ['ns--1', 'Label must not contain two dashes, underscores or periods in a row'],
    ['ns__1', 'Label must not contain two dashes, underscores or periods in a row'],
    ['ns..1', 'Label must not contain two dashes, underscores or periods in a row'],
    ['ns1-', 'Label must end with a letter or number'],
  ])('refuses %j', async (label, reason) => {
    expect(await createErrors(instanceBody(label))).toEqual([{ field: 'label', reason }]);
  });

  it.each(['ns1', 'ns1-next', 'lb_2.example', 'A'.repeat(64), 'abc'])('accepts %j', (label) => {
    expect(labelProblem(label)).toBeUndefined();
  });

  it('requires labels to be unique among your linodes, on create and on rename', async () => {
    const first = await createLinode(instanceBody('unique-1'));
    const second = await createLinode(instanceBody('unique-2'));
    const err = toLinodeError(await rejectionOf(createLinode(instanceBody('unique-1'))), 'create unique-1');
    expect(err.status).toBe(400);
    expect(err.errors).toEqual([{ field: 'label', reason: 'Label must be unique among your linodes' }]);
    expect(err.message).toBe(
      'create unique-1: Linode API answered 400: label: Label must be unique among your linodes',
    );

    const rename = toLinodeError(await rejectionOf(updateLinode(second.id, { label: 'UNIQUE-1' })));
    expect(rename.errors).toEqual([{ field: 'label', reason: 'Label must be unique among your linodes' }]);
    // Renaming to its own label is fine.
    expect((await updateLinode(first.id, { label: 'unique-1' })).label).toBe('unique-1');

    const badRename = await raw(lab.url, `/v4/linode/instances/${first.id}`, { method: 'PUT', body: { label: 'x' } });
    expect(badRename.status).toBe(400);
    expect(expectSchema(ErrorEnvelopeSchema, badRename.body).errors).toEqual([
      { field: 'label', reason: 'Length must be 3-64 characters' },
    ]);
  });
});

describe('region, type and image', () => {
  it('reports every unknown or missing field at once', async () => {
    expect(
      await createErrors({
        label: 'cat-1',
        region: 'mars-1',
        type: 'g9-huge',
        image: 'linode/plan9',
        root_pass: ROOT_PASS,
      }),
    ).toEqual([
      { field: 'region', reason: 'region is not valid' },
      { field: 'type', reason: 'type is not valid' },
      { field: 'image', reason: 'image is not valid' },
    ]);
    expect(await createErrors({ label: 'cat-2' })).toEqual([
      { field: 'region', reason: 'region is required' },
      { field: 'type', reason: 'type is required' },
    ]);
  });

  it('refuses request fields the lab cannot honour instead of ignoring them', async () => {
    expect(await createErrors(instanceBody('cat-3', { placement_group: { id: 7 } }))).toEqual([
      { field: 'placement_group', reason: 'placement_group is not supported by the lab emulator' },
    ]);
    // firewall_id is emulated (test/lab/emulator/firewalls.test.ts): an unknown one is refused.
    expect(await createErrors(instanceBody('cat-3', { firewall_id: 7 }))).toEqual([
      { field: 'firewall_id', reason: 'Firewall not found' },
    ]);
  });
});

describe('root_pass', () => {
  it('is demanded by @linode/api-v4 itself when an image is given (client-side validation)', async () => {
    const { root_pass: _omitted, ...noPassword } = instanceBody('pass-client');
    const rejection = await rejectionOf(createLinode(noPassword));
    expect(Array.isArray(rejection)).toBe(true);
    const err = toLinodeError(rejection, 'create pass-client');
    expect(err.status).toBeUndefined();
    expect(err.message).toBe(
      'create pass-client: rejected by the Linode client before sending: root_pass: You must provide a root password when deploying from an image.',
    );
  });

  it('is required by the server with an image unless SSH keys are given', async () => {
    const { root_pass: _omitted, ...noPassword } = instanceBody('pass-server');
    expect(await createErrors(noPassword)).toEqual([
      { reason: 'Must provide valid root_pass, authorized_keys, or authorized_users' },
    ]);
    const withKey = await raw(lab.url, '/v4/linode/instances', {
      method: 'POST',
      body: { ...noPassword, authorized_keys: ['ssh-ed25519 AAAAC3Nza lab'] },
    });
    expect(withKey.status).toBe(200);
    const noImage = await raw(lab.url, '/v4/linode/instances', {
      method: 'POST',
      body: { label: 'pass-empty', region: 'us-west', type: 'g6-nanode-1' },
    });
    expect(noImage.status).toBe(200);
  });

  it('must be 7-128 characters and strong enough', async () => {
    expect(await createErrors(instanceBody('pass-short', { root_pass: 'Ab1!' }))).toEqual([
      { field: 'root_pass', reason: 'Length must be 7-128 characters' },
    ]);
    expect(await createErrors(instanceBody('pass-long', { root_pass: 'Ab1!'.repeat(33) }))).toEqual([
      { field: 'root_pass', reason: 'Length must be 7-128 characters' },
    ]);
    expect(await createErrors(instanceBody('pass-weak', { root_pass: 'password' }))).toEqual([
      { field: 'root_pass', reason: 'Password does not meet strength requirement' },
    ]);
    expect(isStrongPassword('correct-horse-battery')).toBe(true);
    expect(isStrongPassword('Lab-Passw0rd!')).toBe(true);
  });
});

describe('metadata.user_data', () => {
  it('must be base64 of at most 65535 bytes', async () => {
    expect(await createErrors(instanceBody('ud-1', { metadata: { user_data: 'not base64!' } }))).toEqual([
      { field: 'metadata.user_data', reason: 'user_data must be valid base64' },
    ]);
    const big = Buffer.alloc(65536, 'a').toString('base64');
    expect(await createErrors(instanceBody('ud-2', { metadata: { user_data: big } }))).toEqual([
      { field: 'metadata.user_data', reason: 'user_data must not exceed 65535 bytes once decoded' },
    ]);
  });

  it('is stored and reported as has_user_data', async () => {
    const created = await createLinode(
      instanceBody('ud-3', { metadata: { user_data: Buffer.from('#cloud-config\n').toString('base64') } }),
    );
    expect(created.has_user_data).toBe(true);
    const state = await raw(lab.url, '/__admin/state');
    const stored = (state.body as { instances: { id: number; userData: string | null }[] }).instances.find(
      (i) => i.id === created.id,
    );
    expect(stored?.userData).toBe(Buffer.from('#cloud-config\n').toString('base64'));
  });
});

describe('field types', () => {
  it('answers "Must be …" for wrongly typed fields and for a body that is not an object', async () => {
    expect(await createErrors(instanceBody('types-1', { private_ip: 'yes', tags: 'a' }))).toEqual([
      { field: 'private_ip', reason: 'Must be a boolean' },
      { field: 'tags', reason: 'Must be an array of strings' },
    ]);
    expect(await createErrors([1, 2])).toEqual([{ reason: 'Must be an object' }]);
  });
});
