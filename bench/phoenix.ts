// phoenix: the whole fleet from an empty emulator account to every zone served through every LB
// (`fleet create`, with realistic provisioning + boot times), against the slowest single host's
// own path in the same run: its create → running → SSH, then the Ansible run that configures it
// (read from the workflow's history, as deploy-time does).
import { fleetCreateInput } from '../src/cli/fleetCreateInput';
import { fleetCreate } from '../src/workflows';
import { activitySpans, seconds } from './lib/history';
import type { Benchmark } from './lib/benchmark';
import { withLab } from './lib/labSession';

// Linode's own figures for a Nanode: about 30 s provisioning and 30–60 s boot (as deploy-time).
const PARAMETERS = { provisioningMs: 30_000, bootingMs: 45_000 };
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

export async function phoenix(say: (s: string) => void) {
  const opts = { ...PARAMETERS, labUpArgs: ['--', '--no-fleet'], say };
  return withLab(opts, async (s) => {
    const workflowId = `lab/fleet-create-phoenix-${Date.now()}`;
    say(
      `fleet create from an empty account (provisioning ${PARAMETERS.provisioningMs} ms + boot ${PARAMETERS.bootingMs} ms)`,
    );
    const t0 = Date.now();
    const result = await s.env.client.workflow.execute(fleetCreate, {
      taskQueue: s.taskQueue,
      workflowId,
      args: [fleetCreateInput(s.cfg)],
    });
    const wallSeconds = (Date.now() - t0) / 1000;
    const history = await s.env.client.workflow.getHandle(workflowId).fetchHistory();
    const converter = s.env.client.options.loadedDataConverter;
    const decode = (p: unknown) =>
      ((p as { payloads?: unknown[] } | null)?.payloads ?? []).map((x) =>
        converter.payloadConverter.fromPayload(x as never),
      );
    const spans = activitySpans(history.events ?? [], decode);
    const configure = spans.find((x) => x.type === 'runPlaybook')!;
    const configureSeconds = configure.end! - configure.start;
    const hostPaths: Record<string, { createToSshSeconds: number; configureSeconds: number; pathSeconds: number }> = {};
    for (const c of spans.filter((x) => x.type === 'ensureInstance')) {
      const label = (c.args[1] as { label: string }).label;
      const ssh = spans
        .filter((x) => x.type === 'waitForSsh' && (x.args[0] as { name?: string }).name === label)
        .pop()!;
      const createToSsh = ssh.end! - c.start;
      hostPaths[label] = {
        createToSshSeconds: round(createToSsh),
        configureSeconds: round(configureSeconds),
        pathSeconds: round(createToSsh + configureSeconds),
      };
    }
    const slowest = Math.max(...Object.values(hostPaths).map((h) => h.pathSeconds));
    const events = history.events ?? [];
    return {
      ...PARAMETERS,
      wallSeconds: round(wallSeconds),
      workflowSeconds: round(seconds(events[events.length - 1]) - seconds(events[0])),
      hostPaths,
      slowestHostPathSeconds: round(slowest),
      ratioToSlowestHostPath: round(wallSeconds / slowest, 3),
      instances: Object.keys(hostPaths).length,
      zones: s.cfg.zones.map((z) => z.domain),
      phase: result.status.phase,
    };
  });
}

export const benchmark: Benchmark = {
  name: 'phoenix',
  description:
    'Wall time of `fleet create` from an empty account to every zone through every LB, against the slowest host path',
  async run(say) {
    const r = await phoenix(say);
    return {
      parameters: PARAMETERS,
      figures: r,
      summary:
        `fleet of ${r.instances} from nothing in ${r.wallSeconds} s = ${r.ratioToSlowestHostPath} × ` +
        `the slowest host path (${r.slowestHostPathSeconds} s)`,
    };
  },
};
