// The lab's fake registrar. A glue change reaches the parents one by one, `delayMs` apart, the
// way a real registry's servers pick up a change at different moments: for a while some
// parents serve the new glue and others the old. setGlue() resolves once the last has it.
import { query } from '../../src/dns';
import { readDelegation, type DelegationView } from '../../src/dns/delegation';
import { checkTtl, validateGlue, type GlueInput } from './glue';
import { applyToParent, listParents, type ParentStatus } from './parents';
import { requireParentsState, writeParentsState, type ParentStateOptions } from './state';
import type { Delegation } from './zone';

export interface SetGlueOptions extends ParentStateOptions {
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
  const changes = validateGlue(glue, state.domain, Object.keys(current.glue));
  if (Object.keys(changes).length === 0 && options.ttlSeconds === undefined)
    throw new Error('nothing to change: give NAME=ADDRESS pairs and/or a TTL');
  const next: Delegation = {
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
  views: DelegationView[];
  agree: boolean;
}

/** What each parent serves right now, asked over DNS (RD=0, UDP and TCP). */
export async function showParents(options: ParentStateOptions & { timeoutMs?: number } = {}): Promise<ParentView[]> {
  const state = requireParentsState(options);
  const timeoutMs = options.timeoutMs ?? 1000;
  return Promise.all(
    listParents(options).map(async (p): Promise<ParentView> => {
      const [delegation, serial] = await Promise.all([
        readDelegation({ address: p.address }, state.domain, { timeoutMs }),
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
        views: delegation.views,
        agree: delegation.agree,
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
  const shown = v.agree ? v.views.slice(0, 1) : v.views;
  for (const view of shown) {
    const via = v.agree ? v.views.map((x) => x.transport.toUpperCase()).join('+') : view.transport.toUpperCase();
    if (view.error) {
      lines.push(`    ${via}: ${view.error}`);
      continue;
    }
    lines.push(`    ${via}: NS ${view.nameservers.join(' ')} (TTL ${view.nsTtl ?? '?'} s)`);
    for (const g of view.glue) lines.push(`      glue ${g.name} ${g.type} ${g.address} (TTL ${g.ttl} s)`);
  }
  return lines;
}
