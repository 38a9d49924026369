// The IP swap activity against the lab's API emulator (real HTTP through @linode/api-v4): two
// instances swap their public addresses in one assignment, each address is then pinned to the
// key of the host that holds it, a retry changes nothing, a swap back restores the pins, and a
// refused assignment (a shared address) fails at once with Linode's reason.
import { ApplicationFailure } from '@temporalio/common';
import fs from 'node:fs';
import path from 'node:path';
import { createLinodeActivities, type InstanceInfo, type LinodeTarget } from '../../src/activities/linode';
import { pinnedKeyOf } from '../../src/ssh/knownHosts';
import { raw, startLabWithWorkerKey, stopLabWithWorkerKey, TOKEN, type Lab } from '../lab/emulator/helpers';

let lab: Lab;
let dir: string;
let target: LinodeTarget;
const acts = createLinodeActivities({ env: { LAB_TOKEN: TOKEN }, pollMs: 20 });

beforeAll(async () => {
  ({ lab, dir, target } = await startLabWithWorkerKey('nsdeploy-ip-assign-'));
});
afterAll(() => stopLabWithWorkerKey({ lab, dir }));

async function create(label: string): Promise<InstanceInfo> {
  const spec = {
    label,
    region: 'us-east',
    type: 'g6-nanode-1',
    image: 'linode/debian12',
    tags: [],
    deployTag: 'deploy-t1',
  };
  const made = await acts.ensureInstance(target, spec);
  return acts.waitForRunning(target, made.id);
}
const keyOf = (i: InstanceInfo) => fs.readFileSync(path.join(dir, 'host-keys', `${i.label}.key.pub`), 'utf8');
const keyPart = (k: string) => k.trim().split(/\s+/).slice(0, 2).join(' ');

test('a swap moves both addresses at once and pins each to the key of the host now holding it', async () => {
  const lb = await create('lb1');
  const next = await create('lb1-next');
  expect(lb.region).toBe('us-east');
  const swap = {
    region: 'us-east',
    assignments: [
      { linodeId: next.id, address: lb.publicIPv4 },
      { linodeId: lb.id, address: next.publicIPv4 },
    ],
  };
  const [movedNext, movedLb] = await acts.assignPublicAddresses(target, swap);
  expect([movedNext.publicIPv4, movedLb.publicIPv4]).toEqual([lb.publicIPv4, next.publicIPv4]);
  expect(movedNext.privateIPv4).toBe(next.privateIPv4); // private addresses stay
  expect(pinnedKeyOf(target.knownHostsFile, lb.publicIPv4)).toBe(keyPart(keyOf(next)));
  expect(pinnedKeyOf(target.knownHostsFile, next.publicIPv4)).toBe(keyPart(keyOf(lb)));
  expect(pinnedKeyOf(target.knownHostsFile, next.privateIPv4!)).toBe(keyPart(keyOf(next)));

  // A retry (its answer lost) finds the addresses in place: no second assignment.
  const assigned = () => lab.hooks.of('onNetworkChanged').length;
  const before = assigned();
  await acts.assignPublicAddresses(target, swap);
  expect(assigned()).toBe(before);

  // Back: the pins follow.
  const back = {
    region: 'us-east',
    assignments: [
      { linodeId: lb.id, address: lb.publicIPv4 },
      { linodeId: next.id, address: next.publicIPv4 },
    ],
  };
  const [lbAgain] = await acts.assignPublicAddresses(target, back);
  expect(lbAgain.publicIPv4).toBe(lb.publicIPv4);
  expect(pinnedKeyOf(target.knownHostsFile, lb.publicIPv4)).toBe(keyPart(keyOf(lb)));
  expect(pinnedKeyOf(target.knownHostsFile, next.publicIPv4)).toBe(keyPart(keyOf(next)));
});

test('an assignment Linode refuses fails at once (not retried) with its reason; nothing moves', async () => {
  const lb = await create('lb2');
  const next = await create('lb2-next');
  const ns = await create('ns2');
  const share = await raw(lab.url, '/v4/networking/ips/share', {
    method: 'POST',
    body: { linode_id: ns.id, ips: [lb.publicIPv4] },
  });
  expect(share.status).toBe(200);
  const err = await acts
    .assignPublicAddresses(target, {
      region: 'us-east',
      assignments: [
        { linodeId: next.id, address: lb.publicIPv4 },
        { linodeId: lb.id, address: next.publicIPv4 },
      ],
    })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).nonRetryable).toBe(true);
  expect((err as ApplicationFailure).message).toContain(
    `${lb.publicIPv4} is shared: shared IP addresses cannot be swapped between Linodes`,
  );
  const [still] = await acts.assignPublicAddresses(target, {
    region: 'us-east',
    assignments: [
      { linodeId: lb.id, address: lb.publicIPv4 },
      { linodeId: next.id, address: next.publicIPv4 },
    ],
  });
  expect(still.publicIPv4).toBe(lb.publicIPv4);
});
