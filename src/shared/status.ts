// What every workflow's `status` query returns at least, and the hosts it shows.

/** The query name every workflow answers with its status (`nsdeploy status` asks any of them). */
export const STATUS_QUERY = 'status';

export interface HostView {
  label: string;
  id?: number;
  publicIPv4?: string;
  privateIPv4?: string | null;
}

/** The common part of every workflow's status: phase, fleet, the newest events, the error. */
export interface StatusBase<Phase extends string = string> {
  phase: Phase;
  fleet: string;
  /** The newest events, oldest first (bounded). */
  events: string[];
  error?: string;
}

/** A host as the status shows it (no secrets: label, ID, addresses). */
export const hostView = (i: HostView): HostView => ({
  label: i.label,
  id: i.id,
  publicIPv4: i.publicIPv4,
  privateIPv4: i.privateIPv4,
});
