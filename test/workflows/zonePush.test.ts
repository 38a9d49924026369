// The zone push on the time-skipping server, activities faked at the boundary: the in-memory
// fleet plus nameservers that remember the serial each serves. Canary first, then the next server,
// then the LBs; nothing to push; thresholds (refused, forced); the approval after the canary
// (approved, rejected, timed out either way); a failing second server rolls every server back to
// its previous zone with a serial above the pushed one.
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { PushZoneInput, RestoreZoneInput } from '../../src/activities/zonePush';
import {
  approveUpdate,
  DEPLOY_PHASE,
  rejectUpdate,
  zonePushStatusQuery,
  type ZonePlan,
  type ZonePushInput,
  type ZonePushResult,
} from '../../src/shared';
import { zonePush } from '../../src/workflows';
import { FakeFleet, LAB_FLEET } from '../../testkit/fakeFleet';
import { timeSkippingPerTest } from '../helpers/temporalEnv';

const t = timeSkippingPerTest();
let seq = 0;
const MIN = 60_000;

// A date serial far ahead of the test server's clock (real time, skipped forward by the timers):
// the next serial above it is always LIVE + 1, never today's YYYYMMDD00, whatever the day the
// tests run on (a rollback after a 30 min approval timeout could otherwise cross midnight).
const LIVE = 2099010100;

function input(extra: Partial<ZonePushInput> = {}, policies: Partial<ZonePushInput['policies']> = {}): ZonePushInput {
  return {
    ...LAB_FLEET,
    policies: {
      thresholds: { maxUpdatePercent: 30, maxDeletePercent: 30, minRecords: 10 },
      approval: { afterCanary: false, timeoutMs: 30 * MIN, onTimeout: 'abort' },
      verify: { transports: ['udp', 'tcp'], concurrency: 16 },
      ...policies,
    },
    ...extra,
  };
}

/** example.test served at LIVE by both servers; the file adds one RRset and changes one of 20. */
function plan(extra: Partial<ZonePlan> = {}): ZonePlan {
  return {
    domain: 'example.test',
    file: '/zones/example.test.zone',
    records: 23,
    rrsets: 21,
    fileSerial: LIVE,
    liveSerial: LIVE,
    live: [`ns1 ${LIVE}`, `ns2 ${LIVE}`],
    changes: [
      { kind: 'added', name: 'new.example.test.', type: 'A', after: { ttl: 300, data: ['192.0.2.7'] } },
      {
        kind: 'changed',
        name: 'mail.example.test.',
        type: 'A',
        before: { ttl: 300, data: ['192.0.2.1'] },
        after: { ttl: 300, data: ['192.0.2.2'] },
      },
    ],
    changesOmitted: 0,
    counts: { added: 1, removed: 0, changed: 1 },
    liveRrsets: 20,
    servers: [
      { label: 'ns1', serial: LIVE },
      { label: 'ns2', serial: LIVE },
    ],
    serial: LIVE + 1,
    serialNote: 'content changed',
    ...extra,
  };
}

interface Options {
  plan?: ZonePlan;
  /** pushZone on this server fails as a reload that named did not take. */
  pushFailsOn?: string;
  during?: (h: WorkflowHandle<typeof zonePush>) => Promise<void>;
}

async function push(given: ZonePushInput = input(), opts: Options = {}) {
  const fleet = new FakeFleet();
  const serving = new Map<string, number>([
    ['ns1', LIVE],
    ['ns2', LIVE],
  ]);
  const labelAt = (address: string) => [...fleet.instances.values()].find((i) => i.publicIPv4 === address)!.label;
  const zonePlan = opts.plan ?? plan();
  const base = fleet.activities();
  const activities = {
    ...base,
    planZone: async () => {
      fleet.calls.push('planZone');
      return zonePlan;
    },
    setZoneSerial: async (i: { serial: number }) => {
      fleet.calls.push(`setZoneSerial ${i.serial}`);
      return { changed: true, serialBefore: zonePlan.fileSerial, serialAfter: i.serial };
    },
    restoreZoneFile: async () => {
      fleet.calls.push('restoreZoneFile');
      return { restored: true };
    },
    discardZoneBackup: async () => {
      fleet.calls.push('discardZoneBackup');
      return { removed: true };
    },
    pushZone: async (i: PushZoneInput) => {
      const label = labelAt(i.target.address);
      fleet.calls.push(`pushZone ${label} ${i.serial}`);
      if (opts.pushFailsOn === label)
        throw ApplicationFailure.nonRetryable(`named did not load example.test serial ${i.serial}`, 'ReloadFailed');
      serving.set(label, i.serial);
      return { serial: i.serial };
    },
    restoreZone: async (i: RestoreZoneInput) => {
      const label = labelAt(i.target.address);
      fleet.calls.push(`restoreZone ${label} ${i.serial}`);
      serving.set(label, i.serial);
      const ok = await base.compareZoneOnServer!({ server: { address: i.dnsAddress }, zones: [] });
      return ok;
    },
    discardZoneBackups: async (i: { target: { address: string } }) => {
      fleet.calls.push(`discardZoneBackups ${labelAt(i.target.address)}`);
    },
  };
  const taskQueue = `zone-push-${++seq}`;
  const worker = await Worker.create({
    connection: t.env().nativeConnection,
    taskQueue,
    workflowBundle: t.bundle(),
    activities,
  });
  const workflowId = `lab/zone-push-${seq}`;
  const outcome = await worker.runUntil(async () => {
    const handle = await t.env().client.workflow.start(zonePush, { taskQueue, workflowId, args: [given] });
    await opts.during?.(handle);
    return handle.result().catch((e: unknown) => e as WorkflowFailedError);
  });
  const handle = t.env().client.workflow.getHandle(workflowId);
  return { fleet, serving, outcome, handle };
}

