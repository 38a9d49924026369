// The NS blue-green deploy on the time-skipping server, activities faked at the boundary by an
// in-memory fleet: success, gate and soak failures, approval paths, abort at each phase, and
// retried creates that must not make a second instance.
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { approveUpdate, DEPLOY_PHASE, deployStatusQuery, rejectUpdate, type NsDeployInput } from '../../src/shared';
import { nsBlueGreen } from '../../src/workflows';
import { timeSkippingPerTest } from '../helpers/temporalEnv';
import { FakeFleet, LAB_FLEET, type FakeFleetOptions } from '../../testkit/fakeFleet';

const MIN = 60_000;
let seq = 0;

const t = timeSkippingPerTest();

function input(over: Partial<NsDeployInput['policies']> = {}, extra: Partial<NsDeployInput> = {}): NsDeployInput {
  return {
    ...LAB_FLEET,
    policies: {
      approval: { beforeCutover: false, timeoutMs: 30 * MIN, onTimeout: 'abort' },
      soakMs: 5 * MIN,
      gate: { transports: ['udp', 'tcp'], concurrency: 16 },
      oldServersMaxMs: 2 * MIN,
      ...over,
    },
    ...extra,
  };
}

interface Run {
  fleet: FakeFleet;
  handle: WorkflowHandle<typeof nsBlueGreen>;
  outcome: Awaited<ReturnType<typeof nsBlueGreen>> | WorkflowFailedError;
}

/** Runs a deploy against a fake fleet; `during` runs while the workflow does. */
async function deploy(
  opts: FakeFleetOptions & {
    input?: NsDeployInput;
    during?: (h: WorkflowHandle<typeof nsBlueGreen>, fleet: FakeFleet) => Promise<void>;
    abortAt?: string;
  } = {},
): Promise<Run> {
  let handle!: WorkflowHandle<typeof nsBlueGreen>;
  let aborting = false;
  const fleet = new FakeFleet({
    ...opts,
    onActivity: async (name) => {
      await opts.onActivity?.(name);
      if (opts.abortAt && !aborting && name.startsWith(opts.abortAt)) {
        aborting = true;
        await handle.cancel();
      }
      // Keep every activity of the aborted phase in flight while the cancellation reaches the
      // workflow. (The Java test server refuses to cancel an activity whose completion arrived
      // in the same workflow task — ACTIVITY_UNKNOWN — which a real server accepts.)
      if (aborting) await new Promise((r) => setTimeout(r, 1500));
    },
  });
  const taskQueue = `ns-deploy-${++seq}`;
  const worker = await Worker.create({
    connection: t.env().nativeConnection,
    taskQueue,
    workflowBundle: t.bundle(),
    activities: fleet.activities(),
  });
  const outcome = await worker.runUntil(async () => {
    handle = await t.env().client.workflow.start(nsBlueGreen, {
      taskQueue,
      workflowId: `lab/deploy-${seq}`,
      args: [opts.input ?? input()],
    });
    // Time skipping starts only when we wait for the result, so `during` sees real waits.
    await opts.during?.(handle, fleet);
    return handle.result().catch((e: unknown) => e as WorkflowFailedError);
  });
  return { fleet, handle, outcome };
}

const originalUpstreams = (f: FakeFleet) => ({
  lb1: f.answeringBehind('198.18.1.12'),
  lb2: f.answeringBehind('198.18.1.13'),
});
const failureText = (e: unknown) => {
  expect(e).toBeInstanceOf(WorkflowFailedError);
  const cause = (e as WorkflowFailedError).cause;
  return `${cause?.message ?? ''} ${(cause as { cause?: Error })?.cause?.message ?? ''}`;
};

test('success: new servers gated, LBs switched one at a time, old servers drained and retired, names swapped', async () => {
  const { fleet, handle, outcome } = await deploy();
  expect(outcome).not.toBeInstanceOf(Error);
  const result = outcome as Awaited<ReturnType<typeof nsBlueGreen>>;
  expect(result.outcome).toBe('deployed');
  expect(fleet.labels()).toEqual(['lb1', 'lb2', 'ns1', 'ns2']);
  // The live names now belong to the new instances (ids 104, 105), behind both LBs.
  expect(fleet.byLabel('ns1')!.id).toBeGreaterThan(103);
  expect(originalUpstreams(fleet)).toEqual({ lb1: ['ns1', 'ns2'], lb2: ['ns1', 'ns2'] });
  expect(
    fleet.upstreams
      .get('198.18.1.12')!
      .map((u) => u.address)
      .sort(),
  ).toEqual(['198.19.128.14', '198.19.128.15']);
  // Order of the runbook: gate before any switch, LB1 verified before LB2 is touched, delete before rename.
  const idx = (c: string) => fleet.calls.indexOf(c);
  expect(idx('compare 198.19.128.14')).toBeLessThan(idx('switchUpstreams 198.18.1.12'));
  expect(fleet.calls.indexOf('compare 198.18.1.12', idx('switchUpstreams 198.18.1.12'))).toBeLessThan(
    idx('switchUpstreams 198.18.1.13'),
  );
  expect(idx('deleteInstance ns1')).toBeLessThan(idx('rename ns1-next ns1'));
  expect(result.status.phase).toBe('done');
  expect((await handle.describe()).typedSearchAttributes.get(DEPLOY_PHASE)).toBe('done');
  expect(JSON.stringify(result)).not.toMatch(/token|BEGIN OPENSSH/i);
});

