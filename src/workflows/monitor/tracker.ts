// What the operator sees of a monitoring run: each server checked, each parent, the failures
// and the alert. No DeployPhase here: the run sets FleetHealth at its end instead.
import type { MonitorStatus } from '../../shared';
import { formatDuration } from '../../shared/duration';
import { StatusTracker } from '../lib/statusTracker';

const SHOWN_FAILURES = 15;

export class MonitorTracker extends StatusTracker<MonitorStatus> {
  /** The alert's outcome, once sent (or not). */
  alertLine?: string;

  constructor(
    fleet: string,
    domains: string[],
    private readonly everyMs: number,
  ) {
    const zones = domains.map((domain) => ({ domain }));
    super({ phase: 'probing', fleet, zones, servers: [], parents: [], failures: [], failuresOmitted: 0, events: [] });
  }

  protected details(): string[] {
    const s = this.status;
    const head = s.phase === 'probing' ? 'checking' : s.phase === 'ok' ? 'ok' : '**FAILING**';
    const zones = s.zones.map((z) => `${z.domain}${z.serial ? ` serial ${z.serial}` : ''}`).join(', ');
    const more = s.failures.length - SHOWN_FAILURES + s.failuresOmitted;
    return [
      `**Fleet \`${s.fleet}\`: ${head}** — ${zones} (every ${formatDuration(this.everyMs)})`,
      '',
      ...s.servers.map((v) => {
        const how = `${v.kind === 'lb' ? 'through' : 'direct on'} ${v.label} ${v.address}`;
        const found = v.differences ? `**${v.differences} difference(s)**` : 'no difference';
        const by = v.nsids.length ? ` (answered by ${v.nsids.join(', ')})` : '';
        return `- ${how}: ${v.recordsChecked} records, ${v.queriesSent} queries, ${found}${by}`;
      }),
      ...s.parents.map((p) => `- parent ${p.parent}: ${p.ok ? 'ok' : '**wrong**'} — ${p.detail}`),
      ...(s.failures.length ? ['', 'Failures:', ''] : []),
      ...s.failures.slice(0, SHOWN_FAILURES).map((f) => `- ${f.where}${f.record ? ` — ${f.record}` : ''}: ${f.what}`),
      ...(more > 0 ? [`- … ${more} more`] : []),
      ...(this.alertLine ? ['', this.alertLine] : []),
    ];
  }
}
