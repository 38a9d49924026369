// An in-memory fleet behind fake activities, for workflow tests on the time-skipping server (and
// the overhead benchmark's worker):
// instances with addresses, LB upstreams, and answers that follow the upstreams. Tests flip
// its switches (gate failure, soak failure, lost create responses, abort at a phase).
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../src/activities';
import type { InstanceInfo, InstanceSpec } from '../src/activities/linode';
import type { Upstream } from '../src/hosts/upstream';
import type { NsDeployInput } from '../src/shared';

/** The fleet fields every workflow input shares, for the fake fleet below (paths are never read). */
export const LAB_FLEET: Pick<
  NsDeployInput,
  'fleet' | 'zones' | 'linode' | 'ssh' | 'nameservers' | 'loadBalancers' | 'nextSuffix'
> = {
  fleet: 'lab',
  zones: [{ domain: 'example.test', file: '/zones/example.test.zone' }],
  linode: {
    apiUrl: 'http://127.0.0.1:8789/v4',
    tokenEnv: 'LINODE_TOKEN',
    region: 'us-east',
    type: 'g6-nanode-1',
    image: 'linode/debian12',
    tags: ['nsdeploy'],
  },
  ssh: { user: 'root', privateKeyFile: '/keys/id', knownHostsFile: '/keys/known_hosts' },
  nameservers: [
    { label: 'ns1', region: 'us-east' },
    { label: 'ns2', region: 'us-east' },
  ],
  loadBalancers: [
    { label: 'lb1', region: 'us-east', upstreams: ['ns1', 'ns2'] },
    { label: 'lb2', region: 'us-east', upstreams: ['ns1', 'ns2'] },
  ],
  nextSuffix: '-next',
};

/** The zone plan the fake fleet answers: the live servers serve what the file says. */
export const UNCHANGED_PLAN = {
  domain: 'example.test',
  file: '/zones/example.test.zone',
  records: 12,
  rrsets: 10,
  fileSerial: 2026112302,
  liveSerial: 2026112302,
  live: ['ns1 2026112302', 'ns2 2026112302'],
  changes: [],
  serial: 2026112302,
  serialNote: 'same content: keeps serial 2026112302',
};

export interface FakeFleetOptions {
  gateFails?: boolean;
  /** Soak probes through the LBs start failing after this many successful LB probes. */
  soakFailsAfterProbes?: number;
  /** The first create of each label makes the instance but its answer is "lost". */
  loseFirstCreateAnswer?: boolean;
  /** Called when an activity starts (e.g. to cancel the workflow mid-phase); awaited. */
  onActivity?: (name: string) => Promise<void> | void;
  /** LBs lb1…lbN in front of ns1 and ns2 (default 2, as in LAB_FLEET). */
  loadBalancers?: number;
}

export class FakeFleet {
  nextId = 100;
  nextIp = 10;
  instances = new Map<number, InstanceInfo & { tags: string[] }>();
  upstreams = new Map<string, Upstream[]>();
  calls: string[] = [];
  creates = new Map<string, number>();
  lbProbes = 0;

  constructor(readonly opts: FakeFleetOptions = {}) {
    const make = (label: string) => this.add(label, ['nsdeploy', 'nsdeploy-fleet-lab', 'lab-bootstrap']);
    const ns = ['ns1', 'ns2'].map(make);
    const lbs = Array.from({ length: opts.loadBalancers ?? 2 }, (_, i) => `lb${i + 1}`);
    for (const lb of lbs.map(make))
      this.upstreams.set(
        lb.publicIPv4,
        ns.map((n) => ({ address: n.privateIPv4!, port: 53 })),
      );
  }

  add(label: string, tags: string[]): InstanceInfo {
    const n = this.nextIp++;
    const info = {
      id: this.nextId++,
      label,
      status: 'running',
      tags,
      publicIPv4: `198.18.1.${n}`,
      privateIPv4: `198.19.128.${n}`,
    };
    this.instances.set(info.id, info);
    return info;
  }

  byLabel(label: string) {
    return [...this.instances.values()].find((i) => i.label === label);
  }

  labels(): string[] {
    return [...this.instances.values()].map((i) => i.label).sort();
  }

  /** Which servers an LB's answers come from (their labels, as NSIDs). */
  answeringBehind(lbAddress: string): string[] {
    return (this.upstreams.get(lbAddress) ?? []).map(
      (u) => [...this.instances.values()].find((i) => i.privateIPv4 === u.address)?.label ?? `gone(${u.address})`,
    );
  }

