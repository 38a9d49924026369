// npm run lab:up — brings up the lab's starting fleet through the Linode emulator, shaped like a
// real one: lb1 + ns1 in us-east, lb2 + ns2 in eu-west (private addresses do not cross regions),
// serving example.test and shop.test, configured by the production Ansible roles; then the
// parents that delegate both zones and a resolver. Safe to run again: what exists is reused.
import execa from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { createLinodeActivities, type InstanceInfo, type LinodeTarget } from '../src/activities/linode';
import { readZoneDelegations } from '../src/activities/registrar';
import { fleetCreateInput } from '../src/cli/fleetCreateInput';
import { loadFleetConfig, type FleetConfig } from '../src/config';
import { fleetTag } from '../src/shared';
import type { HostRef, ZoneRef } from '../src/shared/shape';
import { buildFleet } from '../src/workflows/fleetCreate/build';
import { fleetPlaybook, lbUpstreams } from '../src/workflows/lib/fleetPlaybook';
import { alertReceiverUrl, startAlertReceiver } from './alertReceiver';
import { emulatorUrl, labToken, startEmulator } from './emulatorProcess';
import { createLabNetwork, listHosts } from './hosts';
import { labPaths } from './labPaths';
import { directBuildSteps } from './fleetBuild';
import { startParents, startResolver } from './parent';

export { fleetPlaybook, lbUpstreams };

const ROOT = path.resolve(__dirname, '..');
const say = (line: string) => process.stdout.write(line + '\n');

export const LAB_CONFIG = path.join(ROOT, 'config/lab.yaml');
export const BOOTSTRAP_TAG = 'lab-bootstrap';

async function ensureClientKey(cfg: Pick<FleetConfig, 'ssh'>): Promise<void> {
  if (fs.existsSync(cfg.ssh.privateKeyFile)) return;
  fs.mkdirSync(path.dirname(cfg.ssh.privateKeyFile), { recursive: true, mode: 0o700 });
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'nsdeploy-lab', '-f', cfg.ssh.privateKeyFile]);
}

/**
 * The lab serves working copies of zones/*.zone: an LB replacement moves example.test's ns1/ns2
 * records to the new LBs, as it edits the operator's zone file in production, and the copies in
 * the repository stay as they are. Every zone file of the config that is missing is made from
 * the template of the same name in zones/ (a fresh lab starts from the templates again). Reads
 * only `zones[].file` (or `zoneFile`), so it can run before the config is loaded and checked.
 */
