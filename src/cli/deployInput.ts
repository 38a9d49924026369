// Turns a fleet config into the NS deploy's workflow input: names, paths and policies only
// (secrets stay in the worker's environment and key files).
import type { FleetConfig } from '../config';
import type { FleetSpec, NsDeployInput } from '../shared';

/** The fleet part every change's input extends (FleetSpec): zones, hosts, and how to reach them. */
export function fleetSpecOf(cfg: FleetConfig): FleetSpec {
  return {
    fleet: cfg.fleet,
    zones: cfg.zones,
    linode: {
      apiUrl: cfg.linode.apiUrl,
      tokenEnv: cfg.linode.tokenEnv,
      region: cfg.linode.region,
      type: cfg.linode.type,
      image: cfg.linode.image,
      tags: cfg.linode.tags,
    },
    ssh: { user: cfg.ssh.user, privateKeyFile: cfg.ssh.privateKeyFile, knownHostsFile: cfg.ssh.knownHostsFile },
    nameservers: cfg.nameservers,
    loadBalancers: cfg.loadBalancers,
    nextSuffix: cfg.nextSuffix,
    firewall: cfg.firewall,
  };
}

export function nsDeployInput(
  cfg: FleetConfig,
  opts: { dryRun?: boolean; approveBeforeCutover?: boolean } = {},
): NsDeployInput {
  const p = cfg.policies;
  return {
    ...fleetSpecOf(cfg),
    policies: {
      approval: {
        beforeCutover: opts.approveBeforeCutover ?? p.approval.beforeCutover,
        timeoutMs: p.approval.timeout,
        onTimeout: p.approval.onTimeout,
      },
      zoneChecks: { rfc2181: p.zoneChecks.rfc2181 },
      soakMs: p.soak,
      cutover: { canaryLbs: p.cutover.canaryLbs },
      gate: { transports: p.gate.transports, concurrency: p.gate.concurrency },
      oldServersMaxMs: p.drain.oldServersMax,
      bootTimeoutMs: p.bootTimeout,
      sshTimeoutMs: p.sshTimeout,
    },
    dryRun: opts.dryRun,
  };
}
