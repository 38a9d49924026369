// The load-balancer replacement, as a runbook: new LBs next to the old ones, the zone moved to
// them (an NS blue-green deploy of the changed zone), a human changes the glue at the
// registrar, a durable timer waits out the TTLs, the old LBs prove they get no traffic, and
// only then are they retired. Until the glue changed, any failure or abort puts the fleet
// back; after it, undoing starts by asking the human to change the glue back.
import {
  ApplicationFailure, condition, executeChild, isCancellation, log, patched, setHandler, sleep, workflowInfo,
} from '@temporalio/workflow';
import type { InstanceInfo, LinodeTarget } from '../activities/linode';
import {
  approveUpdate, deployWorkflowId, fleetTag, glueUpdatedCheck, glueUpdatedSignal, lbStatusQuery, rejectUpdate,
  type ApprovalDecision, type GlueChange, type GlueUpdatedArgs, type HostView, type LbReplacementInput, type LbReplacementResult, type NsDeployInput,
} from '../shared';
import { extendableWait } from './lib/extendableWait';
import { reasonOf } from './lib/failures';
import { delegationTtl, glueInstructions, judgeParent } from './lib/glue';
import { LbTracker } from './lib/lbTracker';
import { Saga } from './lib/saga';
import { createNewInstances } from './lib/newInstances';
import { step } from './lib/steps';
import { formatDuration } from '../shared/duration';
import { nsBlueGreen } from './nsBlueGreen';

const view = (i: InstanceInfo): HostView => ({ label: i.label, id: i.id, publicIPv4: i.publicIPv4, privateIPv4: i.privateIPv4 });