const failureText = (e: unknown) => {
  expect(e).toBeInstanceOf(WorkflowFailedError);
  const cause = (e as WorkflowFailedError).cause;
  return `${cause?.message ?? ''} ${(cause as { cause?: Error })?.cause?.message ?? ''}`;
};
const result = (o: unknown) => o as ZonePushResult;
const changes = (calls: string[]) => calls.filter((c) => /^(pushZone|restoreZone|compare|setZoneSerial)/.test(c));

test('pushes to the canary, verifies it, then the next server, then verifies through every LB', async () => {
  const { fleet, serving, outcome, handle } = await push();
  expect(result(outcome).outcome).toBe('pushed');
  const ns = (l: string) => fleet.byLabel(l)!.privateIPv4;
  const lb = (l: string) => fleet.byLabel(l)!.publicIPv4;
  const calls = changes(fleet.calls);
  expect(calls.slice(0, 5)).toEqual([
    `setZoneSerial ${LIVE + 1}`,
    `pushZone ns1 ${LIVE + 1}`,
    `compare ${ns('ns1')}`,
    `pushZone ns2 ${LIVE + 1}`,
    `compare ${ns('ns2')}`,
  ]);
  // Both LBs are verified at once, after every server: in either order.
  expect(calls.slice(5).sort()).toEqual([`compare ${lb('lb1')}`, `compare ${lb('lb2')}`].sort());
  expect([...serving.values()]).toEqual([LIVE + 1, LIVE + 1]);
  expect(fleet.calls).toContain('discardZoneBackup');
  // The backups go from every server at once: in either order.
  expect(fleet.calls.filter((c) => c.startsWith('discardZoneBackups')).sort()).toEqual([
    'discardZoneBackups ns1',
    'discardZoneBackups ns2',
  ]);
  const s = result(outcome).status;
  expect(s.servers.map((v) => `${v.label} ${v.state}`)).toEqual(['ns1 verified', 'ns2 verified']);
  expect(s.zones).toEqual([{ domain: 'example.test', serialBefore: LIVE, serialAfter: LIVE + 1, changes: 2 }]);
  expect(s.events.join('\n')).toMatch(/\+ new\.example\.test\. A 300 \[192\.0\.2\.7\]/);
  expect(result(outcome).plan.join('\n')).toMatch(/push example\.test to ns1 \(canary\)/);
  expect((await handle.describe()).typedSearchAttributes.get(DEPLOY_PHASE)).toBe('done');
});

test('nothing to push: ends at once, nothing touched', async () => {
  const same = plan({ changes: [], counts: { added: 0, removed: 0, changed: 0 }, serial: LIVE });
  const { fleet, outcome } = await push(input(), { plan: same });
  expect(result(outcome).outcome).toBe('unchanged');
  expect(result(outcome).status.events.join('\n')).toMatch(/nothing to push/);
  expect(changes(fleet.calls)).toEqual([]);
});

test('a server behind the others is pushed even when the file matches the highest serial', async () => {
  const behind = plan({
    changes: [],
    counts: { added: 0, removed: 0, changed: 0 },
    serial: LIVE,
    servers: [
      { label: 'ns1', serial: LIVE },
      { label: 'ns2', serial: LIVE - 1 },
    ],
  });
  const { outcome, serving } = await push(input(), { plan: behind });
  expect(result(outcome).outcome).toBe('pushed');
  expect([...serving.values()]).toEqual([LIVE, LIVE]);
});

test('a server without the zone is refused: adding a zone is the NS deploy', async () => {
  const unserved = plan({ servers: [{ label: 'ns1', serial: LIVE }, { label: 'ns2' }] });
  const { fleet, outcome } = await push(input(), { plan: unserved });
  expect(failureText(outcome)).toMatch(/ns2 does not serve example\.test.*run the NS deploy/);
  expect(changes(fleet.calls)).toEqual([]);
});

