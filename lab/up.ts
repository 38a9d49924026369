// npm run lab:up — brings up the lab's starting fleet (lb1, lb2, ns1, ns2 for example.test)
// through the Linode emulator, configured by the production Ansible roles, and shows how to
// query it. Safe to run again: what exists is reused.
import execa from 'execa';
import fs from 'node:fs';
import path from 'node:path';
import { createAnsibleActivities } from '../src/activities/ansible';
import { createLinodeActivities, type InstanceInfo, type LinodeTarget } from '../src/activities/linode';
import { loadFleetConfig, type FleetConfig } from '../src/config';
import { fleetTag } from '../src/shared';
import { alertReceiverUrl, startAlertReceiver } from './alertReceiver';
import { emulatorUrl, labToken, startEmulator } from './emulatorProcess';
import { labPaths } from './labPaths';
import { startParents, startResolver } from './parent';

const ROOT = path.resolve(__dirname, '..');
const say = (line: string) => process.stdout.write(line + '\n');

export const LAB_CONFIG = path.join(ROOT, 'config/lab.yaml');
export const BOOTSTRAP_TAG = 'lab-bootstrap';

async function ensureClientKey(cfg: FleetConfig): Promise<void> {
  if (fs.existsSync(cfg.ssh.privateKeyFile)) return;
  fs.mkdirSync(path.dirname(cfg.ssh.privateKeyFile), { recursive: true, mode: 0o700 });
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'nsdeploy-lab', '-f', cfg.ssh.privateKeyFile]);
}

/**
 * The lab serves a working copy of zones/example.test.zone: an LB replacement moves its ns1/ns2
 * records to the new LBs, as it edits the operator's zone file in production, and the copy in
 * the repository stays as it is. A fresh lab starts from the template again.
 */
export function ensureLabZone(): string {
  if (!fs.existsSync(labPaths.zoneFile)) {
    fs.mkdirSync(path.dirname(labPaths.zoneFile), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'zones/example.test.zone'), labPaths.zoneFile);
  }
  return labPaths.zoneFile;
}

export function linodeTarget(cfg: FleetConfig): LinodeTarget {
  return {
    apiUrl: cfg.linode.apiUrl,
    tokenEnv: cfg.linode.tokenEnv,
    knownHostsFile: cfg.ssh.knownHostsFile,
    privateKeyFile: cfg.ssh.privateKeyFile,
  };
}

/** Inventory groups for the live fleet: nameservers on their private addresses behind the LBs. */
export function fleetPlaybook(cfg: FleetConfig, ns: InstanceInfo[], lbs: InstanceInfo[]) {
  return {
    groups: {
      nameservers: ns.map((i) => ({
        name: i.label,
        address: i.publicIPv4,
        vars: { nameserver_listen_addresses: [i.privateIPv4] },
      })),
      loadbalancers: lbs.map((i) => ({
        name: i.label,
        address: i.publicIPv4,
        vars: { proxy_listen_addresses: [i.publicIPv4] },
      })),
    },
    groupVars: {
      nameservers: { nameserver_zones: [{ name: cfg.domain, file: cfg.zoneFile }] },
      loadbalancers: { proxy_upstreams: ns.map((i) => ({ address: i.privateIPv4, port: 53 })) },
    },
    privateKeyFile: cfg.ssh.privateKeyFile,
    knownHostsFile: cfg.ssh.knownHostsFile,
    user: cfg.ssh.user,
  };
}

