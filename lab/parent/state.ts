// The parents' record (<stateDir>/parents.json): where each parent runs, what it serves, and
// what the registrar holds. Written atomically (tmp + rename) so the registrar, lab:status and
// lab:down can read it from other processes at any time.
import fs from 'node:fs';
import path from 'node:path';
import type { ProcessId } from '../hosts/processes';
import { labPaths } from '../labPaths';
import type { ServiceNetwork, ServiceSlot } from './network';
import type { Delegation } from './zone';

export interface ParentRecord extends ServiceSlot {
  /** "a.nic.test" */
  name: string;
  /** The parent's config, zone and log. */
  dir: string;
  named: ProcessId | null;
  /** The delegation this parent serves (its zone file). */
  served: Delegation;
}

export interface ParentsState {
  network: ServiceNetwork;
  /** The first delegated zone, "example.test": the default of commands that need one zone. */
  domain: string;
  /** "test" */
  tld: string;
  parents: ParentRecord[];
  /** The registrar's view: what every parent will serve once the last change has propagated. */
  registered: Delegation;
}

export interface ParentStateOptions {
  /** Default .lab/parent. */
  stateDir?: string;
}

export const stateDirOf = (o: ParentStateOptions = {}) => path.resolve(o.stateDir ?? labPaths.parentState);
const stateFile = (dir: string) => path.join(dir, 'parents.json');

/** Every delegated zone of the state, the default one first. */
export const domainsOf = (state: ParentsState): string[] => [
  state.domain,
  ...Object.keys(state.registered.zones)
    .filter((z) => z !== state.domain)
    .sort(),
];

/** A record from before several zones (one domain, NS = the glue's names) in today's shape. */
function upgrade(state: ParentsState): ParentsState {
  const fix = (d: Delegation): Delegation =>
    d.zones ? d : { ...d, zones: { [state.domain]: Object.keys(d.glue).sort() } };
  return {
    ...state,
    registered: fix(state.registered),
    parents: state.parents.map((p) => ({ ...p, served: fix(p.served) })),
  };
}

export function readParentsState(o: ParentStateOptions = {}): ParentsState | null {
  try {
    return upgrade(JSON.parse(fs.readFileSync(stateFile(stateDirOf(o)), 'utf8')) as ParentsState);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export function requireParentsState(o: ParentStateOptions = {}): ParentsState {
  const state = readParentsState(o);
  if (!state)
    throw new Error(`the lab's parent servers are not set up (no ${stateFile(stateDirOf(o))}): run npm run lab:up`);
  return state;
}

export function writeParentsState(o: ParentStateOptions, state: ParentsState): void {
  writeJsonAtomic(stateFile(stateDirOf(o)), state);
}

export function removeParentsState(o: ParentStateOptions = {}): void {
  fs.rmSync(stateFile(stateDirOf(o)), { force: true });
}

/** Read-modify-write of one parent's record. */
export function updateParent(o: ParentStateOptions, label: string, change: (p: ParentRecord) => void): ParentsState {
  const state = requireParentsState(o);
  const record = state.parents.find((p) => p.label === label);
  if (!record) throw new Error(`no parent ${label} in ${stateFile(stateDirOf(o))}`);
  change(record);
  writeParentsState(o, state);
  return state;
}

export function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
