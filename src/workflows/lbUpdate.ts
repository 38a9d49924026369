// The in-place LB update, as a runbook: the repo's proxy role (plus the config's proxyVars)
// applied to one live LB at a time — planned with --check --diff, applied (the role validates
// every file with nginx -t before it replaces the live one, then reloads), and verified by
// asking the whole zone through that LB before the next LB is touched. The first failure
// stops the update: the LBs after it are not touched, and the report names the LB and task.
import { ApplicationFailure, isCancellation, log, setHandler } from '@temporalio/workflow';
import {
  hostView,
  lbUpdateStatusQuery,
  type LbUpdateInput,
  type LbUpdateResult,
  type LbUpdateView,
  type LegacyLbUpdateInput,
} from '../shared';
import { legacyZones } from './lib/shape';
import { reasonOf } from './lib/failures';
import { fleetContext } from './lib/fleetContext';
import { liveFleet } from './lib/preflight';
import { step } from './lib/steps';
import { verifyThrough, viaPublic } from './lib/verify';
import { upstreamKey } from '../hosts/upstream';
import { proxyPlaybook, requireAsBefore, summarize, upstreamList } from './lbUpdate/steps';
import { LbUpdateTracker } from './lbUpdate/tracker';

export async function lbUpdate(given: LbUpdateInput | LegacyLbUpdateInput): Promise<LbUpdateResult> {
  const input: LbUpdateInput = 'zoneFile' in given ? { ...given, zones: legacyZones(given) } : given;
  const t = new LbUpdateTracker(input.fleet, input.loadBalancers);
  setHandler(lbUpdateStatusQuery, () => t.status);
  const ctx = fleetContext(input);
  const views = t.status.lbUpdates;
  let current: LbUpdateView | undefined;

  try {
    // 1. Preflight: the live LBs, and the upstreams each one has now (the update keeps them).
    const live = await liveFleet(ctx, input.loadBalancers);
    const lbs = input.loadBalancers.map(live.get);
    t.status.loadBalancers = lbs.map(hostView);
    const readUpstreams = (lb: (typeof lbs)[number]) =>
      step('quick', `read ${lb.label} upstreams`, 'readUpstreams', ctx.sshTo(lb));
    const upstreams = await Promise.all(lbs.map(readUpstreams));
    lbs.forEach((lb, i) => {
      views[i].publicIPv4 = lb.publicIPv4;
      views[i].upstreams = upstreams[i].map(upstreamKey);
      const ours = (a: string) => live.all.some((x) => x.privateIPv4 === a || x.publicIPv4 === a);
      const strangers = upstreams[i].filter((u) => !ours(u.address));
      if (strangers.length === 0) return;
      t.event(
        `note: ${lb.label} points at ${upstreamList(strangers)}, not an instance of the fleet; the update keeps it`,
      );
    });
    const vars = Object.keys(input.proxyVars);
    const order = lbs.map((l) => l.label).join(', ');
    t.event(`${lbs.length} LB(s) to update in order: ${order}${vars.length ? `; proxyVars ${vars.join(', ')}` : ''}`);

    for (const [i, lb] of lbs.entries()) {
      current = views[i];
      // 2. The LB still has the upstreams read at the start: nothing else is changing it.
      const now = await readUpstreams(lb);
      if (upstreamList(now) !== upstreamList(upstreams[i])) {
        const change = `${upstreamList(upstreams[i])} → ${upstreamList(now)}`;
        const why =
          `${lb.label}'s upstreams changed during the update (${change}): ` +
          `is another change of fleet ${input.fleet} running?`;
        throw ApplicationFailure.nonRetryable(why, 'LbChanged');
      }

      // 3. Plan: what the role would change on this LB, shown before anything changes.
      t.phase('plan', lb.label);
      const planRun = proxyPlaybook(input, lbs, upstreams, lb, true);
      const plan = await step('long', `plan proxy on ${lb.label} (--check --diff)`, 'runPlaybook', planRun);
      Object.assign(current, { plannedChanges: plan.changed, plan: plan.diff ?? '', state: 'planned' });
      t.event(`plan ${lb.label}: ${plan.changed} change(s)${plan.changed ? `: ${summarize(plan.diff)}` : ''}`);
      if (input.dryRun) continue;

      // 4. Baseline through this LB, then apply. A config nginx refuses fails its task before the
      //    live file is replaced, and nginx keeps serving the old one.
      const before = await verifyThrough(ctx, viaPublic(lb), input.verify, 'baseline');
      t.phase('apply', lb.label);
      current.state = 'applying';
      const applyRun = proxyPlaybook(input, lbs, upstreams, lb, false);
      const applied = await step('long', `apply proxy on ${lb.label}`, 'runPlaybook', applyRun);
      t.event(`applied on ${lb.label}: ${applied.changed} change(s)`);

      // 5. Verify through this LB: answers as good as before, from the same nameservers.
      t.phase('verify', lb.label);
      current.state = 'verifying';
      const after = await verifyThrough(ctx, viaPublic(lb), input.verify, 'verify');
      const kept = await readUpstreams(lb);
      requireAsBefore(lb, { before, after, upstreams: upstreams[i], kept });
      current.state = applied.changed > 0 ? 'updated' : 'unchanged';
      const by = after.nsids.join(', ') || '?';
      t.event(
        `${lb.label} verified: ${after.recordsChecked} records over ${after.transports.join('+')}, answered by ${by}`,
      );
      current = undefined;
    }

    if (input.dryRun) {
      const planned = views.map((v) => `${v.label} ${v.plannedChanges} change(s)`).join(', ');
      t.phase('planned', `dry run: ${planned}; nothing changed`);
      return { outcome: 'planned', status: t.status };
    }
    t.phase('done', `${views.map((v) => `${v.label} ${v.state}`).join(', ')}`);
    return { outcome: 'updated', status: t.status };
  } catch (err) {
    const message = reasonOf(err);
    t.status.error = isCancellation(err) ? 'aborted' : message;
    if (current) Object.assign(current, { state: 'failed', error: message });
    for (const v of views) if (v.state === 'pending') v.state = 'untouched';
    const untouched = views.filter((v) => v.state === 'untouched').map((v) => v.label);
    const at = current ? ` at ${current.label}` : '';
    const notTouched = untouched.length ? `; not touched: ${untouched.join(', ')}` : '';
    t.phase('failed', `${current ? `stopped at ${current.label}` : 'stopped before any LB'}${notTouched}`);
    log.warn('LB update stopped', { error: t.status.error });
    if (isCancellation(err)) throw err;
    const untouchedNote = untouched.length ? ` (${untouched.join(', ')} not touched)` : '';
    throw ApplicationFailure.nonRetryable(
      `LB update stopped${at}: ${message}${untouchedNote}`,
      'LbUpdateFailed',
      t.status,
    );
  }
}