describe('thresholds', () => {
  const big = plan({ counts: { added: 0, removed: 7, changed: 1 }, changesOmitted: 6 });
  test('a plan over them is refused with the numbers and the --force hint, nothing changed', async () => {
    const { fleet, outcome } = await push(input(), { plan: big });
    expect(failureText(outcome)).toMatch(
      /zone example\.test: 7 of 20 RRsets deleted \(35\.0 %, over maxDeletePercent 30 %\).*run with --force/,
    );
    expect(changes(fleet.calls)).toEqual([]);
  });
  test('--force pushes it', async () => {
    const { outcome } = await push(input({ force: true }), { plan: big });
    expect(result(outcome).outcome).toBe('pushed');
    expect(result(outcome).status.events.join('\n')).toMatch(/forced: zone example\.test: 7 of 20/);
  });
  test('a zone under minRecords is not checked', async () => {
    const small = plan({ liveRrsets: 9, counts: { added: 0, removed: 8, changed: 1 } });
    expect(result((await push(input(), { plan: small })).outcome).outcome).toBe('pushed');
  });
  test('a dry run plans and changes nothing', async () => {
    const { fleet, outcome } = await push(input({ dryRun: true }));
    expect(result(outcome).outcome).toBe('planned');
    expect(changes(fleet.calls)).toEqual([]);
  });
});

describe('approval after the canary', () => {
  const withApproval = (onTimeout: 'abort' | 'continue') =>
    input({}, { approval: { afterCanary: true, timeoutMs: 30 * MIN, onTimeout } });
  async function whenPending(h: WorkflowHandle<typeof zonePush>): Promise<void> {
    for (let i = 0; i < 1200; i++) {
      const s = await h.query(zonePushStatusQuery).catch(() => undefined);
      if (s?.approval?.pending) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('approval never became pending');
  }

  test('approved: the canary was verified before the question, the rest follows', async () => {
    const { fleet, outcome } = await push(withApproval('abort'), {
      during: async (h) => {
        await whenPending(h);
        const s = await h.query(zonePushStatusQuery);
        expect(s.servers.map((v) => `${v.label} ${v.state}`)).toEqual(['ns1 verified', 'ns2 pending']);
        await h.executeUpdate(approveUpdate, { args: [{ by: 'alice' }] });
      },
    });
    expect(result(outcome).outcome).toBe('pushed');
    expect(fleet.calls).toContain(`pushZone ns2 ${LIVE + 1}`);
  });

  test('rejected: every server serves its previous zone with a serial above the pushed one', async () => {
    const { fleet, serving, outcome, handle } = await push(withApproval('continue'), {
      during: async (h) => {
        await whenPending(h);
        await h.executeUpdate(rejectUpdate, { args: [{ by: 'bob', reason: 'wrong MX' }] });
      },
    });
    expect(failureText(outcome)).toMatch(/zone push rolled back: rejected by bob: wrong MX/);
    expect(fleet.calls).not.toContain(`pushZone ns2 ${LIVE + 1}`);
    expect(fleet.calls.filter((c) => c.startsWith('restoreZone '))).toEqual([
      `restoreZone ns1 ${LIVE + 2}`,
      `restoreZone ns2 ${LIVE + 2}`,
    ]);
    expect([...serving.values()]).toEqual([LIVE + 2, LIVE + 2]);
    expect(fleet.calls).toContain('restoreZoneFile');
    expect((await handle.describe()).typedSearchAttributes.get(DEPLOY_PHASE)).toBe('rolled-back');
  });

  test('timed out with policy abort: rolled back', async () => {
    const { outcome, serving } = await push(withApproval('abort'));
    expect(failureText(outcome)).toMatch(/no approval within 30m \(policy: abort\)/);
    expect([...serving.values()]).toEqual([LIVE + 2, LIVE + 2]);
  });

  test('timed out with policy continue: pushed', async () => {
    const { outcome, serving } = await push(withApproval('continue'));
    expect(result(outcome).outcome).toBe('pushed');
    expect(result(outcome).status.approval?.decision).toBe('timed-out');
    expect([...serving.values()]).toEqual([LIVE + 1, LIVE + 1]);
  });
});

test('the second server fails: every server is put back with a higher serial, verified', async () => {
  const { fleet, serving, outcome } = await push(input(), { pushFailsOn: 'ns2' });
  expect(failureText(outcome)).toMatch(/zone push rolled back: pushZone: named did not load example\.test/);
  expect(fleet.calls.filter((c) => /^(pushZone|restoreZone) /.test(c))).toEqual([
    `pushZone ns1 ${LIVE + 1}`,
    `pushZone ns2 ${LIVE + 1}`,
    `restoreZone ns1 ${LIVE + 2}`,
    `restoreZone ns2 ${LIVE + 2}`,
  ]);
  expect([...serving.values()]).toEqual([LIVE + 2, LIVE + 2]);
  const status = (await t.env().client.workflow.getHandle(`lab/zone-push-${seq}`).describe()).status.name;
  expect(status).toBe('FAILED');
  const details = (outcome as WorkflowFailedError).cause as ApplicationFailure;
  const s = details.details?.[0] as ZonePushResult['status'];
  expect(s.phase).toBe('rolled-back');
  expect(s.servers.map((v) => `${v.label} ${v.state}`)).toEqual(['ns1 restored', 'ns2 restored']);
});
