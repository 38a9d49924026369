// The LB replacement on the lab with the real dev server and nothing fake but the Linode
// emulator: short TTLs (30 s delegation, 30 s zone), the lab registrar changes the glue with
// staggered propagation, the test plays the human (registrar + glueUpdated through the CLI),
// and a bounded load through the lab's recursive resolver runs the whole time: no query may
// fail, and the old LBs go only after their counters were quiet.
import execa from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { createDnsActivities } from '../../src/activities/dns';
import { createLinodeActivities } from '../../src/activities/linode';
import { createSshActivities } from '../../src/activities/ssh';
import { lbReplacementInput } from '../../src/cli/lbInput';
import { loadFleetConfig } from '../../src/config';
import {
  fleetTag,
  lbStatusQuery,
  TASK_QUEUE,
  type LbReplacementResult,
  type LbReplacementStatus,
} from '../../src/shared';
import { lbReplacement } from '../../src/workflows';
import { emulatorUrl, labToken } from '../../lab/emulatorProcess';
import { listHosts } from '../../lab/hosts';
import { labPaths } from '../../lab/labPaths';
import { ensureLabZone, LAB_CONFIG } from '../../lab/up';
import { startDnsLoad, type DnsLoadResult } from '../../testkit/dnsLoad';
import { recordHistories } from '../../testkit/histories';
import { npmRun } from '../../testkit/lab';
import { expectNoSecrets, labSecrets } from '../helpers/histories';
import { labWithWorker, shortenDelegationTtl } from '../helpers/labE2e';

const RESOLVER = '198.18.0.10';
const PARENTS = ['198.18.0.53', '198.18.0.54', '198.18.0.55'];
const dig = (...args: string[]) =>
  execa('dig', [...args, '+time=2', '+tries=2'], { reject: false }).then((r) => r.stdout);

const lab = labWithWorker({ taskQueue: TASK_QUEUE });

const servedSerial = async (server: string, zone: string) =>
  Number((await dig(`@${server}`, zone, 'SOA', '+short')).trim().split(/\s+/)[2]);

/** The fleet's instances by label, as Linode lists them. */
async function labInstances(cfg: ReturnType<typeof loadFleetConfig>) {
  const linode = createLinodeActivities({ env: { [cfg.linode.tokenEnv]: labToken() } });
  const target = { ...cfg.linode, knownHostsFile: cfg.ssh.knownHostsFile, privateKeyFile: cfg.ssh.privateKeyFile };
  const all = await linode.listInstances(target, fleetTag(cfg.fleet));
  return new Map(all.map((i) => [i.label, i]));
}

beforeAll(shortenDelegationTtl);

