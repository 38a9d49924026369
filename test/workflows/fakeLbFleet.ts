// The in-memory fleet of testkit/fakeFleet.ts plus what the LB replacement touches: parent servers
// with glue (a fake registrar moves them), the zone file's records at the LBs, and query
// counts at each LB. Tests steer the parents and the traffic.
import type { Activities } from '../../src/activities';
import type { ReadDelegationResult } from '../../src/activities/delegation';
import { FakeFleet, type FakeFleetOptions } from '../../testkit/fakeFleet';

export const PARENTS = ['198.18.0.53', '198.18.0.54', '198.18.0.55'];
export const DELEGATION_TTL = 172_800; // 2 days, as .com/.net
export const ZONE_TTL = 3_600;

export interface FakeLbFleetOptions extends FakeFleetOptions {
  /** Parent i starts serving the new glue at its Nth poll after the glue phase starts. */
  parentsNewAtPoll?: number[];
  /** Queries each old LB reports per proof window. */
  oldLbQueries?: number;
}

export class FakeLbFleet extends FakeFleet {
  /** name → addresses, per parent. */
  glue = PARENTS.map(() => new Map<string, string[]>());
  parentPolls = PARENTS.map(() => 0);
  glueWanted?: Map<string, string[]>;
  zoneMoves: Record<string, string> | undefined;
  zoneRestored = 0;
  lbQueryCounts = 0;

  constructor(readonly lbOpts: FakeLbFleetOptions = {}) {
    super(lbOpts);
    for (const g of this.glue) {
      g.set('ns1.example.test', [this.byLabel('lb1')!.publicIPv4]);
      g.set('ns2.example.test', [this.byLabel('lb2')!.publicIPv4]);
    }
  }

  /** The registrar's change reached parent i (or all): it serves `glue`. */
  setParent(i: number, glue: Map<string, string[]>): void {
    this.glue[i] = new Map(glue);
  }

  oldGlue(): Map<string, string[]> {
    return new Map([
      ['ns1.example.test', [this.lb('lb1')]],
      ['ns2.example.test', [this.lb('lb2')]],
    ]);
  }

  newGlue(): Map<string, string[]> {
    return new Map([
      ['ns1.example.test', [this.lb('lb1-next')]],
      ['ns2.example.test', [this.lb('lb2-next')]],
    ]);
  }

  private lb(label: string): string {
    return this.byLabel(label)!.publicIPv4;
  }

  override activities(): Partial<Activities> {
    const base = super.activities();
    const note = (name: string) => this.calls.push(name);
    return {
      ...base,
      runPlaybook: async (run) => {
        note(`runPlaybook ${run.playbook}`);
        if (run.playbook === 'proxy.yml') {
          // Each LB's upstreams are a host variable (its old LB's), or the group's.
          for (const h of run.groups.loadbalancers ?? []) {
            const own = h.vars?.proxy_upstreams ?? run.groupVars?.loadbalancers?.proxy_upstreams;
            this.upstreams.set(h.address, [...(own as { address: string; port: number }[])]);
          }
        }
        return { recap: {}, changed: 3, logFile: '/dev/null' };
      },
      zoneRecordsAt: async (input) => {
        note('zoneRecordsAt');
        const lb1 = this.lb('lb1');
        const lb2 = this.lb('lb2');
        return [
          { name: 'ns1.example.test.', type: 'A', ttl: ZONE_TTL, address: lb1 },
          { name: 'ns2.example.test.', type: 'A', ttl: ZONE_TTL, address: lb2 },
        ].filter((r) => input.addresses.includes(r.address));
      },
      moveZoneAddresses: async (input) => {
        note('moveZoneAddresses');
        this.zoneMoves = input.moves;
        this.glueWanted = this.newGlue(); // what the operator is about to be asked for
        return {
          serialBefore: 2026112301,
          serialAfter: 2026112302,
          edits: Object.entries(input.moves).map(([from, to], i) => ({
            name: `ns${i + 1}.example.test.`,
            type: 'A' as const,
            from,
            to,
          })),
        };
      },
      restoreZoneFile: async () => {
        note('restoreZoneFile');
        const restored = this.zoneMoves !== undefined;
        if (restored) this.zoneRestored++;
        this.zoneMoves = undefined;
        return { restored };
      },
      discardZoneBackup: async () => {
        note('discardZoneBackup');
        return { removed: true };
      },
      readDelegation: async (input) => {
        const i = PARENTS.indexOf(input.parent.address);
        note(`readDelegation ${input.parent.address}`);
        if (this.glueWanted) {
          this.parentPolls[i]++;
          const at = this.lbOpts.parentsNewAtPoll?.[i];
          if (at !== undefined && this.parentPolls[i] >= at) this.glue[i] = new Map(this.glueWanted);
        }
        const glue = [...this.glue[i]].flatMap(([name, addresses]) =>
          addresses.map((address) => ({ name, type: 'A' as const, address, ttl: DELEGATION_TTL })),
        );
        const view = (transport: 'udp' | 'tcp') => ({
          transport,
          nameservers: ['ns1.example.test', 'ns2.example.test'],
          nsTtl: DELEGATION_TTL,
          glue,
          rcode: 'NOERROR',
        });
        return {
          parent: `${input.parent.address}:53`,
          views: [view('udp'), view('tcp')],
          agree: true,
        } satisfies ReadDelegationResult;
      },
      lbQueryCount: async (target) => {
        note(`lbQueryCount ${target.address}`);
        this.lbQueryCounts++;
        const q = this.lbOpts.oldLbQueries ?? 0;
        return {
          queries: q,
          udp: q,
          tcp: 0,
          failed: 0,
          byUpstream: {},
          untilEpochMs: 0,
          oldestEntryEpochMs: null,
          sinceEpochMs: 0,
          coversSince: true,
        };
      },
    } as Partial<Activities>;
  }
}
