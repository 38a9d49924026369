// The LB replacement by IP swap on the lab (real dev server, real hosts, the Linode emulator's
// IP assignment moving addresses between the hosts' namespaces): refused across regions, a
// refused assignment and a failed verification both end with the old LBs serving their
// addresses, and a whole replacement under resolver load loses no resolution, keeps the LBs'
// addresses and never touches the glue.
import execa from 'execa';
import { lbReplacementInput } from '../../src/cli/lbInput';
import { loadFleetConfig } from '../../src/config';
import {
  lbReplacementWorkflowId,
  lbStatusQuery,
  TASK_QUEUE,
  type LbReplacementInput,
  type LbReplacementResult,
  type LbReplacementStatus,
} from '../../src/shared';
import { lbReplacement } from '../../src/workflows';
import { emulatorUrl } from '../../lab/emulatorProcess';
import { LAB_CONFIG } from '../../lab/up';
import { startDnsLoad, type DnsLoadResult } from '../../testkit/dnsLoad';
import { recordHistories } from '../../testkit/histories';
import { expectNoSecrets, labSecrets } from '../helpers/histories';
import { labWithWorker } from '../helpers/labE2e';
import { labSsh } from '../helpers/labSsh';

const RESOLVER = '198.18.0.10';
const PARENTS = ['198.18.0.53', '198.18.0.54', '198.18.0.55'];
const LBS = { lb1: '198.18.1.2', lb2: '198.18.1.3' };
const WORKFLOW_ID = lbReplacementWorkflowId('lab');

const lab = labWithWorker({ taskQueue: TASK_QUEUE });
let cfg: ReturnType<typeof loadFleetConfig>;
beforeAll(() => {
  cfg = loadFleetConfig(LAB_CONFIG);
});

const dig = (...args: string[]) =>
  execa('dig', [...args, '+time=2', '+tries=2'], { reject: false }).then((r) => r.stdout);
/** A command on a lab host, checking its key against the pinned known_hosts (never trusting a new one). */
const ssh = (address: string, command: string) => labSsh(cfg, address, command);

interface AdminInstance {
  id: number;
  label: string;
  ipv4Public: string;
}
async function instances(): Promise<AdminInstance[]> {
  const state = (await (await fetch(`${emulatorUrl()}/__admin/state`)).json()) as { instances: AdminInstance[] };
  return state.instances;
}
const labels = async () => (await instances()).map((i) => i.label).sort();
const idsOf = async () => Object.fromEntries((await instances()).map((i) => [i.label, i.id]));

/** The glue every parent serves for example.test: the A records in the referral, sorted. */
async function glueAtParents(): Promise<string[]> {
  const seen = await Promise.all(
    PARENTS.map((p) => dig(`@${p}`, 'example.test', 'NS', '+norec', '+noall', '+additional')),
  );
  return seen.map((s) => (s.match(/198\.18\.\d+\.\d+/g) ?? []).sort().join(','));
}

function ipSwapInput(change: (i: LbReplacementInput) => void = () => undefined): LbReplacementInput {
  const input = lbReplacementInput(cfg, { strategy: 'ipSwap' });
  input.policies.swapQuietMs = 5_000;
  change(input);
  return input;
}

async function run(input: LbReplacementInput) {
  return lab
    .env()
    .client.workflow.start(lbReplacement, { taskQueue: TASK_QUEUE, workflowId: WORKFLOW_ID, args: [input] });
}

/** The workflow's failure and its status (the failure carries it). */
async function failureOf(result: Promise<unknown>): Promise<{ message: string; status: LbReplacementStatus }> {
  const err = await result.then(
    () => undefined,
    (e: unknown) => e as { cause?: { message: string; details?: unknown[] } },
  );
  expect(err).toBeDefined();
  const cause = err!.cause!;
  return { message: cause.message, status: cause.details?.[0] as LbReplacementStatus };
}

async function waitFor(check: (s: LbReplacementStatus) => boolean, timeoutMs: number): Promise<LbReplacementStatus> {
  const handle = lab.env().client.workflow.getHandle(WORKFLOW_ID);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await handle.query(lbStatusQuery);
    if (check(s)) return s;
    if (Date.now() > deadline) throw new Error(`not reached; at ${s.phase}: ${s.events.slice(-5).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

test('ipSwap with a new LB in another region is refused with the reason, before anything is created', async () => {
  const before = await labels();
  const input = ipSwapInput((i) => {
    i.loadBalancers = i.loadBalancers.map((l) => (l.label === 'lb1' ? { ...l, region: 'eu-west' } : l));
  });
  const { message, status } = await failureOf((await run(input)).result());
  expect(message).toMatch(/strategy ipSwap refused: lb1 is in us-east, its replacement in eu-west/);
  expect(message).toMatch(/Linode moves addresses only within one region/);
  expect(status.phase).toBe('failed');
  expect(await labels()).toEqual(before);
}, 120_000);

test(
  'an assignment Linode refuses (a shared address) ends with the reason, the new LBs gone',
  async () => {
    const ids = await idsOf();
    const share = (ips: string[]) =>
      fetch(`${emulatorUrl()}/v4/networking/ips/share`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${process.env.LINODE_TOKEN}` },
        body: JSON.stringify({ linode_id: ids.ns1, ips }),
      });
    expect((await share([LBS.lb1])).status).toBe(200);
    try {
      const { message, status } = await failureOf((await run(ipSwapInput())).result());
      expect(message).toContain(`${LBS.lb1} is shared: shared IP addresses cannot be swapped between Linodes`);
      expect(status.phase).toBe('rolled-back');
      expect(status.swaps?.[0].state).toBe('swapped-back');
      expect(await idsOf()).toEqual(ids);
      expect((await ssh(LBS.lb1, 'hostname')).stdout).toBe(`linode-${ids.lb1}`);
    } finally {
      expect((await share([])).status).toBe(200);
    }
  },
  8 * 60_000,
);

