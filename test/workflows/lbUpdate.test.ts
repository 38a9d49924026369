// The in-place LB update on the time-skipping server, activities faked at the boundary by the
// in-memory fleet plus a fake Ansible: both LBs in order (plan before apply, verify before the
// next), dry run (plans only), a failed apply at lb1 (lb2 untouched), a failed verify.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { PlaybookRun } from '../../src/activities/ansible';
import { DEPLOY_PHASE, lbUpdateStatusQuery, type LbUpdateStatus, type LbUpdateInput } from '../../src/shared';
import { lbUpdate } from '../../src/workflows';
import { timeSkippingPerTest } from '../helpers/temporalEnv';
import { FakeFleet } from '../../testkit/fakeFleet';

let seq = 0;

const t = timeSkippingPerTest();

const LB1 = '198.18.1.12';
const LB2 = '198.18.1.13';

function input(extra: Partial<LbUpdateInput> = {}): LbUpdateInput {
  return {
    fleet: 'lab',
    zones: [{ domain: 'example.test', file: '/zones/example.test.zone' }],
    linode: { apiUrl: 'http://127.0.0.1:8789/v4', tokenEnv: 'LINODE_TOKEN' },
    ssh: { user: 'root', privateKeyFile: '/keys/id', knownHostsFile: '/keys/known_hosts' },
    loadBalancers: ['lb1', 'lb2'],
    proxyVars: { proxy_upstream_fail_timeout: '3s' },
    verify: { transports: ['udp', 'tcp'], concurrency: 16 },
    ...extra,
  };
}

const PLAN = [
  'TASK [proxy : Point the LB at the nameservers]',
  '--- before: /etc/nginx/stream.d/nsdeploy-upstream.conf',
  '+++ after: /root/.ansible/tmp/nsdeploy-upstream.conf.j2',
  '@@ -4,3 +4,3 @@',
  '-    server 198.19.128.10:53 max_fails=1 fail_timeout=10s;',
  '+    server 198.19.128.10:53 max_fails=1 fail_timeout=3s;',
  'changed: [lb1]',
].join('\n');

interface Options {
  /** The apply on this LB fails the way the Ansible activity reports a failed task. */
  applyFailsOn?: string;
  /** Verification through this LB (after its apply) finds a difference. */
  verifyFailsOn?: string;
}

async function run(opts: Options & { input?: LbUpdateInput } = {}) {
  const fleet = new FakeFleet();
  const playbooks: PlaybookRun[] = [];
  const applied = new Set<string>();
  const base = fleet.activities();
  const activities = {
    ...base,
    runPlaybook: async (r: PlaybookRun) => {
      const lb = r.limit?.[0] ?? '?';
      playbooks.push(r);
      fleet.calls.push(`${r.check ? 'plan' : 'apply'} ${lb}`);
      if (!r.check && opts.applyFailsOn === lb) {
        throw ApplicationFailure.create({
          message: `ansible-playbook proxy.yml --limit ${lb} failed: task "proxy : Serve DNS on UDP and TCP" failed on ${lb}: failed to validate: nginx: [emerg] invalid value "bogus" (log: /tmp/x.log)`,
          type: 'AnsibleFailed',
          nonRetryable: true,
        });
      }
      if (!r.check) applied.add(lb);
      return {
        recap: { [lb]: { ok: 9, changed: 1, unreachable: 0, failed: 0 } },
        changed: 1,
        logFile: '/dev/null',
        diff: PLAN.replace('[lb1]', `[${lb}]`),
      };
    },
    compareZoneOnServer: async (i: Parameters<NonNullable<typeof base.compareZoneOnServer>>[0]) => {
      const r = await base.compareZoneOnServer!(i);
      const label = i.server.address === LB1 ? 'lb1' : 'lb2';
      if (opts.verifyFailsOn === label && applied.has(label)) {
        return {
          ...r,
          ok: false,
          differences: [
            {
              server: i.server.address,
              transport: 'udp' as const,
              name: 'example.test.',
              type: 'SOA',
              kind: 'missing' as const,
              reason: 'timeout' as const,
            },
          ],
        };
      }
      return r;
    },
  };
  const taskQueue = `lb-update-${++seq}`;
  const worker = await Worker.create({
    connection: t.env().nativeConnection,
    taskQueue,
    workflowBundle: t.bundle(),
    activities,
  });
  const workflowId = `lab/lb-update-${seq}`;
  let queried: LbUpdateStatus | undefined;
  const outcome = await worker.runUntil(async () => {
    const handle = await t
      .env()
      .client.workflow.start(lbUpdate, { taskQueue, workflowId, args: [opts.input ?? input()] });
    const result = await handle.result().catch((e: unknown) => e as WorkflowFailedError);
    // A query needs the worker: ask while it runs.
    queried = await handle.query(lbUpdateStatusQuery);
    return result;
  });
  const handle = t.env().client.workflow.getHandle(workflowId);
  return { fleet, playbooks, outcome, handle, queried: queried! };
}