async function main(): Promise<void> {
  ensureLabZone();
  const cfg = loadFleetConfig(LAB_CONFIG);
  process.env[cfg.linode.tokenEnv] = labToken();
  await ensureClientKey(cfg);

  // A realistic provisioning + boot time for the deploy-time benchmark (bench/deployTime.ts).
  const ms = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  const emu = await startEmulator({ provisioningMs: ms('LAB_PROVISIONING_MS'), bootingMs: ms('LAB_BOOTING_MS') });
  say(`Linode emulator ${emu.started ? 'started' : 'already running'} (pid ${emu.pid}) at ${emulatorUrl()}/v4`);
  const alerts = await startAlertReceiver();
  say(
    `Alert receiver ${alerts.started ? 'started' : 'already running'} (pid ${alerts.pid}) at ${alertReceiverUrl()} (monitor.webhookUrl; alerts in .lab/alerts.jsonl)`,
  );

  const linode = createLinodeActivities({ pollMs: 250 });
  const target = linodeTarget(cfg);
  const spec = (label: string) => ({
    label,
    region: cfg.linode.region,
    type: cfg.linode.type,
    image: cfg.linode.image,
    tags: [...cfg.linode.tags, fleetTag(cfg.fleet)],
    deployTag: BOOTSTRAP_TAG,
  });
  const wanted = [...cfg.loadBalancers, ...cfg.nameservers].map((h) => h.label);
  const live = await linode.listInstances(target, fleetTag(cfg.fleet));
  let lbs: InstanceInfo[];
  let ns: InstanceInfo[];
  if (wanted.every((label) => live.some((i) => i.label === label && i.status === 'running'))) {
    // The fleet exists (perhaps already redeployed by nsdeploy): leave it as it is.
    const pick = (label: string) => live.find((i) => i.label === label)!;
    lbs = cfg.loadBalancers.map((h) => pick(h.label));
    ns = cfg.nameservers.map((h) => pick(h.label));
    say(`Fleet already up: ${[...lbs, ...ns].map((i) => `${i.label} ${i.publicIPv4}`).join(', ')}`);
  } else {
    // Created one by one, LBs first, so a fresh lab hands out the same addresses every time
    // (the lab zone's ns1/ns2 records point at the LBs).
    const created: InstanceInfo[] = [];
    for (const label of wanted) created.push(await linode.ensureInstance(target, spec(label)));
    say(
      `Instances: ${created.map((i) => `${i.label} ${i.publicIPv4}/${i.privateIPv4}`).join(', ')}; waiting until running…`,
    );
    const running = await Promise.all(created.map((i) => linode.waitForRunning(target, i.id)));
    lbs = running.slice(0, cfg.loadBalancers.length);
    ns = running.slice(cfg.loadBalancers.length);

    say('Configuring with Ansible (site.yml: nameserver, then proxy)…');
    fs.mkdirSync(labPaths.ansibleLogs, { recursive: true });
    const ansible = createAnsibleActivities();
    const result = await ansible.runPlaybook({
      playbook: 'site.yml',
      ...fleetPlaybook(cfg, ns, lbs),
      logFile: path.join(labPaths.ansibleLogs, 'lab-up.log'),
    });
    say(
      `Ansible done: ${Object.entries(result.recap)
        .map(([h, r]) => `${h} changed=${r.changed}`)
        .join(', ')} (log ${result.logFile})`,
    );
  }

  for (const lb of lbs) {
    for (const transport of ['+notcp', '+tcp']) {
      const dig = await execa(
        'dig',
        [`@${lb.publicIPv4}`, cfg.domain, 'SOA', '+short', '+time=2', '+tries=2', transport],
        { reject: false },
      );
      if (dig.exitCode !== 0 || !dig.stdout.trim())
        throw new Error(
          `no SOA answer through ${lb.label} (${lb.publicIPv4}) ${transport}: ${dig.stdout}${dig.stderr}`,
        );
    }
  }
  // The TLD's parent servers, with glue = the LBs (as the zone's ns1/ns2 records), and a resolver
  // that follows them. Left as they are when running: the registrar may have changed the glue.
  const parents = await startParents({
    stateDir: labPaths.parentState,
    addresses: cfg.parents.map((p) => p.address),
    domain: cfg.domain,
    glue: Object.fromEntries(lbs.map((lb, i) => [`ns${i + 1}.${cfg.domain}`, lb.publicIPv4])),
  });
  const resolver = await startResolver({ stateDir: labPaths.resolverState, parents: parents.map((p) => p.address) });

  say('');
  say(`Lab fleet is up: ${[...lbs, ...ns].map((i) => `${i.label}=${i.publicIPv4}`).join(' ')}`);
  say('Query it through either load balancer:');
  for (const lb of lbs)
    say(`  dig @${lb.publicIPv4} ${cfg.domain} SOA        (add +tcp for TCP, +nsid to see which nameserver answered)`);
  const served = parents[0].served;
  say(
    `Parent servers of .${cfg.domain.split('.').slice(1).join('.')}: ${parents.map((p) => `${p.name}=${p.address}`).join(' ')}; glue ${Object.entries(
      served.glue,
    )
      .map(([n, a]) => `${n}=${a.join(',')}`)
      .join(' ')} (TTL ${served.ttl} s)`,
  );
  say(
    `  dig @${parents[0].address} ${cfg.domain} NS +norec      (the referral with glue; npm run lab:registrar -- show | set-glue …)`,
  );
  say(`Recursive resolver (unbound) at ${resolver.address}:`);
  say(`  dig @${resolver.address} www.${cfg.domain}`);
  say(
    `SSH (pinned host keys): ssh -i ${path.relative(ROOT, cfg.ssh.privateKeyFile)} -o UserKnownHostsFile=${path.relative(ROOT, cfg.ssh.knownHostsFile)} root@${ns[0].publicIPv4}`,
  );
  say('Status: npm run lab:status    Tear down: npm run lab:down');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`lab:up failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