export function ensureLabZones(configPath = LAB_CONFIG): string[] {
  const raw = (parse(fs.readFileSync(configPath, 'utf8')) ?? {}) as { zones?: { file?: string }[]; zoneFile?: string };
  const files = (raw.zones ? raw.zones.map((z) => z.file) : [raw.zoneFile])
    .filter((f): f is string => typeof f === 'string')
    .map((f) => path.resolve(path.dirname(configPath), f));
  for (const file of files) {
    if (fs.existsSync(file)) continue;
    const template = path.join(ROOT, 'zones', path.basename(file));
    if (!fs.existsSync(template))
      throw new Error(`zone file ${file} is missing and zones/ has no ${path.basename(file)}`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.copyFileSync(template, file);
  }
  return files;
}

/** The working copy of example.test, the lab's first zone (made with every other one). */
export function ensureLabZone(): string {
  ensureLabZones();
  return labPaths.zoneFile;
}

export function linodeTarget(cfg: Pick<FleetConfig, 'linode' | 'ssh'>): LinodeTarget {
  return {
    apiUrl: cfg.linode.apiUrl,
    tokenEnv: cfg.linode.tokenEnv,
    knownHostsFile: cfg.ssh.knownHostsFile,
    privateKeyFile: cfg.ssh.privateKeyFile,
  };
}

const instanceOf = (instances: InstanceInfo[], label: string): InstanceInfo => {
  const found = instances.find((i) => i.label === label);
  if (!found) throw new Error(`no live instance ${label}`);
  return found;
};

/**
 * What the parents delegate, read from the zones themselves (as `fleet create`'s registrar step
 * shows it): example.test: ns1/ns2 with glue; shop.test: NS ns1/ns2.example.test, no glue of its own.
 */
export const labDelegations = (zones: ZoneRef[]) => readZoneDelegations(zones);

/** dig through `server` (optionally from inside a lab host's netns): the answer section, or null. */
async function digSoa(server: string, zone: string, options: string[], netns?: string): Promise<string | null> {
  const args = [`@${server}`, zone, 'SOA', '+time=2', '+tries=2', ...options];
  const result = netns
    ? await execa('ip', ['netns', 'exec', netns, 'dig', ...args], { reject: false })
    : await execa('dig', args, { reject: false });
  return result.exitCode === 0 && result.stdout.trim() ? result.stdout : null;
}

async function main(): Promise<void> {
  ensureLabZones();
  const cfg = loadFleetConfig(LAB_CONFIG);
  process.env[cfg.linode.tokenEnv] = labToken();
  await ensureClientKey(cfg);

  // A realistic provisioning + boot time for the deploy-time benchmark (bench/deployTime.ts).
  const ms = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  const emu = await startEmulator({ provisioningMs: ms('LAB_PROVISIONING_MS'), bootingMs: ms('LAB_BOOTING_MS') });
  say(`Linode emulator ${emu.started ? 'started' : 'already running'} (pid ${emu.pid}) at ${emulatorUrl()}/v4`);
  const alerts = await startAlertReceiver();
  say(
    `Alert receiver ${alerts.started ? 'started' : 'already running'} (pid ${alerts.pid}) at ${alertReceiverUrl()} ` +
      '(monitor.webhookUrl; alerts in .lab/alerts.jsonl)',
  );

  if (process.argv.includes('--no-fleet')) {
    // An empty account for `nsdeploy fleet create` (the phoenix drill, its e2e test): the lab
    // network, parents and resolver, and no instance.
    await createLabNetwork({ stateDir: labPaths.hostsState });
    const { delegations, glue } = await labDelegations(cfg.zones);
    const parentState = { stateDir: labPaths.parentState, addresses: cfg.parents.map((p) => p.address) };
    const parents = await startParents({ ...parentState, zones: delegations, glue });
    await startResolver({ stateDir: labPaths.resolverState, parents: parents.map((p) => p.address) });
    say(`Lab up without a fleet: parents ${parents.map((p) => p.address).join(' ')}; build it with`);
    say(`  LINODE_TOKEN=$(cat .lab/linode-token) npm run fleet-create -- --config config/lab.yaml`);
    return;
  }

  const linode = createLinodeActivities({ pollMs: 250 });
  const target = linodeTarget(cfg);
  const wanted: HostRef[] = [...cfg.loadBalancers, ...cfg.nameservers];
  const live = await linode.listInstances(target, fleetTag(cfg.fleet));
  let lbs: InstanceInfo[];
  let ns: InstanceInfo[];
  if (wanted.every((h) => live.some((i) => i.label === h.label && i.status === 'running'))) {
    // The fleet exists (perhaps already redeployed by nsdeploy): leave it as it is.
    lbs = cfg.loadBalancers.map((h) => instanceOf(live, h.label));
    ns = cfg.nameservers.map((h) => instanceOf(live, h.label));
    say(`Fleet already up: ${[...lbs, ...ns].map((i) => `${i.label} ${i.publicIPv4}`).join(', ')}`);
  } else {
    // The fleet create workflow's own steps, with its activities called directly (no Temporal
    // server here), so every lab exercises the production path.
    say(
      `Building the fleet as \`nsdeploy fleet create\` does (site.yml: ${cfg.zones.map((z) => z.domain).join(', ')})…`,
    );
    fs.mkdirSync(labPaths.ansibleLogs, { recursive: true });
    const input = fleetCreateInput(cfg);
    const built = await buildFleet(
      input,
      directBuildSteps(input, { say, ansibleLog: path.join(labPaths.ansibleLogs, 'lab-up.log') }),
    );
    lbs = built.lbs;
    ns = built.nameservers;
  }

  // Every zone through every LB, UDP and TCP, answered by one of the LB's own upstreams (NSID).
  for (const lbRef of cfg.loadBalancers) {
    const lb = instanceOf(lbs, lbRef.label);
    for (const zone of cfg.zones) {
      for (const transport of ['+notcp', '+tcp']) {
        const out = await digSoa(lb.publicIPv4, zone.domain, [transport, '+nsid', '+norec']);
        const nsid = out && /NSID: .*\("([^"]*)"\)/.exec(out)?.[1];
        if (!out || !/\sIN\s+SOA\s/.test(out))
          throw new Error(
            `no SOA of ${zone.domain} through ${lb.label} (${lb.publicIPv4}) ${transport}: ${out ?? 'no answer'}`,
          );
        if (nsid && !lbRef.upstreams.includes(nsid))
          throw new Error(
            `${lb.label} answered for ${zone.domain} from ${nsid}, not from ${lbRef.upstreams.join('/')}`,
          );
      }
    }
  }
  // The regions are apart: from each LB, a nameserver of another region on its private address
  // gets no answer (an LB mapped there would fail visibly), as on Linode.
  const hosts = listHosts({ stateDir: labPaths.hostsState });
  const isolation: string[] = [];
  for (const lbRef of cfg.loadBalancers) {
    const lb = instanceOf(lbs, lbRef.label);
    const netns = hosts.find((h) => h.addresses.includes(lb.publicIPv4))?.netns;
    for (const other of cfg.nameservers.filter((n) => n.region !== lbRef.region)) {
      const address = instanceOf(ns, other.label).privateIPv4;
      if (!netns || !address) continue;
      const out = await digSoa(address, cfg.zones[0].domain, ['+time=1', '+tries=1'], netns);
      if (out)
        throw new Error(
          `${lb.label} (${lbRef.region}) reaches ${other.label} (${other.region}) at its private ${address}`,
        );
      isolation.push(`${lb.label} (${lbRef.region}) -/-> ${other.label} ${address} (${other.region})`);
    }
  }

  // The TLD's parent servers delegate every zone, with glue for the in-bailiwick NS names (as the
  // zone's ns1/ns2 records: the LBs), and a resolver follows them. Left as they are when running
  // with the same zones: the registrar may have changed the glue.
  const { delegations, glue } = await labDelegations(cfg.zones);
  const lbAddresses = lbs.map((i) => i.publicIPv4);
  for (const [name, addresses] of Object.entries(glue))
    for (const a of addresses)
      if (!lbAddresses.includes(a)) say(`Note: ${name} ${a} in the zone is not a live LB (${lbAddresses.join(', ')})`);
  const parents = await startParents({
    stateDir: labPaths.parentState,
    addresses: cfg.parents.map((p) => p.address),
    zones: delegations,
    glue,
  });
  const resolver = await startResolver({ stateDir: labPaths.resolverState, parents: parents.map((p) => p.address) });

  say('');
  say(
    `Lab fleet is up: ${wanted
      .map((h) => {
        const i = instanceOf([...lbs, ...ns], h.label);
        return `${h.label}=${i.publicIPv4} (${h.region}, private ${i.privateIPv4})`;
      })
      .join(' ')}`,
  );
  say(`Regions apart: ${isolation.join('; ') || 'one region only'}`);
  say('Query it through each load balancer (it forwards to the nameservers of its region):');
  for (const lbRef of cfg.loadBalancers) {
    const lb = instanceOf(lbs, lbRef.label);
    for (const zone of cfg.zones)
      say(
        `  dig @${lb.publicIPv4} ${zone.domain} SOA +nsid     ` +
          `(${lbRef.label} → ${lbRef.upstreams.join(', ')}; add +tcp)`,
      );
  }
  const served = parents[0].served;
  say(
    `Parent servers of .${parents.length ? cfg.zones[0].domain.split('.').slice(1).join('.') : '?'}: ` +
      `${parents.map((p) => `${p.name}=${p.address}`).join(' ')}; ` +
      `${Object.entries(served.zones)
        .map(([z, names]) => `${z} NS ${names.join(',')}`)
        .join('; ')}; glue ${Object.entries(served.glue)
        .map(([n, a]) => `${n}=${a.join(',')}`)
        .join(' ')} (TTL ${served.ttl} s)`,
  );
  for (const zone of cfg.zones)
    say(`  dig @${parents[0].address} ${zone.domain} NS +norec      (npm run lab:registrar -- show | set-glue …)`);
  say(`Recursive resolver (unbound) at ${resolver.address}:`);
  for (const zone of cfg.zones) say(`  dig @${resolver.address} www.${zone.domain}`);
  say(
    `SSH (pinned host keys): ssh -i ${path.relative(ROOT, cfg.ssh.privateKeyFile)} ` +
      `-o UserKnownHostsFile=${path.relative(ROOT, cfg.ssh.knownHostsFile)} root@${ns[0].publicIPv4}`,
  );
  say('Status: npm run lab:status    Tear down: npm run lab:down');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`lab:up failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
