// The small fleet two lab test files share (test/lab/hosts/ansible.test.ts and
// test/activities/ssh.test.ts): two nameservers and one LB on a private test lab
// (testkit/labHosts.ts), serving a small zone.
import fs from 'node:fs';
import path from 'node:path';
import type { HostKey, LabHost } from '../../../lab/hosts';
import { createLabNetwork, startHost } from '../../../lab/hosts';
import { generateKeyPair, knownHostsLine, type TestLab } from '../../../testkit/labHosts';

/** The small zone the lab-host tests serve (example.test, serial 2026112301). */
const ZONE = `$ORIGIN example.test.
$TTL 300
@   IN SOA ns1.example.test. hostmaster.example.test. (
        2026112301 ; serial
        7200 900 1209600 300 )
    IN NS ns1
    IN NS ns2
ns1 IN A 192.0.2.53
ns2 IN A 192.0.2.54
www IN A 192.0.2.10
`;

/** The small fleet two lab test files share: two nameservers and one LB, by last octet. */
export const TEST_FLEET = { ns1: 11, ns2: 12, lb1: 21 } as const;
export type TestFleetLabel = keyof typeof TEST_FLEET;
/** A test fleet host's "public" (.n) and "private" (.100+n) addresses in the lab's /24. */
export const testFleetAddress = (lab: TestLab, label: TestFleetLabel) => ({
  public: `${lab.net}.${TEST_FLEET[label]}`,
  private: `${lab.net}.${100 + TEST_FLEET[label]}`,
});

export interface TestFleet {
  hosts: LabHost[];
  /** Each host's SSH host key (pinned in known_hosts). */
  keys: Record<TestFleetLabel, HostKey>;
  knownHosts: string;
  zoneFile: string;
  /** Inventory for ansible/site.yml, generated as the deploy does (same variables as production). */
  inventory: string;
}

/**
 * Starts ns1, ns2 and lb1 on the test lab (each with its own pinned host key), writes
 * known_hosts, the zone and the inventory; the LB's upstreams are the given nameservers.
 * Configuring them (running the playbook) is left to the test.
 */
export async function startTestFleet(lab: TestLab, lbUpstreams: ('ns1' | 'ns2')[]): Promise<TestFleet> {
  await createLabNetwork(lab.config);
  const hosts: LabHost[] = [];
  const keys = {} as Record<TestFleetLabel, HostKey>;
  let known = '';
  for (const label of Object.keys(TEST_FLEET) as TestFleetLabel[]) {
    const key = (keys[label] = await generateKeyPair(path.join(lab.dir, `host-${label}`), label));
    const a = testFleetAddress(lab, label);
    hosts.push(
      await startHost({
        label,
        addresses: [a.public, a.private],
        hostKey: key,
        authorizedKeys: [lab.clientPublicKey],
        stateDir: lab.config.stateDir,
      }),
    );
    known += knownHostsLine([a.public, a.private], key.publicKey);
  }
  const knownHosts = path.join(lab.dir, 'known_hosts');
  fs.writeFileSync(knownHosts, known);
  const zoneFile = path.join(lab.dir, 'example.test.zone');
  fs.writeFileSync(zoneFile, ZONE);
  const inventory = path.join(lab.dir, 'inventory.yml');
  const lb = testFleetAddress(lab, 'lb1').public;
  fs.writeFileSync(
    inventory,
    JSON.stringify(
      {
        all: {
          vars: {
            ansible_user: 'root',
            ansible_ssh_private_key_file: lab.clientKeyFile,
            ansible_ssh_common_args: `-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes`,
          },
          children: {
            nameservers: {
              vars: { nameserver_zones: [{ name: 'example.test', file: zoneFile }] },
              hosts: Object.fromEntries(
                (['ns1', 'ns2'] as const).map((l) => [
                  l,
                  {
                    ansible_host: testFleetAddress(lab, l).public,
                    nameserver_listen_addresses: [testFleetAddress(lab, l).private],
                  },
                ]),
              ),
            },
            loadbalancers: {
              vars: {
                proxy_upstreams: lbUpstreams.map((l) => ({ address: testFleetAddress(lab, l).private, port: 53 })),
              },
              hosts: { lb1: { ansible_host: lb, proxy_listen_addresses: [lb] } },
            },
          },
        },
      },
      null,
      2,
    ),
  );
  return { hosts, keys, knownHosts, zoneFile, inventory };
}