test('dry run: plan only, nothing created or switched', async () => {
  const { fleet, outcome } = await deploy({ input: input({}, { dryRun: true }) });
  const result = outcome as Awaited<ReturnType<typeof nsBlueGreen>>;
  expect(result.outcome).toBe('planned');
  expect(result.plan.join('\n')).toMatch(/create ns1-next .*\n.*create ns2-next[\s\S]*switch lb1[\s\S]*switch lb2/);
  expect(fleet.calls.filter((c) => /ensureInstance|switchUpstreams|delete|rename|runPlaybook/.test(c))).toEqual([]);
});

test('gate failure: new servers deleted, LBs never touched, old fleet intact', async () => {
  const { fleet, outcome } = await deploy({ gateFails: true });
  expect(failureText(outcome)).toMatch(/deploy rolled back: gate failed: ns1-next: missing www\.example\.test\. CNAME/);
  expect(fleet.labels()).toEqual(['lb1', 'lb2', 'ns1', 'ns2']);
  expect(fleet.byLabel('ns1')!.id).toBe(100);
  expect(fleet.calls.filter((c) => c.startsWith('switchUpstreams'))).toEqual([]);
  expect(fleet.calls).toEqual(expect.arrayContaining(['deleteIfOwned ns1-next', 'deleteIfOwned ns2-next']));
});

test('soak failure: LBs switched back first, then the new servers deleted', async () => {
  // 2 baseline + 2 cutover-verification probes through the LBs pass; the soak's fail.
  const { fleet, outcome } = await deploy({ soakFailsAfterProbes: 4 });
  expect(failureText(outcome)).toMatch(/soak failed through lb1/);
  expect(originalUpstreams(fleet)).toEqual({ lb1: ['ns1', 'ns2'], lb2: ['ns1', 'ns2'] });
  expect(fleet.byLabel('ns1')!.id).toBe(100);
  expect(fleet.labels()).toEqual(['lb1', 'lb2', 'ns1', 'ns2']);
  const lastSwitchBack = fleet.calls.lastIndexOf('switchUpstreams 198.18.1.12');
  expect(lastSwitchBack).toBeLessThan(fleet.calls.indexOf('deleteIfOwned ns1-next'));
});

describe('approval', () => {
  const withApproval = (onTimeout: 'abort' | 'continue') =>
    input({ approval: { beforeCutover: true, timeoutMs: 30 * MIN, onTimeout } });
  async function whenPending(h: WorkflowHandle<typeof nsBlueGreen>): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const s = await h.query(deployStatusQuery).catch(() => undefined);
      if (s?.approval?.pending) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('approval never became pending');
  }

  test('approved: deploys, and approve outside the approval phase is refused', async () => {
    const { fleet, outcome } = await deploy({
      input: withApproval('abort'),
      during: async (h) => {
        const early = await h
          .executeUpdate(approveUpdate, { args: [{}] })
          .catch((e: unknown) => e as WorkflowUpdateFailedError);
        expect(early).toBeInstanceOf(WorkflowUpdateFailedError);
        expect((early as WorkflowUpdateFailedError).cause?.message).toMatch(/no approval is pending \(phase: /);
        await whenPending(h);
        const s = await h.executeUpdate(approveUpdate, { args: [{ by: 'alice', reason: 'looks right' }] });
        expect(s.phase).toBe('approval');
      },
    });
    expect((outcome as { outcome: string }).outcome).toBe('deployed');
    expect(fleet.byLabel('ns1')!.id).toBeGreaterThan(103);
  });

  test('rejected: rolled back before any LB is switched', async () => {
    const { fleet, outcome } = await deploy({
      input: withApproval('continue'),
      during: async (h) => {
        await whenPending(h);
        await h.executeUpdate(rejectUpdate, { args: [{ by: 'bob', reason: 'wrong serial' }] });
      },
    });
    expect(failureText(outcome)).toMatch(/rejected by bob: wrong serial/);
    expect(fleet.calls.filter((c) => c.startsWith('switchUpstreams'))).toEqual([]);
    expect(fleet.labels()).toEqual(['lb1', 'lb2', 'ns1', 'ns2']);
  });

  test('timed out with policy abort: rolled back', async () => {
    const { fleet, outcome } = await deploy({ input: withApproval('abort') });
    expect(failureText(outcome)).toMatch(/no approval within 30m \(policy: abort\)/);
    expect(fleet.byLabel('ns1')!.id).toBe(100);
    expect(fleet.calls.filter((c) => c.startsWith('switchUpstreams'))).toEqual([]);
  });

  test('timed out with policy continue: deploys', async () => {
    const { fleet, outcome } = await deploy({ input: withApproval('continue') });
    expect(
      (outcome as { outcome: string; status: { approval?: { decision?: string } } }).status.approval?.decision,
    ).toBe('timed-out');
    expect(fleet.byLabel('ns1')!.id).toBeGreaterThan(103);
  });
});