export async function lbReplacement(input: LbReplacementInput): Promise<LbReplacementResult> {
  const t = new LbTracker(input.fleet);
  const saga = new Saga();
  const plan: string[] = [];
  const { policies } = input;
  const deployTag = `nsdeploy-${workflowInfo().runId.slice(0, 8)}`;
  const linode: LinodeTarget = { apiUrl: input.linode.apiUrl, tokenEnv: input.linode.tokenEnv, knownHostsFile: input.ssh.knownHostsFile, privateKeyFile: input.ssh.privateKeyFile };
  const sshTo = (i: InstanceInfo) => ({ address: i.publicIPv4, name: i.label, user: input.ssh.user, privateKeyFile: input.ssh.privateKeyFile, knownHostsFile: input.ssh.knownHostsFile });
  const zone = { origin: input.domain, file: input.zoneFile };
  const backupFile = `${input.zoneFile}.${deployTag}.orig`;
  /** Ends with both LB sets serving: the zone change is kept (no undo), the reason shown. */
  const notRetired = async (reason: string, type: string) => {
    saga.commit();
    await step('quick', 'keep the zone change', 'discardZoneBackup', { backupFile });
    t.status.error = reason;
    t.phase('not-retired', reason);
    return ApplicationFailure.nonRetryable(reason, type, t.status);
  };

  // The operator's handles: status, the glue signal (and its checking update), approval.
  setHandler(lbStatusQuery, () => t.status);
  let signals = 0;
  let polls = 0;
  let pollsStarted = 0;
  // Histories from before this patch judged a signal by a poll that may have begun before it.
  const POLL_AFTER_SIGNAL = 'glue-poll-after-signal';
  const recordSignal = (args?: GlueUpdatedArgs) => {
    signals++;
    const parents = t.status.glue?.parents ?? [];
    t.status.glue?.signals.push({ at: new Date(Date.now()).toISOString(), by: args?.by, note: args?.note, parentsServingNew: parents.filter((p) => p.serves === 'new').length, parents: parents.length });
    t.event(`glueUpdated${args?.by ? ` from ${args.by}` : ''} received; checking every parent now`);
  };
  setHandler(glueUpdatedSignal, (args) => {
    if (t.status.phase === 'glue' || t.status.phase === 'glue-revert') recordSignal(args);
    else t.event(`glueUpdated ignored: not waiting for the glue (phase ${t.status.phase})`);
  });
  setHandler(glueUpdatedCheck, async (args) => {
    recordSignal(args);
    // Answer with a poll that began after this request, not one already under way.
    const need = (patched(POLL_AFTER_SIGNAL) ? pollsStarted : polls) + 1;
    await condition(() => polls >= need || (t.status.phase !== 'glue' && t.status.phase !== 'glue-revert'));
    return t.status.glue!;
  }, {
    validator: (_args: GlueUpdatedArgs) => {
      if (t.status.phase !== 'glue' && t.status.phase !== 'glue-revert') throw new Error(`not waiting for a glue change (phase: ${t.status.phase})`);
    },
  });
  let decision: { approved: boolean; by?: string; reason?: string } | undefined;
  for (const [update, approved] of [[approveUpdate, true], [rejectUpdate, false]] as const) {
    setHandler(update, (d: ApprovalDecision) => {
      decision = { approved, by: d?.by, reason: d?.reason };
      return t.status as never; // the same update names as the NS deploy's; callers read `phase`
    }, {
      validator: (_d: ApprovalDecision) => {
        if (!t.status.approval?.pending) throw new Error(`no approval is pending (phase: ${t.status.phase})`);
      },
    });
  }

  /** Every parent, polled: UDP and TCP, RD=0. */
  const pollParents = async (change: GlueChange[]) => {
    pollsStarted++;
    const results = await Promise.all(input.parents.map((p) => step('quick', `delegation at ${p.address}`, 'readDelegation', { parent: p, domain: input.domain, transports: ['udp', 'tcp'] })));
    polls++;
    return { results, judged: results.map((r) => judgeParent(r, change)) };
  };

  /** Waits until every parent serves `want` ('new' or 'old'), showing progress; false on timeout. */
  const waitForParents = async (change: GlueChange[], want: 'new' | 'old'): Promise<boolean> => {
    const deadline = Date.now() + policies.glueTimeoutMs;
    const afterSignal = patched(POLL_AFTER_SIGNAL);
    let lastSignals = signals;
    for (;;) {
      // A signal that arrives while a poll is under way is judged by the next poll (at once).
      const signalsAtStart = signals;
      const { judged } = await pollParents(change);
      const counted = afterSignal ? signalsAtStart : signals;
      t.status.glue!.parents = judged;
      t.status.glue!.checkedAt = new Date(Date.now()).toISOString();
      const behind = judged.filter((p) => p.serves !== want);
      if (counted > lastSignals && behind.length > 0) {
        t.event(`signal received, but ${behind.length} of ${judged.length} parent(s) do not serve the ${want} glue yet: ${behind.map((p) => `${p.parent} ${p.serves} (${p.detail})`).join('; ')}`);
      }
      lastSignals = counted;
      t.render();
      if (behind.length === 0) return true;
      if (Date.now() >= deadline) return false;
      await condition(() => signals > lastSignals, Math.min(policies.glueCheckEveryMs, deadline - Date.now()), {
        summary: `check the parents again (${behind.length} of ${judged.length} not serving the ${want} glue)`,
      });
    }
  };

  try {
    // 1. Preflight: the live fleet, the zone, the delegation as every parent serves it.
    const live = await step('quick', `list fleet ${input.fleet}`, 'listInstances', linode, fleetTag(input.fleet));
    const byLabel = (label: string) => live.find((i) => i.label === label);
    const missing = [...input.nameservers, ...input.loadBalancers].filter((l) => !byLabel(l));
    if (missing.length > 0) throw ApplicationFailure.nonRetryable(`live fleet incomplete: no instance labelled ${missing.join(', ')} with tag ${fleetTag(input.fleet)}`, 'FleetMismatch');
    const leftovers = input.loadBalancers.map((l) => l + input.nextSuffix).filter((l) => byLabel(l));
    if (leftovers.length > 0) throw ApplicationFailure.nonRetryable(`${leftovers.join(', ')} already exist (an earlier replacement?): delete them first`, 'FleetMismatch');
    if (input.parents.length === 0) throw ApplicationFailure.nonRetryable('no parent servers in the config (`parents:`): the glue change cannot be checked', 'ConfigError');
    const oldLbs = input.loadBalancers.map((l) => byLabel(l)!);
    t.status.oldLbs = oldLbs.map(view);

    const check = await step('quick', `check zone ${input.domain}`, 'checkZone', { zoneFile: input.zoneFile, domain: input.domain });
    const atLbs = await step('quick', 'zone records pointing at the LBs', 'zoneRecordsAt', { zoneFile: input.zoneFile, domain: input.domain, addresses: oldLbs.map((l) => l.publicIPv4) });
    if (atLbs.length === 0) throw ApplicationFailure.nonRetryable(`no record of ${input.domain} points at ${oldLbs.map((l) => `${l.label} (${l.publicIPv4})`).join(', ')}: nothing to move`, 'ZoneMismatch');
    const zoneTtl = Math.max(...atLbs.map((r) => r.ttl));

    const before = await pollParents([]);
    const nsNames = before.results.flatMap((r) => r.views.flatMap((v) => v.nameservers));
    const glueNow = (name: string) => [...new Set(before.results.flatMap((r) => r.views.flatMap((v) => v.glue.filter((g) => g.name === name).map((g) => g.address))))].sort();
    const unreachable = before.results.filter((r) => r.views.some((v) => v.error));
    if (unreachable.length > 0) throw ApplicationFailure.nonRetryable(`parent server(s) did not answer: ${unreachable.map((r) => `${r.parent} (${r.views.find((v) => v.error)?.error})`).join('; ')}`, 'ParentUnreachable');
    const delegationTtlSeconds = delegationTtl(before.results);
    const drainMs = (delegationTtlSeconds + zoneTtl) * 1000 + policies.drainMarginMs;
    t.status.drain = { delegationTtlSeconds, zoneTtlSeconds: zoneTtl, marginMs: policies.drainMarginMs, totalMs: drainMs };
    t.event(`zone ${input.domain} serial ${check.serial}: ${atLbs.map((r) => `${r.name} ${r.type} ${r.address} TTL ${r.ttl}`).join(', ')}`);
    t.event(`delegation of ${input.domain} at ${input.parents.length} parent(s): NS ${[...new Set(nsNames)].join(', ')}, TTL ${delegationTtlSeconds}s; zone TTL of the moved records ${zoneTtl}s`);

    plan.push(
      ...input.loadBalancers.map((l) => `create ${l}${input.nextSuffix} and configure it (Ansible proxy) to the live nameservers`),
      'verify every record through each new LB',
      `move ${atLbs.map((r) => `${r.name} ${r.type}`).join(', ')} to the new LBs in ${input.zoneFile} (serial up) and serve it (NS blue-green deploy)`,
      'you change the glue at the registrar; the workflow checks every parent (RD=0, UDP and TCP) and waits until all serve it',
      `drain ${formatDuration(drainMs)} (delegation TTL ${delegationTtlSeconds}s + zone TTL ${zoneTtl}s + margin ${formatDuration(policies.drainMarginMs)}) from the moment all parents serve the new glue`,
      `prove the old LBs get at most ${policies.proof.maxQueries} queries in ${formatDuration(policies.proof.windowMs)}`,
      ...(policies.approval.beforeRetire ? [`wait up to ${formatDuration(policies.approval.timeoutMs)} for approval`] : []),
      `delete ${oldLbs.map((l) => l.label).join(', ')}, rename the new LBs to ${input.loadBalancers.join(', ')}`,
    );
    t.event(`plan: ${plan.length} steps`);
    if (input.dryRun) {
      t.phase('planned', 'dry run: nothing changed');
      return { outcome: 'planned', status: t.status, plan };
    }

    // 2. New LBs in parallel, idempotent; each undo registered before its create.
    t.phase('create', input.loadBalancers.map((l) => l + input.nextSuffix).join(', '));
    const spec = (label: string) => ({ label, region: input.linode.region, type: input.linode.type, image: input.linode.image, tags: [...input.linode.tags, fleetTag(input.fleet)], deployTag });
    let newLbs = await createNewInstances({
      saga, linode, spec, sshTo,
      labels: input.loadBalancers.map((l) => l + input.nextSuffix),
      bootTimeoutMs: policies.bootTimeoutMs, sshTimeoutMs: policies.sshTimeoutMs,
    });
    t.status.newLbs = newLbs.map(view);

    // 3. Configure them to the nameservers the live LBs use right now.
    t.phase('configure', 'Ansible proxy role');
    const upstreams = await step('quick', `read ${oldLbs[0].label} upstreams`, 'readUpstreams', sshTo(oldLbs[0]));
    await step('long', `Ansible proxy on ${newLbs.map((l) => l.label).join(', ')}`, 'runPlaybook', {
      playbook: 'proxy.yml',
      groups: { loadbalancers: newLbs.map((l) => ({ name: l.label, address: l.publicIPv4, vars: { proxy_listen_addresses: [l.publicIPv4] } })) },
      groupVars: { loadbalancers: { ...input.proxyVars, proxy_upstreams: upstreams } },
      privateKeyFile: input.ssh.privateKeyFile,
      knownHostsFile: input.ssh.knownHostsFile,
      user: input.ssh.user,
    });

    // 4. The whole zone through each new LB.
    t.phase('verify', 'every record through each new LB');
    const through = await Promise.all(newLbs.map((l) => step('long', `verify through ${l.label}`, 'compareZoneOnServer', { server: { address: l.publicIPv4 }, zone, transports: policies.gate.transports, concurrency: policies.gate.concurrency })));
    const bad = through.map((r, i) => ({ r, l: newLbs[i] })).filter(({ r }) => !r.ok);
    if (bad.length > 0) throw ApplicationFailure.nonRetryable(`verification through ${bad.map(({ l, r }) => `${l.label} (${r.differences.length} differences)`).join(', ')} failed`, 'VerifyFailed');
    t.event(`new LBs answer every record: ${through.map((r, i) => `${newLbs[i].label} ${r.recordsChecked} records`).join(', ')}`);

    // 5. The zone moves to the new LBs: the operator's zone file, then served by an NS deploy
    //    over all four LBs (the new ones must follow the nameservers too).
    t.phase('zone', `${atLbs.map((r) => r.name).join(', ')} → new LBs`);
    const moves = Object.fromEntries(oldLbs.map((l, i) => [l.publicIPv4, newLbs[i].publicIPv4]));
    const allLbs = [...input.loadBalancers, ...newLbs.map((l) => l.label)];
    const nsDeploy = (note: string): Promise<unknown> => {
      const child: NsDeployInput = {
        fleet: input.fleet, domain: input.domain, zoneFile: input.zoneFile, linode: input.linode, ssh: input.ssh,
        nameservers: input.nameservers, loadBalancers: allLbs, nextSuffix: input.nextSuffix, policies: input.nsDeployPolicies,
      };
      t.event(`NS deploy ${deployWorkflowId(input.fleet)} (child): ${note}`);
      return executeChild(nsBlueGreen, { workflowId: deployWorkflowId(input.fleet), args: [child], staticSummary: `NS deploy for ${workflowInfo().workflowId}: ${note}` });
    };
    let zoneServed = false;
    saga.add('restore the zone and wait out its TTLs', async () => {
      await step('quick', `restore ${input.zoneFile}`, 'restoreZoneFile', { zoneFile: input.zoneFile, backupFile });
      if (!zoneServed) return;
      await nsDeploy('serve the original zone again');
      // Resolvers may hold the new LBs' addresses (zone and glue) for the TTLs: keep the new LBs until then.
      await sleep(drainMs, { summary: `caches forget the new LBs' addresses before they go (${formatDuration(drainMs)})` });
    });
    const moved = await step('quick', `move ${Object.keys(moves).join(', ')} in ${input.zoneFile}`, 'moveZoneAddresses', { zoneFile: input.zoneFile, domain: input.domain, moves, backupFile });
    t.status.zone = { serialBefore: moved.serialBefore, serialAfter: moved.serialAfter, moved: moved.edits.map((e) => `${e.name} ${e.type} ${e.from} → ${e.to}`) };
    zoneServed = true; // from here on the servers may serve it, even if the deploy fails late
    await nsDeploy(`serve serial ${moved.serialAfter} (${moved.edits.length} record(s) moved to the new LBs)`);
    const everyLb = [...oldLbs, ...newLbs];
    const after = await Promise.all(everyLb.map((l) => step('long', `verify the new zone through ${l.label}`, 'compareZoneOnServer', { server: { address: l.publicIPv4 }, zone, transports: policies.gate.transports, concurrency: policies.gate.concurrency })));
    const stale = after.map((r, i) => ({ r, l: everyLb[i] })).filter(({ r }) => !r.ok);
    if (stale.length > 0) throw ApplicationFailure.nonRetryable(`the changed zone is not served through ${stale.map(({ l }) => l.label).join(', ')}`, 'VerifyFailed');
    t.event(`serial ${moved.serialAfter} served through all ${everyLb.length} LBs`);

    // 6. Human step: the glue at the registrar. The parents are the proof, not the signal.
    const change: GlueChange[] = [...new Set(nsNames)].sort().map((name) => ({ name, from: glueNow(name), to: glueNow(name).map((a) => moves[a] ?? a) }));
    const changing = change.filter((c) => c.from.join() !== c.to.join());
    if (changing.length === 0) throw ApplicationFailure.nonRetryable(`the delegation's glue (${change.map((c) => `${c.name} ${c.from.join(',')}`).join('; ')}) does not point at the old LBs: nothing to change at the registrar`, 'GlueMismatch');
    t.status.glue = { change: changing, parents: [], signals: [] };
    saga.add('change the glue back at the registrar', async () => {
      const now = await pollParents(changing);
      t.status.glue!.parents = now.judged;
      if (now.judged.every((p) => p.serves === 'old') && t.status.glue!.signals.length === 0) return;
      const back = changing.map((c) => ({ name: c.name, from: c.to, to: c.from }));
      t.phase('glue-revert', `change the glue back at the registrar: ${glueInstructions(input.domain, back)}`);
      if (!(await waitForParents(changing, 'old'))) {
        throw ApplicationFailure.nonRetryable(`the parents still serve the new glue after ${formatDuration(policies.glueTimeoutMs)}: the new LBs are kept`, 'GlueRevertTimedOut');
      }
      t.event('every parent serves the old glue again');
    }, { stopOnFailure: true });
    t.phase('glue', `change the glue at the registrar: ${glueInstructions(input.domain, changing)}`);
    if (!(await waitForParents(changing, 'new'))) {
      throw ApplicationFailure.nonRetryable(`the parents did not all serve the new glue within ${formatDuration(policies.glueTimeoutMs)}`, 'GlueTimedOut');
    }
    const allNewAt = Date.now();
    t.status.glue.allNewSince = new Date(allNewAt).toISOString();
    t.event(`every parent serves the new glue${signals === 0 ? ' (before any glueUpdated signal)' : ''}`);

    // 7. Drain: resolvers may use the old delegation for its TTL, plus the zone's own TTL.
    t.phase('drain', `until ${new Date(allNewAt + drainMs).toISOString()}`);
    t.status.drain.end = new Date(allNewAt + drainMs).toISOString();
    const drained = await extendableWait({
      label: `drain of ${oldLbs.map((l) => l.label).join(', ')}`,
      durationMs: Math.max(0, allNewAt + drainMs - Date.now()),
      maxTotalMs: policies.drainMaxMs,
      details: `Why this long: delegation TTL ${delegationTtlSeconds}s (observed at the parents) + zone TTL ${zoneTtl}s (${atLbs.map((r) => r.name).join(', ')}) + margin ${formatDuration(policies.drainMarginMs)}, counted from ${t.status.glue.allNewSince} when every parent served the new glue.`,
    });
    t.status.drain.end = drained.end;

    // 8. Proof: the old LBs go quiet, window after window, within a bound.
    t.phase('proof', `at most ${policies.proof.maxQueries} queries per ${formatDuration(policies.proof.windowMs)} at ${oldLbs.map((l) => l.label).join(', ')}`);
    t.status.proof = { windowMs: policies.proof.windowMs, maxQueries: policies.proof.maxQueries, attempts: 0 };
    const proofDeadline = Date.now() + policies.proof.maxWaitMs;
    for (;;) {
      const since = Date.now();
      await sleep(policies.proof.windowMs, { summary: `count queries at the old LBs for ${formatDuration(policies.proof.windowMs)}` });
      const counts = await Promise.all(oldLbs.map((l) => step('quick', `queries at ${l.label} since ${new Date(since).toISOString()}`, 'lbQueryCount', sshTo(l), { sinceEpochMs: since })));
      t.status.proof.attempts++;
      const busy = counts.map((c, i) => ({ c, l: oldLbs[i] })).filter(({ c }) => c.queries > policies.proof.maxQueries);
      t.status.proof.last = counts.map((c, i) => `${oldLbs[i].label}: ${c.queries} queries (udp ${c.udp}, tcp ${c.tcp})`).join(', ');
      if (busy.length === 0) break;
      t.event(`old LBs still get traffic: ${busy.map(({ c, l }) => `${l.label} ${c.queries} queries in ${formatDuration(policies.proof.windowMs)}`).join(', ')}; waiting`);
      if (Date.now() >= proofDeadline) {
        // Both sets serve correctly: leave them, say why, let the operator decide.
        throw await notRetired(`the old LBs still received queries after ${formatDuration(policies.proof.maxWaitMs)} of proof windows (${t.status.proof.last}); nothing retired, both LB sets keep serving`, 'TrafficNotStopped');
      }
    }
    t.status.proof.provenAt = new Date(Date.now()).toISOString();
    t.event(`old LBs quiet: ${t.status.proof.last}`);

    // 9. Optional approval, then retire and rename.
    if (policies.approval.beforeRetire) {
      t.status.approval = { pending: true, deadline: new Date(Date.now() + policies.approval.timeoutMs).toISOString() };
      t.phase('approval', `retire ${oldLbs.map((l) => l.label).join(', ')}?`);
      const decided = await condition(() => decision !== undefined, policies.approval.timeoutMs, { summary: `approval to retire (until ${t.status.approval.deadline})` });
      const go = decided ? decision!.approved : policies.approval.onTimeout === 'continue';
      t.status.approval = { pending: false, decision: !decided ? 'timed-out' : decision!.approved ? 'approved' : 'rejected', by: decision?.by, reason: decision?.reason };
      if (!go) {
        throw await notRetired(`retirement ${decided ? 'rejected' : 'not approved in time'}: both LB sets keep serving`, 'NotRetired');
      }
    }
    saga.commit();
    t.phase('retire', oldLbs.map((l) => l.label).join(', '));
    await Promise.all(oldLbs.map((l) => step('quick', `delete ${l.label}`, 'deleteInstance', linode, l.id)));
    t.status.oldLbs = [];
    t.phase('rename');
    newLbs = await Promise.all(newLbs.map((l, i) => step('quick', `rename ${l.label} to ${input.loadBalancers[i]}`, 'renameInstance', linode, l.id, input.loadBalancers[i])));
    t.status.newLbs = newLbs.map(view);
    await step('quick', 'keep the zone change', 'discardZoneBackup', { backupFile });
    t.phase('done', `${input.domain} delegated to ${newLbs.map((l) => `${l.label} ${l.publicIPv4}`).join(', ')}`);
    return { outcome: 'replaced', status: t.status, plan };
  } catch (err) {
    if (t.status.phase === 'not-retired') throw err;
    const message = reasonOf(err);
    t.status.error = isCancellation(err) ? 'aborted' : message;
    const undo = saga.pending;
    t.phase('rolling-back', undo.length ? undo.slice().reverse().join(', ') : 'nothing to undo');
    await saga.compensate((name, e) => t.event(e ? `undo failed: ${name}: ${reasonOf(e)}` : `undone: ${name}`));
    const left = saga.pending;
    t.phase(undo.length ? 'rolled-back' : 'failed', left.length ? `${t.status.error}; NOT undone (needs you): ${left.join(', ')}` : t.status.error);
    log.warn('LB replacement did not complete', { error: t.status.error });
    if (isCancellation(err)) throw err;
    throw ApplicationFailure.nonRetryable(`LB replacement ${undo.length ? 'rolled back' : 'failed'}: ${message}`, 'LbReplacementFailed', t.status);
  }
}
