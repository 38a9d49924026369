// Adopting a fleet on the time-skipping server, activities faked at the boundary: nothing is
// pinned or tagged before the operator's fingerprints match (a wrong one is refused, naming the
// host); then keys pinned, instances tagged, the roles planned, applied on approval and verified;
// rejected: adopted without the roles; a host missing from the account is refused.
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { PlaybookRun } from '../../src/activities/ansible';
import type { PinRequest } from '../../src/activities/adopt';
import type { LinodeTarget } from '../../src/activities/linode';
import {
  approveUpdate,
  confirmHostKeysUpdate,
  fleetAdoptStatusQuery,
  rejectUpdate,
  type FleetAdoptInput,
  type FleetAdoptResult,
} from '../../src/shared';
import { fleetAdopt } from '../../src/workflows';
import { FakeFleet, LAB_FLEET } from '../../testkit/fakeFleet';
import { timeSkippingPerTest } from '../helpers/temporalEnv';

const t = timeSkippingPerTest();
let seq = 0;

function input(extra: Partial<FleetAdoptInput> = {}): FleetAdoptInput {
  return {
    ...LAB_FLEET,
    proxyVars: {},
    policies: {
      approval: { timeoutMs: 30 * 60_000, onTimeout: 'abort' },
      verify: { transports: ['udp', 'tcp'], concurrency: 16 },
    },
    ...extra,
  };
}

const fingerprintOf = (label: string) => `SHA256:${label}-key-fingerprint`;

async function adopt(given: FleetAdoptInput, during?: (h: WorkflowHandle<typeof fleetAdopt>) => Promise<void>) {
  const fleet = new FakeFleet();
  for (const i of fleet.instances.values()) i.tags = ['hand-made']; // not nsdeploy's yet
  const pinned: PinRequest[] = [];
  const tagged: string[] = [];
  const playbooks: PlaybookRun[] = [];
  const base = fleet.activities();
  const labelAt = (address: string) => [...fleet.instances.values()].find((i) => i.publicIPv4 === address)!.label;
  const activities = {
    ...base,
    findInstances: async (_t: LinodeTarget, labels: string[]) => ({
      found: labels.map((l) => fleet.byLabel(l)).filter((i) => i !== undefined),
      missing: labels.filter((l) => !fleet.byLabel(l)),
    }),
    scanHostKeys: async (i: { address: string }) => {
      const label = labelAt(i.address);
      return [{ type: 'ssh-ed25519', publicKey: `ssh-ed25519 AAAA${label}`, fingerprint: fingerprintOf(label) }];
    },
    pinHostKey: async (r: PinRequest) => {
      pinned.push(r);
    },
    addTags: async (_t: LinodeTarget, id: number, tags: string[]) => {
      const i = fleet.instances.get(id)!;
      i.tags = [...new Set([...i.tags, ...tags])];
      tagged.push(i.label);
      return i;
    },
    runPlaybook: async (r: PlaybookRun) => {
      playbooks.push(r);
      return { recap: {}, changed: 4, logFile: '/dev/null', diff: '--- before\n+++ after' };
    },
  };
  const taskQueue = `adopt-${++seq}`;
  const worker = await Worker.create({
    connection: t.env().nativeConnection,
    taskQueue,
    workflowBundle: t.bundle(),
    activities,
  });
  const outcome = await worker.runUntil(async () => {
    const handle = await t.env().client.workflow.start(fleetAdopt, {
      taskQueue,
      workflowId: `lab/adopt-${seq}`,
      args: [given],
    });
    await during?.(handle);
    return handle.result().catch((e: unknown) => e as WorkflowFailedError);
  });
  return { fleet, pinned, tagged, playbooks, outcome };
}