async function waitForPhase(phase: LbReplacementStatus['phase'], timeoutMs: number): Promise<LbReplacementStatus> {
  const handle = lab.env().client.workflow.getHandle('lab/lb-replacement');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await handle.query(lbStatusQuery);
    if (s.phase === phase) return s;
    if (['rolling-back', 'rolled-back', 'failed', 'not-retired'].includes(s.phase) || Date.now() > deadline) {
      throw new Error(
        `phase ${phase} not reached; at ${s.phase}${s.error ? ` (${s.error})` : ''}: ${s.events.slice(-5).join(' | ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

test(
  'replace lb1/lb2 under resolver load: glue changed by the registrar, TTLs drained, old LBs quiet, then retired',
  async () => {
    const cfg = loadFleetConfig(LAB_CONFIG);
    const before = (await (await fetch(`${emulatorUrl()}/__admin/state`)).json()) as {
      instances: { id: number; label: string }[];
    };
    const oldLbIds = before.instances.filter((i) => /^lb/.test(i.label)).map((i) => i.id);
    expect(oldLbIds).toHaveLength(2);
    const serialBefore = await servedSerial('198.18.1.2', 'example.test');
    expect(await dig(`@${RESOLVER}`, 'www.example.test', 'A', '+short')).toBe('example.test.\n198.18.2.80'); // www is a CNAME

    const load = startDnsLoad({
      server: RESOLVER,
      domain: 'example.test',
      known: { name: 'www.example.test', address: '198.18.2.80' },
      qps: 20,
      maxQueries: 15_000,
      maxMs: 12 * 60_000,
    });
    let loadResult: DnsLoadResult | undefined;
    try {
      const input = lbReplacementInput(cfg, { strategy: 'glue' });
      input.nsDeployPolicies.soakMs = 6_000;
      input.nsDeployPolicies.soakProbeEveryMs = 3_000;
      input.policies.glueCheckEveryMs = 2_000;
      input.policies.proof.windowMs = 10_000;
      const handle = await lab.env().client.workflow.start(lbReplacement, {
        taskQueue: TASK_QUEUE,
        workflowId: 'lab/lb-replacement',
        args: [input],
      });

      // The human step: the workflow says what to change; the registrar takes it to the parents
      // 4 s apart; the operator signals early, while they still disagree.
      const glue = (await waitForPhase('glue', 6 * 60_000)).glue!;
      expect(glue.change.map((c) => c.name)).toEqual(['ns1.example.test', 'ns2.example.test']);
      expect(glue.change.map((c) => c.from[0])).toEqual(['198.18.1.2', '198.18.1.3']);
      const registrar = npmRun(
        'lab:registrar',
        '--',
        'set-glue',
        ...glue.change.map((c) => `${c.name}=${c.to.join(',')}`),
        '--delay',
        '4s',
      );
      await new Promise((r) => setTimeout(r, 1_000));
      const early = await npmRun(
        'nsdeploy',
        '--',
        'glue-updated',
        'lab/lb-replacement',
        '--check',
        '--by',
        'e2e',
        '--address',
        lab.env().connection.options.address,
      );
      expect(early.exitCode).toBe(0);
      // Every parent, for both zones: shop.test's referral carries example.test's sibling glue.
      for (const zone of ['example\\.test', 'shop\\.test']) {
        const parents = new RegExp(`${zone} at 198\\.18\\.0\\.5[345]:53: (new|old)`, 'g');
        expect((early.all ?? '').match(parents)).toHaveLength(3);
      }
      const reg = await registrar;
      expect(reg.exitCode).toBe(0);

      const drain = await waitForPhase('drain', 2 * 60_000);
      expect(drain.drain).toMatchObject({ delegationTtlSeconds: 30, zoneTtlSeconds: 30, marginMs: 10_000 });
      const result: LbReplacementResult = await handle.result();
      loadResult = await load.stop();

      expect(result.outcome).toBe('replaced');
      const s = result.status;
      // The drain ran from the moment every parent served the new glue, for 30 + 30 + 10 s.
      expect(Date.parse(s.drain!.end!) - Date.parse(s.glue!.allNewSince!)).toBeGreaterThanOrEqual(70_000);
      expect(s.glue!.signals[0]).toMatchObject({ by: 'e2e', parents: 3 });
      // Old LBs deleted only after a quiet window.
      expect(s.proof!.provenAt).toBeDefined();
      expect(s.proof!.last).toMatch(/lb1: 0 queries .*lb2: 0 queries/);
      const events = s.events.join('\n');
      expect(events.indexOf('old LBs quiet')).toBeLessThan(events.indexOf('retire:'));

      // The fleet: new LBs under the live names, old ones and their hosts gone.
      const after = (await (await fetch(`${emulatorUrl()}/__admin/state`)).json()) as {
        instances: { id: number; label: string }[];
      };
      expect(after.instances.map((i) => i.label).sort()).toEqual(['lb1', 'lb2', 'ns1', 'ns2']);
      const hostsGone = async () => {
        // Deleting an instance returns at once; its host goes when the emulator's hook is done.
        const deadline = Date.now() + 15_000;
        const left = () =>
          listHosts({ stateDir: labPaths.hostsState })
            .map((h) => h.label)
            .filter((l) => oldLbIds.some((id) => l === `linode-${id}`));
        while (left().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        return left();
      };
      for (const id of oldLbIds) expect(after.instances.map((i) => i.id)).not.toContain(id);
      expect(await hostsGone()).toEqual([]);
      const newAddresses = glue.change.map((c) => c.to[0]);
      for (const parent of PARENTS) {
        const referral = await dig(`@${parent}`, 'example.test', 'NS', '+norec');
        for (const a of newAddresses) expect(referral).toContain(a);
        expect(referral).not.toMatch(/198\.18\.1\.[23]\b/);
      }
      expect(await dig(`@${RESOLVER}`, 'ns1.example.test', 'A', '+short')).toBe(newAddresses[0]);
      for (const a of newAddresses)
        expect(await dig(`@${a}`, 'example.test', 'A', '+short', '+norec')).toBe('198.18.2.80');
      // Every record of both zones through both new LBs (UDP and TCP, aa), each from its own
      // region's nameserver, which is also all its upstreams on the LB itself.
      const live = await labInstances(cfg);
      for (const [lb, ns] of [
        ['lb1', 'ns1'],
        ['lb2', 'ns2'],
      ]) {
        const address = live.get(lb)!.publicIPv4;
        const seen = await createDnsActivities({ heartbeat: () => undefined }).compareZoneOnServer({
          server: { address },
          zones: cfg.zones.map((z) => ({ origin: z.domain, file: z.file })),
          transports: ['udp', 'tcp'],
        });
        expect(seen.differences).toEqual([]);
        expect(seen.nsids).toHaveLength(1);
        expect(seen.nsids[0]).toMatch(new RegExp(`^${ns}-next\\.${live.get(ns)!.id}$`));
        const upstreams = await createSshActivities().readUpstreams({ address, ...cfg.ssh });
        expect(upstreams).toEqual([{ address: live.get(ns)!.privateIPv4, port: 53 }]);
      }
      // The zone edit raised example.test's serial again; shop.test had nothing at the LBs' addresses.
      expect(result.status.zones?.map((z) => z.domain)).toEqual(['example.test']);
      expect(await servedSerial(newAddresses[0], 'example.test')).toBeGreaterThan(serialBefore);

      // The lab's zone file now says so, and no backup is left beside it.
      const zone = fs.readFileSync(ensureLabZone(), 'utf8');
      expect(zone).toMatch(new RegExp(`ns1\\s+30 IN A\\s+${newAddresses[0].replace(/\./g, '\\.')}`));
      expect(fs.readdirSync(path.dirname(ensureLabZone())).sort()).toEqual(['example.test.zone', 'shop.test.zone']);

      // No secret in any payload of the replacement or of its child NS deploy; keep them for replay.
      const histories = await expectNoSecrets(
        lab.env().client,
        ['lab/lb-replacement', 'lab/deploy'],
        await labSecrets(cfg.ssh.privateKeyFile),
      );
      recordHistories('lb-replacement', histories);
    } finally {
      loadResult ??= await load.stop();
      process.stdout.write(
        `resolver load: ${loadResult.sent} sent, ${loadResult.answered} answered, ${loadResult.failed} failed in ${(loadResult.durationMs / 1000).toFixed(0)} s\n`,
      );
    }
    // No client of the resolver saw a failure, through the whole replacement.
    expect(loadResult.failures).toEqual([]);
    expect(loadResult.sent).toBeGreaterThan(1_000);
  },
  15 * 60_000,
);
