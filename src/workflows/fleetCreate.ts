// `nsdeploy fleet create`: the whole fleet the config describes, in an account that may be empty
// (firewalls, every LB and nameserver, the roles, every record verified through each LB), then
// the registrar step: the NS and glue records to publish, and, when parents are configured, the
// wait until every parent serves the delegation. Idempotent: a re-run after a failure continues
// with what exists (an instance with its label and the fleet tag) and changes nothing else.
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import {
  fleetCreateStatusQuery,
  hostView,
  type FleetCreateInput,
  type FleetCreateResult,
  type GlueChange,
} from '../shared';
import { formatDuration } from '../shared/duration';
import { buildFleet, type FleetBuildSteps } from './fleetCreate/build';
import { FleetCreateTracker } from './fleetCreate/tracker';
import { GlueWatch } from './lbReplacement/glueWatch';
import { fleetContext, type FleetContext } from './lib/fleetContext';
import { syncFleetFirewalls } from './lib/firewalls';
import { glueInstructions } from './lib/glue';
import { step, waitingUpTo, whole } from './lib/steps';
import { verifyThrough, viaPublic } from './lib/verify';

function workflowSteps(ctx: FleetContext, input: FleetCreateInput, t: FleetCreateTracker): FleetBuildSteps {
  const { bootTimeoutMs, sshTimeoutMs, gate } = input.policies;
  const event = (line: string) => t.event(line);
  return {
    checkRegions: (regions) =>
      step('quick', `check regions ${regions.join(', ')}`, 'checkRegions', ctx.linode, regions),
    syncFirewalls: (why) => syncFleetFirewalls(ctx, input, why, event),
    ensureInstance: async (spec) => {
      const made = await whole(() =>
        step('quick', `create ${spec.label} in ${spec.region}`, 'ensureInstance', ctx.linode, spec),
      );
      const list = input.loadBalancers.some((l) => l.label === made.label) ? t.status.lbs : t.status.nameservers;
      list.push(hostView(made));
      t.render();
      return made;
    },
    waitForRunning: (i) =>
      step(
        waitingUpTo(bootTimeoutMs),
        `wait until ${i.label} runs (up to ${formatDuration(bootTimeoutMs)})`,
        'waitForRunning',
        ctx.linode,
        i.id,
        bootTimeoutMs,
      ),
    waitForSsh: (i) =>
      step(
        waitingUpTo(sshTimeoutMs),
        `SSH to ${i.label} with its pinned key (up to ${formatDuration(sshTimeoutMs)})`,
        'waitForSsh',
        ctx.sshTo(i),
        sshTimeoutMs,
      ),
    runPlaybook: (run) => step('long', 'Ansible site.yml: common, nameserver, proxy', 'runPlaybook', run),
    verifyThroughLb: (lb) => verifyThrough(ctx, viaPublic(lb), gate, 'every record'),
    event,
    fail: (message, type) => ApplicationFailure.nonRetryable(message, type),
  };
}

export async function fleetCreate(input: FleetCreateInput): Promise<FleetCreateResult> {
  const t = new FleetCreateTracker(input.fleet);
  const ctx = fleetContext(input);
  setHandler(fleetCreateStatusQuery, () => t.status);
  const glue = new GlueWatch(t, input);
  try {
    t.phase('build', [...input.loadBalancers, ...input.nameservers].map((h) => `${h.label} (${h.region})`).join(', '));
    const built = await buildFleet(input, workflowSteps(ctx, input, t));
    t.status.lbs = built.lbs.map(hostView);
    t.status.nameservers = built.nameservers.map(hostView);

    // The registrar step: what to publish, read from the zones; the parents are the proof.
    const d = await step('quick', 'NS and glue records of every zone', 'zoneDelegations', input.zones);
    t.status.registrar = [
      ...d.delegations.map((z) => `${z.domain} NS ${z.nameservers.join(' ')}`),
      ...Object.entries(d.glue).map(([name, addresses]) => `glue ${name} ${addresses.join(' ')}`),
    ];
    const lbAddresses = built.lbs.map((l) => l.publicIPv4);
    const stray = Object.entries(d.glue).flatMap(([n, as]) =>
      as.filter((a) => !lbAddresses.includes(a)).map((a) => `${n} ${a}`),
    );
    if (stray.length > 0)
      t.event(`note: the zones' glue names addresses that are no live LB (${stray.join(', ')}): edit the zone first`);
    const change: GlueChange[] = Object.entries(d.glue).map(([name, to]) => ({ name, from: [], to }));
    if (input.parents.length === 0 || change.length === 0) {
      t.phase('done', `publish at your registrar: ${t.status.registrar.join('; ')}`);
      return { outcome: 'created', status: t.status, plan: t.status.registrar ?? [] };
    }
    const withGlue = input.zones.map((z) => z.domain).filter((z) => change.some((c) => c.name.endsWith(`.${z}`)));
    glue.watchOnly(withGlue);
    t.status.glue = { change, parents: [], signals: [] };
    t.phase(
      'glue',
      `publish at your registrar: ${t.status.registrar.join('; ')}; ${glueInstructions(withGlue, change)}`,
    );
    if (!(await glue.waitFor(change, 'new'))) {
      const within = formatDuration(input.policies.glueTimeoutMs);
      throw ApplicationFailure.nonRetryable(`the parents did not all serve the glue within ${within}`, 'GlueTimedOut');
    }
    t.phase('done', 'every parent serves the delegation with the glue');
    return { outcome: 'created', status: t.status, plan: t.status.registrar ?? [] };
  } catch (err) {
    t.status.error = err instanceof Error ? err.message : String(err);
    t.phase('failed', t.status.error);
    throw err;
  }
}