describe('abort (workflow cancellation) at each phase puts the fleet back', () => {
  const cases: [string, string, boolean][] = [
    ['preflight', 'listInstances', false],
    ['create', 'ensureInstance', true],
    ['configure', 'runPlaybook', true],
    ['gate', 'compare 198.19.128', true],
    ['cutover', 'switchUpstreams 198.18.1.13', true],
    // The drain has its own test below: there the abort must arrive between counter reads.
  ];
  test.each(cases)('abort during %s', async (_phase, activity, createdSomething) => {
    const { fleet, outcome } = await deploy({ abortAt: activity });
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect((outcome as WorkflowFailedError).cause?.name).toBe('CancelledFailure');
    expect(fleet.labels()).toEqual(['lb1', 'lb2', 'ns1', 'ns2']);
    expect(fleet.byLabel('ns1')!.id).toBe(100);
    expect(originalUpstreams(fleet)).toEqual({ lb1: ['ns1', 'ns2'], lb2: ['ns1', 'ns2'] });
    expect(fleet.calls.some((c) => c.startsWith('deleteIfOwned'))).toBe(createdSomething);
  });

  // The abort is sent from outside, while the drain sleeps between two reads of the old
  // servers' counters (cancelling from inside an activity there stalls the Java test server).
  test('abort during drain: LBs switched back to the old servers, new servers deleted', async () => {
    let sawDrain = false;
    const { fleet, outcome } = await deploy({
      input: input({ soakMs: 1_000, soakProbeEveryMs: 1_000 }),
      during: async (h, f) => {
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
          const status = await h.query(deployStatusQuery);
          if (status.phase === 'drain' && f.calls.filter((c) => c === 'nsQueryCounter').length >= 2) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        sawDrain = (await h.query(deployStatusQuery)).phase === 'drain';
        await new Promise((r) => setTimeout(r, 500)); // the counter reads' completions are in
        await h.cancel();
      },
    });
    expect(sawDrain).toBe(true);
    expect((outcome as WorkflowFailedError).cause?.name).toBe('CancelledFailure');
    // Both LBs had been switched; both are back on the old servers, then the new ones went.
    expect(fleet.calls.filter((c) => c.startsWith('switchUpstreams'))).toHaveLength(4);
    expect(originalUpstreams(fleet)).toEqual({ lb1: ['ns1', 'ns2'], lb2: ['ns1', 'ns2'] });
    expect(fleet.labels()).toEqual(['lb1', 'lb2', 'ns1', 'ns2']);
    expect(fleet.byLabel('ns1')!.id).toBe(100);
    const lastSwitch = fleet.calls.lastIndexOf('switchUpstreams 198.18.1.12');
    expect(lastSwitch).toBeLessThan(fleet.calls.indexOf('deleteIfOwned ns1-next'));
    expect(fleet.calls.some((c) => c.startsWith('deleteInstance'))).toBe(false);
  });
});

test('a create whose answer was lost is retried without making a second instance', async () => {
  const { fleet, outcome } = await deploy({ loseFirstCreateAnswer: true });
  expect((outcome as { outcome: string }).outcome).toBe('deployed');
  expect(fleet.calls.filter((c) => c === 'ensureInstance ns1-next')).toHaveLength(2);
  expect(fleet.creates.get('ns1-next')).toBe(1);
  expect(fleet.labels()).toEqual(['lb1', 'lb2', 'ns1', 'ns2']);
});