/** The calls that touch or ask an LB, by LB name, in order. */
const lbCalls = (calls: string[]) =>
  calls
    .map((c) => c.replace(LB1, 'lb1').replace(LB2, 'lb2'))
    .filter((c) => /^(plan|apply|compare|readUpstreams) lb[12]$/.test(c));

const failureOf = (e: unknown) => {
  expect(e).toBeInstanceOf(WorkflowFailedError);
  const cause = (e as WorkflowFailedError).cause as ApplicationFailure;
  return { message: cause.message, status: cause.details?.[0] as LbUpdateStatus };
};

test('success: each LB planned, applied and verified through it before the next; upstreams kept', async () => {
  const { fleet, playbooks, outcome, handle, queried } = await run();
  expect(outcome).not.toBeInstanceOf(Error);
  const result = outcome as Awaited<ReturnType<typeof lbUpdate>>;
  expect(result.outcome).toBe('updated');
  expect(result.status.phase).toBe('done');
  expect(result.status.lbUpdates.map((u) => [u.label, u.state])).toEqual([
    ['lb1', 'updated'],
    ['lb2', 'updated'],
  ]);
  const calls = lbCalls(fleet.calls);
  expect(calls.slice(0, 2).sort()).toEqual(['readUpstreams lb1', 'readUpstreams lb2']); // preflight, in parallel
  expect(calls.slice(2)).toEqual([
    'readUpstreams lb1',
    'plan lb1',
    'compare lb1',
    'apply lb1',
    'compare lb1',
    'readUpstreams lb1',
    'readUpstreams lb2',
    'plan lb2',
    'compare lb2',
    'apply lb2',
    'compare lb2',
    'readUpstreams lb2',
  ]);
  // One LB per run, the role's variables from the config, the upstreams as read from each LB.
  expect(playbooks.map((p) => [p.playbook, p.check, p.diff, p.limit])).toEqual([
    ['proxy.yml', true, true, ['lb1']],
    ['proxy.yml', false, true, ['lb1']],
    ['proxy.yml', true, true, ['lb2']],
    ['proxy.yml', false, true, ['lb2']],
  ]);
  const hosts = playbooks[1].groups.loadbalancers;
  expect(hosts.map((h) => [h.name, h.address, h.vars])).toEqual([
    ['lb1', LB1, { proxy_listen_addresses: [LB1], proxy_upstreams: fleet.upstreams.get(LB1) }],
    ['lb2', LB2, { proxy_listen_addresses: [LB2], proxy_upstreams: fleet.upstreams.get(LB2) }],
  ]);
  expect(playbooks[1].groupVars).toEqual({ loadbalancers: { proxy_upstream_fail_timeout: '3s' } });
  expect((await handle.describe()).typedSearchAttributes.get(DEPLOY_PHASE)).toBe('done');
  expect(queried.phase).toBe('done');
  expect(queried.lbUpdates.map((u) => u.state)).toEqual(['updated', 'updated']);
});

