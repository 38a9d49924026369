// The lab's fake registrar (every zone the parents delegate; glue belongs to a name, whichever
// zones use it). A glue change reaches the parents one by one, `delayMs` apart, the
// way a real registry's servers pick up a change at different moments: for a while some
// parents serve the new glue and others the old. setGlue() resolves once the last has it.
import { query } from '../../src/dns';
import { readDelegation, type DelegationView } from '../../src/dns/delegation';
import { checkTtl, validateGlue, type GlueInput } from './glue';
import { applyToParent, listParents, type ParentStatus } from './parents';
import { domainsOf, requireParentsState, writeParentsState, type ParentStateOptions } from './state';
import type { Delegation } from './zone';

export interface SetGlueOptions extends ParentStateOptions {
  /** Only names below this delegated zone may be given (default: below any of them). */
  domain?: string;
  /** Time between one parent taking the change and the next (default 0). */
  delayMs?: number;
  /** New TTL for NS and glue; default: keep the current one. */
  ttlSeconds?: number;
  /** Called as each parent starts serving the change. */
  onProgress?: (event: { parent: ParentStatus; index: number; of: number; delegation: Delegation }) => void;
}

export interface SetGlueResult {
  delegation: Delegation;
  /** When each parent served the change (ms since the epoch), in order. */
  parents: { label: string; address: string; servedAt: number }[];
}

export async function setGlue(glue: GlueInput, options: SetGlueOptions = {}): Promise<SetGlueResult> {
  const state = requireParentsState(options);
  const delayMs = options.delayMs ?? 0;
  if (!Number.isFinite(delayMs) || delayMs < 0) throw new Error(`delay ${delayMs} ms must be zero or more`);
  const current = state.registered;
  const changes = validateGlue(glue, current.zones, options.domain);
  if (Object.keys(changes).length === 0 && options.ttlSeconds === undefined)
    throw new Error('nothing to change: give NAME=ADDRESS pairs and/or a TTL');
  const next: Delegation = {
    ...current,
    serial: Math.max(current.serial, ...state.parents.map((p) => p.served.serial)) + 1,
    ttl: options.ttlSeconds === undefined ? current.ttl : checkTtl(options.ttlSeconds),
    glue: { ...current.glue, ...changes },
  };
  state.registered = next;
  writeParentsState(options, state);

  const done: SetGlueResult['parents'] = [];
  for (const [index, p] of state.parents.entries()) {
    if (index > 0 && delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    await applyToParent(options, p.label, next);
    done.push({ label: p.label.replace(/^_/, ''), address: p.address, servedAt: Date.now() });
    const status = listParents(options).find((s) => s.address === p.address)!;
    options.onProgress?.({ parent: status, index, of: state.parents.length, delegation: next });
  }
  return { delegation: next, parents: done };
}

export interface ParentView {
  label: string;
  name: string;
  address: string;
  running: boolean;
  /** The test. SOA serial it answers with; undefined when it does not answer. */
  serial?: number;
  /** What the registrar expects it to serve once propagation is done. */
  registeredSerial: number;
  /** The delegation of each zone asked for, the default zone first. */
  zones: ZoneView[];
  /** The first zone's views (the default zone unless `domain` was given). */
  views: DelegationView[];
  agree: boolean;
}

export interface ZoneView {
  domain: string;
  views: DelegationView[];
  agree: boolean;
}

/**
 * What each parent serves right now, asked over DNS (RD=0, UDP and TCP): the delegation of every
 * zone, or of `domain` only.
 */
export async function showParents(
  options: ParentStateOptions & { timeoutMs?: number; domain?: string } = {},
): Promise<ParentView[]> {
  const state = requireParentsState(options);
  const timeoutMs = options.timeoutMs ?? 1000;
  const all = domainsOf(state);
  const wanted = options.domain ? options.domain.replace(/\.$/, '').toLowerCase() : undefined;
  if (wanted && !all.includes(wanted))
    throw new Error(`${options.domain} is not delegated by the lab's parents (they delegate ${all.join(', ')})`);
  const domains = wanted ? [wanted] : all;
  return Promise.all(
    listParents(options).map(async (p): Promise<ParentView> => {
      const [zones, serial] = await Promise.all([
        Promise.all(
          domains.map(async (domain): Promise<ZoneView> => {
            const d = await readDelegation({ address: p.address }, domain, { timeoutMs });
            return { domain, views: d.views, agree: d.agree };
          }),
        ),
        query(
          { address: p.address },
          { name: `${state.tld}.`, type: 'SOA' },
          { transport: 'udp', timeoutMs, attempts: 1, nsid: false },
        )
          .then((r) => (r.answers.find((a) => a.type === 'SOA')?.data as { serial?: number } | undefined)?.serial)
          .catch(() => undefined),
      ]);
      return {
        label: p.label,
        name: p.name,
        address: p.address,
        running: p.running,
        serial,
        registeredSerial: state.registered.serial,
        zones,
        views: zones[0].views,
        agree: zones[0].agree,
      };
    }),
  );
}

/** Human-readable lines for one parent's view (lab:registrar show, lab:status). */
export function describeParentView(v: ParentView): string[] {
  const head =
    `${v.label} ${v.name} ${v.address}: ${v.running ? 'running' : 'NOT RUNNING'}, serial ${v.serial ?? '?'}` +
    (v.serial !== undefined && v.serial < v.registeredSerial
      ? ` (registrar is at ${v.registeredSerial}: change not here yet)`
      : '');
  const lines = [head];
  for (const zone of v.zones) {
    const shown = zone.agree ? zone.views.slice(0, 1) : zone.views;
    for (const view of shown) {
      const via = zone.agree
        ? zone.views.map((x) => x.transport.toUpperCase()).join('+')
        : view.transport.toUpperCase();
      if (view.error) {
        lines.push(`    ${zone.domain} ${via}: ${view.error}`);
        continue;
      }
      lines.push(`    ${zone.domain} ${via}: NS ${view.nameservers.join(' ')} (TTL ${view.nsTtl ?? '?'} s)`);
      for (const g of view.glue) lines.push(`      glue ${g.name} ${g.type} ${g.address} (TTL ${g.ttl} s)`);
    }
  }
  return lines;
}
