// Shared by the parent/resolver tests: a private lab network per test file (own bridge, /24,
// netns prefix and state dirs, never the demo lab's nsdlab0 or .lab/), and plain child
// authoritative servers for example.test in it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { query } from '../../../src/dns';
import { createLabNetwork, leftovers, teardownAll, type LabConfig } from '../../../lab/hosts';
import { running, spawnInNetns, stopDaemon, waitFor } from '../../../lab/parent/daemon';
import { plugService, serviceSlot, unplugService } from '../../../lab/parent/network';
import { dnsLabLeftovers, stopParents, stopResolver } from '../../../lab/parent';
import type { ProcessId } from '../../../lab/hosts/processes';

export interface DnsTestLab {
  dir: string;
  network: LabConfig;
  /** "198.19.230" */
  net: string;
  parentState: string;
  resolverState: string;
  childState: string;
  children: { netns: string; veth: string; named: ProcessId }[];
}

export async function makeDnsTestLab(name: string, octet: number): Promise<DnsTestLab> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `nsdeploy-${name}-`));
  const net = `198.19.${octet}`;
  const network: LabConfig = {
    stateDir: path.join(dir, 'hosts'),
    bridge: `nsdt${octet}`,
    bridgeCidr: `${net}.1/24`,
    netnsPrefix: `nsdt${octet}-`,
  };
  await createLabNetwork(network);
  return {
    dir,
    network,
    net,
    parentState: path.join(dir, 'parent'),
    resolverState: path.join(dir, 'resolver'),
    childState: path.join(dir, 'child'),
    children: [],
  };
}

/**
 * A plain authoritative named for one zone on one test address (the delegated child); `more`
 * zones are served by the same named (a second zone whose NS names are the first zone's).
 */
export async function startChild(
  lab: DnsTestLab,
  name: string,
  address: string,
  origin: string,
  zoneText: string,
  more: { origin: string; zoneText: string }[] = [],
): Promise<void> {
  const dir = path.join(lab.childState, name);
  fs.mkdirSync(dir, { recursive: true });
  const zones = [{ origin, zoneText }, ...more];
  zones.forEach((z, i) => fs.writeFileSync(path.join(dir, `zone${i || ''}`), z.zoneText));
  fs.writeFileSync(
    path.join(dir, 'named.conf'),
    `options {
    directory "${dir}"; pid-file "${dir}/named.pid"; session-keyfile "${dir}/session.key"; managed-keys-directory "${dir}";
    listen-on port 53 { ${address}; }; listen-on-v6 { none; };
    recursion no; notify no; dnssec-validation no; server-id "${name}";
    // Answers only: resolvers must learn the delegation from the parents, not from the child.
    minimal-responses yes;
};
controls { };
${zones.map((z, i) => `zone "${z.origin}" { type primary; file "${dir}/zone${i || ''}"; };`).join('\n')}
`,
  );
  const slot = serviceSlot(lab.network, name, address);
  await plugService(lab.network, slot);
  const named = await spawnInNetns(
    slot.netns,
    ['named', '-f', '-4', '-n', '1', '-c', path.join(dir, 'named.conf')],
    path.join(dir, 'named.out'),
  );
  lab.children.push({ netns: slot.netns, veth: slot.veth, named });
  await waitFor(
    async () => {
      if (!running(named))
        throw new Error(`child ${name} exited: ${fs.readFileSync(path.join(dir, 'named.out'), 'utf8')}`);
      return query({ address }, { name: origin, type: 'SOA' }, { transport: 'udp', timeoutMs: 200, attempts: 1 }).then(
        () => true,
        () => false,
      );
    },
    10_000,
    `child ${name} did not answer`,
  );
}

/** Everything down; returns what is left of the test lab on the machine ([] when clean). */
export async function teardownDnsTestLab(lab: DnsTestLab): Promise<string[]> {
  await stopResolver({ stateDir: lab.resolverState });
  await stopParents({ stateDir: lab.parentState });
  for (const child of lab.children) {
    await stopDaemon(child.named);
    await unplugService(child);
  }
  await teardownAll(lab.network);
  const left = [
    ...(await dnsLabLeftovers({
      network: lab.network,
      parentStateDir: lab.parentState,
      resolverStateDir: lab.resolverState,
    })),
    ...(await dnsLabLeftovers({
      network: lab.network,
      parentStateDir: lab.childState,
      resolverStateDir: lab.childState,
    })),
    ...(await leftovers(lab.network)),
  ];
  if (left.length === 0) fs.rmSync(lab.dir, { recursive: true, force: true });
  return left;
}