async function whenPhase(h: WorkflowHandle<typeof fleetAdopt>, phase: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const s = await h.query(fleetAdoptStatusQuery).catch(() => undefined);
    if (s?.phase === phase) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never reached phase ${phase}`);
}

const all = (wrong: Record<string, string> = {}) => ({
  fingerprints: { ...Object.fromEntries(['ns1', 'ns2', 'lb1', 'lb2'].map((l) => [l, fingerprintOf(l)])), ...wrong },
  by: 'alice',
});

test('nothing pinned before the fingerprints match; a wrong one is refused naming the host; then adopted', async () => {
  const r = await adopt(input(), async (h) => {
    await whenPhase(h, 'confirm-keys');
    const refused = await h
      .executeUpdate(confirmHostKeysUpdate, { args: [all({ ns2: 'SHA256:somethingElse' })] })
      .catch((e: unknown) => e as WorkflowUpdateFailedError);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refused as WorkflowUpdateFailedError).cause?.message).toMatch(
      /refused, nothing pinned: ns2: SHA256:somethingElse is not a key ns2 presents \(ssh-ed25519 SHA256:ns2-key/,
    );
    const s = await h.query(fleetAdoptStatusQuery);
    expect(s.hosts.map((x) => x.pinned)).toEqual([undefined, undefined, undefined, undefined]);
    await h.executeUpdate(confirmHostKeysUpdate, { args: [all()] });
    await whenPhase(h, 'approval');
    await h.executeUpdate(approveUpdate, { args: [{ by: 'alice' }] });
  });
  expect((r.outcome as FleetAdoptResult).outcome).toBe('adopted');
  expect(r.pinned.map((p) => p.publicKey)).toEqual(['ns1', 'ns2', 'lb1', 'lb2'].map((l) => `ssh-ed25519 AAAA${l}`));
  expect(r.tagged).toEqual(['ns1', 'ns2', 'lb1', 'lb2']);
  expect(r.fleet.byLabel('ns1')!.tags).toEqual(expect.arrayContaining(['hand-made', 'nsdeploy-fleet-lab']));
  expect(r.playbooks.map((p) => `${p.playbook}${p.check ? ' --check' : ''}`)).toEqual(['site.yml --check', 'site.yml']);
  expect(r.fleet.calls.filter((c) => c.startsWith('compare'))).toHaveLength(4);
});

test('a missing fingerprint is refused too; the roles rejected: adopted without them', async () => {
  const r = await adopt(input(), async (h) => {
    await whenPhase(h, 'confirm-keys');
    const { fingerprints } = all();
    delete (fingerprints as Record<string, string>).lb2;
    const refused = await h
      .executeUpdate(confirmHostKeysUpdate, { args: [{ fingerprints }] })
      .catch((e: unknown) => e as WorkflowUpdateFailedError);
    expect((refused as WorkflowUpdateFailedError).cause?.message).toMatch(/lb2: no fingerprint given/);
    await h.executeUpdate(confirmHostKeysUpdate, { args: [all()] });
    await whenPhase(h, 'approval');
    await h.executeUpdate(rejectUpdate, { args: [{ by: 'bob', reason: 'next week' }] });
  });
  expect((r.outcome as FleetAdoptResult).outcome).toBe('kept-roles');
  expect(r.playbooks.map((p) => !!p.check)).toEqual([true]);
  expect(r.pinned).toHaveLength(4);
});

test('no fingerprints in time: nothing pinned, nothing tagged', async () => {
  const r = await adopt(input());
  expect(r.outcome).toBeInstanceOf(WorkflowFailedError);
  expect(String((r.outcome as WorkflowFailedError).cause?.message)).toMatch(
    /no fingerprints within 30m: nothing pinned/,
  );
  expect(r.pinned).toEqual([]);
  expect(r.tagged).toEqual([]);
});

test('a host missing from the account is refused, and a dry run changes nothing', async () => {
  const missing = await adopt(input({ nameservers: [...LAB_FLEET.nameservers, { label: 'ns9', region: 'us-east' }] }));
  expect(String((missing.outcome as WorkflowFailedError).cause?.message)).toMatch(/no instance labelled ns9/);
  const dry = await adopt(input({ dryRun: true }));
  expect((dry.outcome as FleetAdoptResult).outcome).toBe('planned');
  expect((dry.outcome as FleetAdoptResult).plan.join('\n')).toMatch(
    /ns1 \(nameserver, .*\): add tags nsdeploy-fleet-lab/,
  );
  expect(dry.pinned).toEqual([]);
});
