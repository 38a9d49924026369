// Keeps a fleet's Cloud Firewalls as the live fleet needs them (src/shared/firewall.ts): one
// per role, found by label, created when missing, its rules replaced when the LBs' addresses
// or the worker's changed, and attached to every instance of its role. Idempotent: called
// again after a lost answer or with nothing changed, it changes nothing. Every call is made
// within the fleet's own credentials scope.
import {
  addFirewallDevice,
  createFirewall,
  getFirewallDevices,
  getFirewalls,
  getLinodes,
  updateFirewallRules,
  type Firewall,
  type Linode,
} from '@linode/api-v4';
import {
  FIREWALL_ROLES,
  firewallLabel,
  fleetFirewallRules,
  fleetTag,
  type FirewallRole,
  type FleetFirewallRules,
} from '../shared';
import { call, inFleetOf, type LinodeDeps, type LinodeTarget } from './linode';

export interface FirewallSyncRequest {
  fleet: string;
  workerAddresses: string[];
  /** Labels of the fleet's instances per role, including the replacements' (e.g. lb1, lb1-next). */
  labels: Record<FirewallRole, string[]>;
}

export interface FirewallSyncResult {
  /** The firewall of each role, to give at create (`firewall_id`). */
  ids: Record<FirewallRole, number>;
  /** What this call changed, one line each (empty when nothing). */
  changes: string[];
}

/** Rules as the API returns them, reduced to what fleetFirewallRules sets, in a stable order. */
function comparable(rules: { inbound_policy: string; outbound_policy: string; inbound?: unknown; outbound?: unknown }) {
  const rule = (r: Record<string, unknown>) => ({
    action: r.action,
    protocol: r.protocol,
    ports: r.ports ?? '',
    label: r.label ?? '',
    ipv4: [...(((r.addresses as { ipv4?: string[] }) ?? {}).ipv4 ?? [])].sort(),
    ipv6: [...(((r.addresses as { ipv6?: string[] }) ?? {}).ipv6 ?? [])].sort(),
  });
  const list = (l: unknown) => ((l ?? []) as Record<string, unknown>[]).map(rule);
  return JSON.stringify([rules.inbound_policy, rules.outbound_policy, list(rules.inbound), list(rules.outbound)]);
}

async function all<T>(what: string, page: (p: number) => Promise<{ data: T[]; pages: number }>): Promise<T[]> {
  const out: T[] = [];
  for (let p = 1; ; p++) {
    const res = await call(what, () => page(p));
    out.push(...res.data);
    if (p >= res.pages) return out;
  }
}

export function createFirewallActivities(deps: Pick<LinodeDeps, 'env'> = {}) {
  const env = deps.env ?? process.env;

  async function ensureFirewall(fleet: string, role: FirewallRole, rules: FleetFirewallRules, changes: string[]) {
    const label = firewallLabel(fleet, role);
    const found = await all<Firewall>(`look up firewall ${label}`, (page) =>
      getFirewalls({ page, page_size: 100 }, { label }),
    );
    const existing = found.find((f) => f.label === label);
    if (!existing) {
      const made = await call(`create firewall ${label}`, () =>
        createFirewall({ label, rules, tags: [fleetTag(fleet)] }),
      );
      changes.push(`created firewall ${label} (${made.id})`);
      return made;
    }
    if (comparable(existing.rules) !== comparable(rules)) {
      await call(`update the rules of firewall ${label}`, () => updateFirewallRules(existing.id, rules));
      changes.push(`updated the rules of firewall ${label} (${existing.id})`);
    }
    return existing;
  }

  async function attach(firewall: Firewall, instances: Linode[], changes: string[]) {
    const devices = await all(`list devices of firewall ${firewall.label}`, (page) =>
      getFirewallDevices(firewall.id, { page, page_size: 100 }),
    );
    const attached = new Set(devices.filter((d) => d.entity.type === 'linode').map((d) => d.entity.id));
    for (const instance of instances.filter((i) => !attached.has(i.id))) {
      await call(`attach firewall ${firewall.label} to ${instance.label}`, () =>
        addFirewallDevice(firewall.id, { id: instance.id, type: 'linode' }),
      );
      changes.push(`attached firewall ${firewall.label} to ${instance.label}`);
    }
  }

  return {
    /**
     * Makes each role's firewall exist with the rules the live fleet needs (the LBs' addresses,
     * every one of them: private ones for their own region, public ones across regions) and
     * attached to every live instance of its role.
     */
    syncFirewalls(t: LinodeTarget, request: FirewallSyncRequest): Promise<FirewallSyncResult> {
      return inFleetOf(env, t, async () => {
        const tag = fleetTag(request.fleet);
        const live = await all<Linode>(`list instances tagged ${tag}`, (page) =>
          getLinodes({ page, page_size: 100 }, { tags: tag }),
        );
        const ofRole = (role: FirewallRole) => live.filter((i) => request.labels[role].includes(i.label));
        const lbAddresses = ofRole('lb').flatMap((i) => i.ipv4);
        const changes: string[] = [];
        const ids = {} as Record<FirewallRole, number>;
        for (const role of FIREWALL_ROLES) {
          const rules = fleetFirewallRules(role, { lbAddresses, workerAddresses: request.workerAddresses });
          const firewall = await ensureFirewall(request.fleet, role, rules, changes);
          await attach(firewall, ofRole(role), changes);
          ids[role] = firewall.id;
        }
        return { ids, changes };
      });
    },
  };
}

export type FirewallActivities = ReturnType<typeof createFirewallActivities>;