test(
  'a swap whose verification fails is swapped back and verified; the old LBs stay',
  async () => {
    const ids = await idsOf();
    const handle = await run(ipSwapInput());
    // lb1-next will not answer DNS at lb1's address once it has it (as if its proxy were broken there).
    const s = await waitFor((x) => x.phase === 'configure' && x.newLbs.length === 2, 5 * 60_000);
    const next = s.newLbs.find((l) => l.label === 'lb1-next')!.publicIPv4!;
    const drop =
      'nft add table ip swapfault && ' +
      "nft add chain ip swapfault in '{ type filter hook input priority -10; }' && " +
      `nft add rule ip swapfault in ip daddr ${LBS.lb1} meta l4proto '{ udp, tcp }' th dport 53 drop`;
    expect((await ssh(next, drop)).exitCode).toBe(0);

    const { message, status } = await failureOf(handle.result());
    expect(message).toMatch(/verification at the moved address 198\.18\.1\.2 failed/);
    expect(status.phase).toBe('rolled-back');
    expect(status.swaps?.map((w) => w.state)).toEqual(['swapped-back', 'pending']);
    expect(status.events.join('\n')).toMatch(/swapped back: lb1 answers every record at 198\.18\.1\.2 again/);
    expect(await idsOf()).toEqual(ids);
    expect((await ssh(LBS.lb1, 'hostname')).stdout).toBe(`linode-${ids.lb1}`);
    expect(await dig(`@${LBS.lb1}`, 'example.test', 'A', '+short', '+norec')).toBe('198.18.2.80');
  },
  10 * 60_000,
);

test(
  'ipSwap under resolver load: no failed resolution, same LB addresses, old LBs gone, glue untouched',
  async () => {
    const before = await instances();
    const oldIds = before.filter((i) => /^lb/.test(i.label)).map((i) => i.id);
    const glueBefore = await glueAtParents();
    expect(glueBefore).toEqual(PARENTS.map(() => `${LBS.lb1},${LBS.lb2}`));

    const load = startDnsLoad({
      server: RESOLVER,
      domain: 'example.test',
      known: { name: 'www.example.test', address: '198.18.2.80' },
      qps: 20,
      maxQueries: 12_000,
      maxMs: 10 * 60_000,
    });
    let loadResult: DnsLoadResult | undefined;
    let result: LbReplacementResult;
    try {
      const handle = await run(ipSwapInput((i) => (i.strategy = undefined)));
      result = await handle.result();
      loadResult = await load.stop();
    } finally {
      loadResult ??= await load.stop();
      const { sent, answered, failed, durationMs } = loadResult;
      process.stdout.write(`resolver load: ${sent} sent, ${answered} answered, ${failed} failed in ${durationMs} ms\n`);
    }
    expect(loadResult.failures).toEqual([]);
    expect(loadResult.sent).toBeGreaterThan(500);

    const s = result.status;
    expect(result.outcome).toBe('replaced');
    expect(s.strategy).toMatchObject({ chosen: 'ipSwap', forced: false });
    expect(result.plan[0]).toMatch(/^strategy ipSwap: every new LB is made in its old LB's region/);
    expect(s.swaps?.map((w) => [w.address, w.state])).toEqual([
      [LBS.lb1, 'verified'],
      [LBS.lb2, 'verified'],
    ]);
    for (const w of s.swaps!)
      expect(w.proof).toMatch(/-next answered [1-9]\d* queries; lb\d 0 once its sessions ended$/);
    expect(s.glue).toBeUndefined();
    expect(s.zones).toBeUndefined();

    // Same addresses under the same names, now on the new hosts (their pinned keys: strict SSH).
    const after = await instances();
    expect(after.map((i) => i.label).sort()).toEqual(['lb1', 'lb2', 'ns1', 'ns2']);
    for (const id of oldIds) expect(after.map((i) => i.id)).not.toContain(id);
    for (const [label, address] of Object.entries(LBS)) {
      expect(after.find((i) => i.label === label)!.ipv4Public).toBe(address);
      expect((await ssh(address, 'hostname')).stdout).toBe(`linode-${after.find((i) => i.label === label)!.id}`);
      expect(await dig(`@${address}`, 'example.test', 'A', '+short', '+norec')).toBe('198.18.2.80');
    }
    expect(await glueAtParents()).toEqual(glueBefore);

    const histories = await expectNoSecrets(lab.env().client, [WORKFLOW_ID], await labSecrets(cfg.ssh.privateKeyFile));
    recordHistories('lb-ip-swap', histories);
  },
  12 * 60_000,
);