test('dry run: each LB planned with --check --diff, the plan shown, nothing applied', async () => {
  const { fleet, playbooks, outcome } = await run({ input: input({ dryRun: true }) });
  const result = outcome as Awaited<ReturnType<typeof lbUpdate>>;
  expect(result.outcome).toBe('planned');
  expect(playbooks.every((p) => p.check)).toBe(true);
  expect(lbCalls(fleet.calls).filter((c) => /^(plan|apply)/.test(c))).toEqual(['plan lb1', 'plan lb2']);
  expect(result.status.lbUpdates.map((u) => [u.label, u.state, u.plannedChanges])).toEqual([
    ['lb1', 'planned', 1],
    ['lb2', 'planned', 1],
  ]);
  expect(result.status.lbUpdates[0].plan).toContain('+    server 198.19.128.10:53 max_fails=1 fail_timeout=3s;');
  expect(result.status.events.join('\n')).toMatch(/plan lb1: 1 change\(s\): Point the LB at the nameservers/);
});

test('a failed apply on lb1 stops the update there: lb2 is neither planned nor touched, the task is named', async () => {
  const { fleet, outcome, handle } = await run({ applyFailsOn: 'lb1' });
  const { message, status } = failureOf(outcome);
  expect(message).toMatch(
    /^LB update stopped at lb1: .*task "proxy : Serve DNS on UDP and TCP" failed on lb1: failed to validate.*\(lb2 not touched\)/,
  );
  expect(lbCalls(fleet.calls).filter((c) => /lb2$/.test(c))).toEqual(['readUpstreams lb2']); // the preflight read only
  expect(status.lbUpdates.map((u) => [u.label, u.state])).toEqual([
    ['lb1', 'failed'],
    ['lb2', 'untouched'],
  ]);
  expect(status.phase).toBe('failed');
  expect((await handle.describe()).typedSearchAttributes.get(DEPLOY_PHASE)).toBe('failed');
});

test('a failed verification through lb1 after its apply stops the update before lb2', async () => {
  const { fleet, outcome } = await run({ verifyFailsOn: 'lb1' });
  const { message, status } = failureOf(outcome);
  expect(message).toMatch(
    /LB update stopped at lb1: verification through lb1 failed after the apply: 1 new difference\(s\) \(missing example\.test\. SOA\/udp\).*\(lb2 not touched\)/,
  );
  expect(lbCalls(fleet.calls).filter((c) => /^(plan|apply) lb2/.test(c))).toEqual([]);
  expect(status.lbUpdates.map((u) => [u.label, u.state])).toEqual([
    ['lb1', 'failed'],
    ['lb2', 'untouched'],
  ]);
});

test('upstreams that move during the update (another change running) stop it before the LB is touched', async () => {
  const fleet = new FakeFleet();
  const base = fleet.activities();
  let reads = 0;
  const activities = {
    ...base,
    runPlaybook: async (r: PlaybookRun) => {
      fleet.calls.push(`${r.check ? 'plan' : 'apply'} ${r.limit?.[0]}`);
      return { recap: {}, changed: 0, logFile: '/dev/null', diff: '' };
    },
    readUpstreams: async (t: { address: string }) => {
      // lb2's second read (just before its plan) sees another change's upstreams.
      if (t.address === LB2 && ++reads === 2) return [{ address: '198.19.128.99', port: 53 }];
      return base.readUpstreams!(t as never);
    },
  };
  const taskQueue = `lb-update-${++seq}`;
  const worker = await Worker.create({
    connection: t.env().nativeConnection,
    taskQueue,
    workflowBundle: t.bundle(),
    activities,
  });
  const outcome = await worker.runUntil(
    t
      .env()
      .client.workflow.execute(lbUpdate, { taskQueue, workflowId: `lab/lb-update-${seq}`, args: [input()] })
      .catch((e: unknown) => e),
  );
  expect(failureOf(outcome).message).toMatch(
    /stopped at lb2: lb2's upstreams changed during the update .*198\.19\.128\.99:53.*another change of fleet lab/,
  );
  expect(fleet.calls.filter((c) => /^(plan|apply)/.test(c))).toEqual(['plan lb1', 'apply lb1']);
});
