// The fleet create workflow's build steps (src/workflows/fleetCreate/build.ts) with its
// activities called directly, for lab:up and anything else that builds a fleet without a
// Temporal server: the same activities, in the same order, as `nsdeploy fleet create`.
import { createAnsibleActivities } from '../src/activities/ansible';
import { createDnsActivities } from '../src/activities/dns';
import { createFirewallActivities } from '../src/activities/firewall';
import { createLinodeActivities, type LinodeTarget } from '../src/activities/linode';
import { createSshActivities } from '../src/activities/ssh';
import type { FleetCreateInput } from '../src/shared';
import type { FleetBuildSteps } from '../src/workflows/fleetCreate/build';
import { roleLabels } from '../src/workflows/lib/firewalls';

export function directBuildSteps(
  input: FleetCreateInput,
  opts: { say: (line: string) => void; ansibleLog?: string; pollMs?: number },
): FleetBuildSteps {
  const linode = createLinodeActivities({ pollMs: opts.pollMs ?? 250 });
  const firewall = createFirewallActivities();
  const ssh = createSshActivities();
  const dns = createDnsActivities();
  const ansible = createAnsibleActivities();
  const { user, privateKeyFile, knownHostsFile } = input.ssh;
  const target: LinodeTarget = {
    apiUrl: input.linode.apiUrl,
    tokenEnv: input.linode.tokenEnv,
    knownHostsFile,
    privateKeyFile,
  };
  const { bootTimeoutMs, sshTimeoutMs, gate } = input.policies;
  return {
    checkRegions: (regions) => linode.checkRegions(target, regions),
    syncFirewalls: async (why) => {
      if (!input.firewall) return undefined;
      const result = await firewall.syncFirewalls(target, {
        fleet: input.fleet,
        workerAddresses: input.firewall.workerAddresses,
        labels: roleLabels(input),
      });
      for (const change of result.changes) opts.say(`  ${change} (${why})`);
      return result.ids;
    },
    ensureInstance: (spec) => linode.ensureInstance(target, spec),
    waitForRunning: (i) => linode.waitForRunning(target, i.id, bootTimeoutMs),
    waitForSsh: (i) =>
      ssh.waitForSsh({ address: i.publicIPv4, name: i.label, user, privateKeyFile, knownHostsFile }, sshTimeoutMs),
    runPlaybook: async (run) => {
      const result = await ansible.runPlaybook({ ...run, logFile: opts.ansibleLog });
      opts.say(
        `  Ansible ${run.playbook}: ${Object.entries(result.recap)
          .map(([h, r]) => `${h} changed=${r.changed}`)
          .join(', ')} (log ${result.logFile})`,
      );
      return result;
    },
    verifyThroughLb: (lb) =>
      dns.compareZoneOnServer({
        server: { address: lb.publicIPv4 },
        zones: input.zones.map((z) => ({ origin: z.domain, file: z.file })),
        transports: gate.transports,
        concurrency: gate.concurrency,
      }),
    event: (line) => opts.say(`  ${line}`),
    fail: (message) => new Error(message),
  };
}