  /** The NSIDs answering through an LB: label.id, as the deploy configures them. */
  nsidsBehind(lbAddress: string): string[] {
    return (this.upstreams.get(lbAddress) ?? []).map((u) => {
      const i = [...this.instances.values()].find((x) => x.privateIPv4 === u.address);
      return i ? `${i.label}.${i.id}` : `gone(${u.address})`;
    });
  }

  activities(): Partial<Activities> {
    const note = async (name: string) => {
      this.calls.push(name);
      await this.opts.onActivity?.(name);
    };
    const comparison = (server: string, ok: boolean, nsids: string[]) => ({
      server,
      origin: 'example.test.',
      transports: ['udp', 'tcp'] as ('udp' | 'tcp')[],
      ok,
      recordsChecked: 12,
      rrsetsChecked: 10,
      queriesSent: 20,
      differences: ok
        ? []
        : [
            {
              server,
              transport: 'udp' as const,
              name: 'www.example.test.',
              type: 'CNAME',
              kind: 'missing' as const,
              reason: 'NXDOMAIN' as const,
            },
          ],
      skipped: [],
      nsids,
      durationMs: 5,
      differencesOmitted: 0,
      skippedOmitted: 0,
    });
    return {
      checkZone: async () => {
        await note('checkZone');
        return { origin: 'example.test.', serial: 2026112302, records: 12, rrsets: 10, caveats: [], warnings: [] };
      },
      checkRegions: async (_t, regions: string[]) => {
        await note('checkRegions');
        return [...new Set([...regions, 'us-east'])];
      },
      planZone: async (input) => {
        await note(`planZone ${input.zone.domain}`);
        return { ...UNCHANGED_PLAN, domain: input.zone.domain, file: input.zone.file };
      },
      listInstances: async () => {
        await note('listInstances');
        return [...this.instances.values()];
      },
      ensureInstance: async (_t, spec: InstanceSpec) => {
        await note(`ensureInstance ${spec.label}`);
        const existing = this.byLabel(spec.label);
        if (existing) return existing;
        const info = this.add(spec.label, [...spec.tags, spec.deployTag]);
        const n = (this.creates.get(spec.label) ?? 0) + 1;
        this.creates.set(spec.label, n);
        if (this.opts.loseFirstCreateAnswer && n === 1)
          throw ApplicationFailure.retryable('socket hang up (answer lost)', 'LinodeTransient');
        return info;
      },
      waitForRunning: async (_t, id: number) => {
        await note('waitForRunning');
        return this.instances.get(id)!;
      },
      waitForSsh: async () => {
        await note('waitForSsh');
      },
      runPlaybook: async (run) => {
        await note(`runPlaybook ${run.playbook}`);
        return { recap: {}, changed: 3, logFile: '/dev/null' };
      },
      compareZoneOnServer: async (input) => {
        const address = input.server.address;
        await note(`compare ${address}`);
        if (this.upstreams.has(address)) {
          this.lbProbes++;
          const failing =
            this.opts.soakFailsAfterProbes !== undefined && this.lbProbes > this.opts.soakFailsAfterProbes;
          return comparison(address, !failing, this.nsidsBehind(address));
        }
        const server = [...this.instances.values()].find((i) => i.privateIPv4 === address);
        return comparison(address, !this.opts.gateFails, server ? [server.label] : []);
      },
      readUpstreams: async (target) => {
        await note(`readUpstreams ${target.address}`);
        return this.upstreams.get(target.address) ?? [];
      },
      switchUpstreams: async (target, req) => {
        await note(`switchUpstreams ${target.address}`);
        const previous = this.upstreams.get(target.address) ?? [];
        this.upstreams.set(target.address, req.upstreams);
        return { changed: true, previous, appliedAt: new Date().toISOString() };
      },
      nsQueryCounter: async () => {
        await note('nsQueryCounter');
        return { queries: 1000, udp: 900, tcp: 100, bootTime: '2026-11-23T00:00:00Z' };
      },
      deleteInstance: async (_t, id: number) => {
        await note(`deleteInstance ${this.instances.get(id)?.label ?? id}`);
        return { deleted: this.instances.delete(id) };
      },
      deleteIfOwned: async (_t, label: string, deployTag: string) => {
        await note(`deleteIfOwned ${label}`);
        const i = this.byLabel(label);
        if (!i || !i.tags.includes(deployTag)) return { deleted: false };
        this.instances.delete(i.id);
        return { deleted: true };
      },
      renameInstance: async (_t, id: number, label: string) => {
        await note(`rename ${this.instances.get(id)!.label} ${label}`);
        const i = this.instances.get(id)!;
        i.label = label;
        return i;
      },
    } as Partial<Activities>;
  }
}
