// The LB replacement by IP swap on the time-skipping server, activities faked at the boundary
// (fakeLbFleet.ts plus a fake Linode IP assignment that moves addresses between the fake
// instances): the plan picks it when every LB stays in its region, the swaps go one LB at a
// time with their proof, nothing of DNS changes, and a failed verification swaps every moved
// address back (verified) before the new LBs go. Dry runs show the choice and the refusal.
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities';
import type { AddressAssignment, InstanceInfo } from '../../src/activities/linode';
import type { LbReplacementInput, LbReplacementResult, LbReplacementStatus } from '../../src/shared';
import { lbReplacement } from '../../src/workflows';
import { timeSkippingPerTest } from '../helpers/temporalEnv';
import { LAB_FLEET } from '../../testkit/fakeFleet';
import { FakeLbFleet, PARENTS } from './fakeLbFleet';

const MIN = 60_000;
const HOUR = 60 * MIN;
let seq = 0;
const t = timeSkippingPerTest();

function input(over: Partial<LbReplacementInput> = {}): LbReplacementInput {
  return {
    ...LAB_FLEET,
    parents: PARENTS.map((address) => ({ address, port: 53 })),
    policies: {
      gate: { transports: ['udp', 'tcp'], concurrency: 16 },
      drainMarginMs: HOUR,
      drainMaxMs: 14 * 24 * HOUR,
      glueCheckEveryMs: 5 * MIN,
      glueTimeoutMs: 7 * 24 * HOUR,
      proof: { windowMs: 10 * MIN, maxQueries: 0, maxWaitMs: 2 * HOUR },
      approval: { beforeRetire: false, timeoutMs: HOUR, onTimeout: 'abort' },
      swapQuietMs: 30_000,
    },
    nsDeployPolicies: {
      approval: { beforeCutover: false, timeoutMs: 30 * MIN, onTimeout: 'abort' },
      soakMs: 1_000,
      gate: { transports: ['udp', 'tcp'], concurrency: 16 },
      oldServersMaxMs: MIN,
    },
    ...over,
  };
}

/** The fake fleet in us-east, with Linode's IP assignment: addresses (and what answers there) move. */
class SwapFleet extends FakeLbFleet {
  assignments: string[] = [];
  /** Verification fails at this address while a `-next` LB holds it. */
  brokenAt?: string;

  override activities(): Partial<Activities> {
    const base = super.activities();
    const inRegion = (i: InstanceInfo): InstanceInfo => ({ ...i, region: 'us-east' });
    return {
      ...base,
      listInstances: async (...args) => (await base.listInstances!(...args)).map(inRegion),
      assignPublicAddresses: async (_t, a: AddressAssignment) => {
        const held = a.assignments.map((x) => this.instances.get(x.linodeId)!);
        if (held.every((h, n) => h.publicIPv4 === a.assignments[n].address)) return held.map(inRegion);
        this.calls.push(`assign ${a.assignments.map((x, n) => `${x.address}→${held[n].label}`).join(' ')}`);
        const upstreams = held.map((h) => this.upstreams.get(h.publicIPv4) ?? []);
        held.forEach((h) => this.upstreams.delete(h.publicIPv4));
        held.forEach((h, n) => {
          h.publicIPv4 = a.assignments[n].address;
          this.upstreams.set(h.publicIPv4, upstreams[n]);
        });
        this.assignments.push(a.region);
        return held.map(inRegion);
      },
      compareZoneOnServer: async (req) => {
        const result = await base.compareZoneOnServer!(req);
        const holder = [...this.instances.values()].find((i) => i.publicIPv4 === req.server.address);
        const broken = req.server.address === this.brokenAt && holder?.label.endsWith('-next');
        return broken ? { ...result, ok: false, differences: [{ ...result.differences[0] }] } : result;
      },
      lbQueryCount: async (target) => {
        const q = target.name?.endsWith('-next') ? 40 : 0;
        return { ...(await base.lbQueryCount!(target, { sinceEpochMs: 0 })), queries: q, udp: q };
      },
    } as Partial<Activities>;
  }
}

async function replace(given: LbReplacementInput, brokenAt?: string) {
  const fleet = new SwapFleet();
  fleet.brokenAt = brokenAt;
  const taskQueue = `lb-ip-swap-${++seq}`;
  const worker = await Worker.create({
    connection: t.env().nativeConnection,
    taskQueue,
    workflowBundle: t.bundle(),
    activities: fleet.activities(),
  });
  const outcome = await worker.runUntil(
    t
      .env()
      .client.workflow.execute(lbReplacement, { taskQueue, workflowId: `lab/lb-ip-swap-${seq}`, args: [given] })
      .catch((e: unknown) => e as WorkflowFailedError),
  );
  return { fleet, outcome };
}

const statusOf = (e: WorkflowFailedError) => (e.cause as { details?: unknown[] }).details?.[0] as LbReplacementStatus;