describe('four LBs: the canary first, then the others together', () => {
  const FOUR_LBS = ['lb1', 'lb2', 'lb3', 'lb4'].map((label) => ({
    label,
    region: 'us-east',
    upstreams: ['ns1', 'ns2'],
  }));
  const LB_ADDRESSES = ['198.18.1.12', '198.18.1.13', '198.18.1.14', '198.18.1.15'];
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** Runs the deploy with every LB probe and switch held a while, counting how many overlap. */
  async function fourLbDeploy(canaryLbs: number, opts: FakeFleetOptions = {}) {
    const seen = { switchesAtOnce: [] as number[], planWhileBaseline: false };
    let switching = 0;
    let baselining = 0;
    let baselined = false;
    let planning = 0;
    let planned = false;
    let created = false;
    // On a busy machine either activity task can reach the worker well after the other: each
    // side is held until the other has started (at most 5 s), and the overlap is seen from
    // whichever starts second. Run one after the other, neither finds the other in flight.
    const until = async (started: () => boolean) => {
      for (let waited = 0; !started() && waited < 5000; waited += 50) await sleep(50);
    };
    const run = await deploy({
      ...opts,
      loadBalancers: 4,
      input: input({ cutover: { canaryLbs } }, { loadBalancers: FOUR_LBS }),
      onActivity: async (name) => {
        if (name.startsWith('ensureInstance')) created = true;
        if (name.startsWith('planZone')) {
          planning++;
          seen.planWhileBaseline ||= baselining > 0;
          await until(() => baselined);
          planning--;
          planned = true;
        }
        if (!created && LB_ADDRESSES.some((a) => name === `compare ${a}`)) {
          baselining++;
          baselined = true;
          seen.planWhileBaseline ||= planning > 0;
          await sleep(400);
          await until(() => planned);
          baselining--;
        }
        if (name.startsWith('switchUpstreams')) {
          seen.switchesAtOnce.push(++switching);
          await sleep(300);
          switching--;
        }
      },
    });
    return { ...run, seen };
  }
  const behindEach = (f: FakeFleet) => LB_ADDRESSES.map((a) => f.answeringBehind(a));

  test('canaryLbs 1: lb1 switched and proven alone, then lb2-lb4 at once; zones planned in the baseline', async () => {
    const { fleet, outcome, seen } = await fourLbDeploy(1);
    const result = outcome as Awaited<ReturnType<typeof nsBlueGreen>>;
    expect(result.outcome).toBe('deployed');
    expect(result.plan).toContain('once lb1 answer(s) from the new servers, the other 3 LB(s) together:');
    expect(behindEach(fleet)).toEqual(LB_ADDRESSES.map(() => ['ns1', 'ns2']));
    expect(fleet.byLabel('ns1')!.id).toBeGreaterThan(105);
    // lb1 alone, verified before any other LB is touched; then three switches in flight together.
    expect(seen.switchesAtOnce).toEqual([1, 1, 2, 3]);
    const verifiedLb1 = fleet.calls.indexOf('compare 198.18.1.12', fleet.calls.indexOf('switchUpstreams 198.18.1.12'));
    for (const a of LB_ADDRESSES.slice(1))
      expect(fleet.calls.indexOf(`readUpstreams ${a}`)).toBeGreaterThan(verifiedLb1);
    expect(seen.planWhileBaseline).toBe(true);
  });

  test('canaryLbs 4: every LB one at a time, as before the waves', async () => {
    const { outcome, seen } = await fourLbDeploy(4);
    const result = outcome as Awaited<ReturnType<typeof nsBlueGreen>>;
    expect(result.outcome).toBe('deployed');
    expect(seen.switchesAtOnce).toEqual([1, 1, 1, 1]);
    expect(result.plan.join('\n')).not.toMatch(/together/);
  });

  test('an LB of the wave fails its verification: the wave settles, every LB is switched back', async () => {
    // 4 baseline probes and the canary's pass, then the wave's first; its other two fail.
    const { fleet, outcome, seen } = await fourLbDeploy(1, { soakFailsAfterProbes: 6 });
    expect(failureText(outcome)).toMatch(/verification through lb[234] failed/);
    expect(behindEach(fleet)).toEqual(LB_ADDRESSES.map(() => ['ns1', 'ns2']));
    expect(fleet.labels()).toEqual(['lb1', 'lb2', 'lb3', 'lb4', 'ns1', 'ns2']);
    expect(fleet.byLabel('ns1')!.id).toBe(100);
    // 4 switches forward (the wave's 3 at once), then 4 back, none of them while the wave was switching.
    expect(seen.switchesAtOnce.slice(0, 4)).toEqual([1, 1, 2, 3]);
    expect(seen.switchesAtOnce).toHaveLength(8);
    expect(Math.max(...seen.switchesAtOnce.slice(4))).toBe(1);
  });
});
