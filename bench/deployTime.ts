// deploy-time: a full NS blue-green deploy on the lab with the emulator giving every instance a
// realistic provisioning + boot time, compared with (a) the slowest single new host's own path
// (create → running → SSH, then the Ansible run that configures it) and (b) the same steps run
// one host after another (what a serial script does), both read from the deploy's history.
import { nsDeployInput } from '../src/cli/deployInput';
import { nsBlueGreen } from '../src/workflows';
import type { Benchmark } from './lib/benchmark';
import { activitySpans, seconds } from './lib/history';
import { withLab } from './lib/labSession';

export interface DeployTimeOptions {
  provisioningMs: number;
  bootingMs: number;
  /** The deploy's soak (the policy wait after the cutover) in ms; the lab config's is 30 s. */
  soakMs: number;
  say: (s: string) => void;
}

export interface DeployTimeResult {
  provisioningMs: number;
  bootingMs: number;
  soakMs: number;
  deploySeconds: number;
  hostPaths: Record<string, { createToSshSeconds: number; configureSeconds: number; pathSeconds: number }>;
  slowestHostPathSeconds: number;
  ratioToSlowestHostPath: number;
  serialSeconds: number;
  ratioToSerial: number;
  otherStepsSeconds: number;
  outcome: string;
}

export async function deployTime(o: DeployTimeOptions): Promise<DeployTimeResult> {
  return withLab({ provisioningMs: o.provisioningMs, bootingMs: o.bootingMs, say: o.say }, async (s) => {
    const input = nsDeployInput({ ...s.cfg, policies: { ...s.cfg.policies, soak: o.soakMs } });
    const workflowId = `lab/deploy-time-${Date.now()}`;
    o.say(
      `NS deploy with provisioning ${o.provisioningMs} ms + boot ${o.bootingMs} ms per instance, soak ${o.soakMs} ms`,
    );
    const t0 = Date.now();
    const result = await s.env.client.workflow.execute(nsBlueGreen, {
      taskQueue: s.taskQueue,
      workflowId,
      args: [input],
    });
    const deploySeconds = (Date.now() - t0) / 1000;
    const history = await s.env.client.workflow.getHandle(workflowId).fetchHistory();
    const converter = s.env.client.options.loadedDataConverter;
    const decode = (p: unknown) => {
      const payloads = (p as { payloads?: unknown[] } | null)?.payloads ?? [];
      return payloads.map((x) => converter.payloadConverter.fromPayload(x as never));
    };
    const spans = activitySpans(history.events ?? [], decode);
    const first = seconds(history.events![0]);
    const last = seconds(history.events![history.events!.length - 1]);
    const labelOf = (a: unknown[]) => (a[1] as { label?: string } | undefined)?.label;
    const creates = spans.filter((x) => x.type === 'ensureInstance');
    const configure = spans.find((x) => x.type === 'runPlaybook')!;
    const hostPaths: DeployTimeResult['hostPaths'] = {};
    for (const c of creates) {
      const label = labelOf(c.args)!;
      const ssh = spans
        .filter((x) => x.type === 'waitForSsh' && (x.args[0] as { name?: string }).name === label)
        .pop()!;
      const createToSshSeconds = ssh.end! - c.start;
      const configureSeconds = configure.end! - configure.start;
      hostPaths[label] = {
        createToSshSeconds: round(createToSshSeconds),
        configureSeconds: round(configureSeconds),
        pathSeconds: round(createToSshSeconds + configureSeconds),
      };
    }
    const slowest = Math.max(...Object.values(hostPaths).map((h) => h.pathSeconds));
    // Serial: every host's create → SSH and its own Ansible run one after another, plus every
    // step that is not about one host (preflight, gate, cutover, soak, drain, retire).
    const hostSteps = Math.min(...creates.map((c) => c.start));
    const otherSteps = last - first - (configure.end! - hostSteps);
    const serial = Object.values(hostPaths).reduce((a, h) => a + h.pathSeconds, 0) + otherSteps;
    return {
      provisioningMs: o.provisioningMs,
      bootingMs: o.bootingMs,
      soakMs: o.soakMs,
      deploySeconds: round(deploySeconds),
      hostPaths,
      slowestHostPathSeconds: round(slowest),
      ratioToSlowestHostPath: round(deploySeconds / slowest, 3),
      serialSeconds: round(serial),
      ratioToSerial: round(deploySeconds / serial, 3),
      otherStepsSeconds: round(otherSteps),
      outcome: result.outcome,
    };
  });
}

const round = (n: number, digits = 1) => Number(n.toFixed(digits));

// Linode's own figures for a Nanode: about 30 s provisioning and 30–60 s boot.
const PARAMETERS = { provisioningMs: 30_000, bootingMs: 45_000, soakMs: 0 };

export const benchmark: Benchmark = {
  name: 'deploy-time',
  description:
    "Wall time of an NS deploy against the slowest new host's create + boot + configure path and a serial run of the same steps",
  async run(say) {
    const r = await deployTime({ ...PARAMETERS, say });
    return {
      parameters: PARAMETERS,
      figures: r,
      summary: `deploy ${r.deploySeconds} s = ${r.ratioToSlowestHostPath} × the slowest host path (${r.slowestHostPathSeconds} s), ${r.ratioToSerial} × serial (${r.serialSeconds} s)`,
    };
  },
};