test('same region: each new LB takes its old LB address, one at a time with proof; no zone or glue change', async () => {
  const { fleet, outcome } = await replace(input());
  const result = outcome as LbReplacementResult;
  expect(result.outcome).toBe('replaced');
  const s = result.status;
  expect(s.strategy).toEqual(expect.objectContaining({ chosen: 'ipSwap', forced: false }));
  expect(result.plan[0]).toMatch(/^strategy ipSwap: every new LB is made in its old LB's region \(us-east\)/);
  expect(result.plan.join('\n')).toMatch(/swap 198\.18\.1\.12 to lb1-next/);
  // The live names keep their addresses, now on the new instances.
  expect(fleet.labels()).toEqual(['lb1', 'lb2', 'ns1', 'ns2']);
  expect(fleet.byLabel('lb1')).toMatchObject({ publicIPv4: '198.18.1.12' });
  expect(fleet.byLabel('lb2')).toMatchObject({ publicIPv4: '198.18.1.13' });
  expect(fleet.byLabel('lb1')!.id).toBeGreaterThan(103);
  expect(s.swaps?.map((w) => [w.oldLb, w.newLb, w.address, w.state])).toEqual([
    ['lb1', 'lb1-next', '198.18.1.12', 'verified'],
    ['lb2', 'lb2-next', '198.18.1.13', 'verified'],
  ]);
  expect(s.swaps![0].proof).toMatch(
    /12 records at 198\.18\.1\.12; since the swap lb1-next answered 40 queries; lb1 0 once its sessions ended/,
  );
  // Runbook order: one LB swapped, verified and counted before the next one moves; retire last.
  const order = fleet.calls.filter((c) => /^(assign|lbQueryCount|deleteInstance|rename|moveZone|readDel)/.test(c));
  const firstSwap = order.findIndex((c) => c.startsWith('assign 198.18.1.12'));
  const secondSwap = order.findIndex((c) => c.startsWith('assign 198.18.1.13'));
  // Counted at the moved address (lb1-next) and at lb1, which now holds lb1-next's first address.
  expect(order.slice(firstSwap + 1, secondSwap).sort()).toEqual([
    'lbQueryCount 198.18.1.12',
    expect.stringMatching(/^lbQueryCount 198\.18\.1\.1[45]$/),
  ]);
  expect(order.filter((c) => c.startsWith('moveZone'))).toEqual([]);
  // The parents are read once in the preflight only; the glue is never asked for.
  expect(order.filter((c) => c.startsWith('readDel'))).toHaveLength(PARENTS.length);
  expect(s.glue).toBeUndefined();
  expect(order.slice(-4, -2).sort()).toEqual(['deleteInstance lb1', 'deleteInstance lb2']);
  expect(order.slice(-2).sort()).toEqual(['rename lb1-next lb1', 'rename lb2-next lb2']);
  expect(fleet.assignments).toEqual(['us-east', 'us-east']);
  expect(s.events.join('\n')).toMatch(/strategy ipSwap: every new LB/);
});

test('a failed verification at a moved address swaps every moved address back, verified, then the new LBs go', async () => {
  const { fleet, outcome } = await replace(input(), '198.18.1.13');
  expect(outcome).toBeInstanceOf(WorkflowFailedError);
  const e = outcome as WorkflowFailedError;
  expect(e.cause?.message).toMatch(/rolled back: verification at the moved address 198\.18\.1\.13 failed/);
  const s = statusOf(e);
  expect(s.phase).toBe('rolled-back');
  expect(s.swaps?.map((w) => w.state)).toEqual(['swapped-back', 'swapped-back']);
  expect(fleet.labels()).toEqual(['lb1', 'lb2', 'ns1', 'ns2']);
  expect(fleet.byLabel('lb1')).toMatchObject({ id: 102, publicIPv4: '198.18.1.12' });
  expect(fleet.byLabel('lb2')).toMatchObject({ id: 103, publicIPv4: '198.18.1.13' });
  // Newest first: lb2 back, then lb1, each verified; only then the new LBs are deleted.
  const undo = fleet.calls.slice(fleet.calls.findIndex((c) => c.startsWith('assign 198.18.1.13→lb2 ')));
  expect(undo.filter((c) => /^(assign|deleteIfOwned)/.test(c))).toEqual([
    expect.stringMatching(/^assign 198\.18\.1\.13→lb2 /),
    expect.stringMatching(/^assign 198\.18\.1\.12→lb1 /),
    'deleteIfOwned lb2-next',
    'deleteIfOwned lb1-next',
  ]);
  expect(s.events.join('\n')).toMatch(/swapped back: lb1 answers every record at 198\.18\.1\.12 again/);
});

test('dry runs: the plan shows the choice; ipSwap forced across regions is refused, glue forced is kept', async () => {
  const planned = (await replace(input({ dryRun: true }))).outcome as LbReplacementResult;
  expect(planned.plan[0]).toMatch(/^strategy ipSwap:/);
  expect(planned.plan.join('\n')).toMatch(/no glue change at the registrar/);

  const lbs = LAB_FLEET.loadBalancers.map((l, i) => (i === 1 ? { ...l, region: 'eu-west' } : l));
  const auto = (await replace(input({ dryRun: true, loadBalancers: lbs }))).outcome as LbReplacementResult;
  expect(auto.status.strategy).toMatchObject({ chosen: 'glue', forced: false });
  expect(auto.plan[0]).toBe(
    'strategy glue: lb2 is in us-east, its replacement in eu-west: Linode moves addresses only within one region',
  );

  const refused = (await replace(input({ dryRun: true, loadBalancers: lbs, strategy: 'ipSwap' }))).outcome;
  expect(refused).toBeInstanceOf(WorkflowFailedError);
  expect((refused as WorkflowFailedError).cause?.message).toMatch(
    /strategy ipSwap refused: lb2 is in us-east, its replacement in eu-west/,
  );

  const glue = (await replace(input({ dryRun: true, strategy: 'glue' }))).outcome as LbReplacementResult;
  expect(glue.status.strategy).toMatchObject({ chosen: 'glue', forced: true });
  expect(glue.plan.join('\n')).toMatch(/you change the glue at the registrar/);
});
