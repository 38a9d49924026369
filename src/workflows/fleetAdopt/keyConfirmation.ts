// The operator's confirmation of the host keys, as handler state: the `confirmHostKeys` update is
// accepted only while keys wait for it, and only when every host's fingerprint matches a key that
// host presented; otherwise it is refused, naming each host, and nothing is pinned.
import { condition, setHandler } from '@temporalio/workflow';
import {
  confirmHostKeysUpdate,
  type FleetAdoptStatus,
  type HostKeyConfirmation,
  type ScannedHostKey,
} from '../../shared';

const normal = (fingerprint: string) =>
  fingerprint
    .trim()
    .replace(/^SHA256:/i, '')
    .replace(/=+$/, '');

export class KeyConfirmation {
  private scanned?: Map<string, ScannedHostKey[]>;
  private confirmed?: Map<string, ScannedHostKey>;

  constructor(private readonly t: { status: FleetAdoptStatus }) {
    setHandler(
      confirmHostKeysUpdate,
      (c) => {
        this.confirmed = this.match(c);
        return this.t.status;
      },
      { validator: (c) => void this.match(c) },
    );
  }

  /** Waits up to `timeoutMs` for matching fingerprints; the key to pin per host, or undefined. */
  async wait(scanned: Map<string, ScannedHostKey[]>, timeoutMs: number) {
    this.scanned = scanned;
    const done = await condition(() => this.confirmed !== undefined, timeoutMs, {
      summary: 'host key fingerprints from the operator',
    });
    this.scanned = undefined;
    return done ? this.confirmed : undefined;
  }

  private match(c: HostKeyConfirmation): Map<string, ScannedHostKey> {
    if (!this.scanned) throw new Error(`no host keys wait for confirmation (phase: ${this.t.status.phase})`);
    const given = c?.fingerprints ?? {};
    const problems: string[] = [];
    const out = new Map<string, ScannedHostKey>();
    for (const label of Object.keys(given))
      if (!this.scanned.has(label)) problems.push(`${label}: not a host of this adoption`);
    for (const [label, keys] of this.scanned) {
      const fingerprint = given[label];
      if (typeof fingerprint !== 'string' || !fingerprint.trim()) {
        problems.push(`${label}: no fingerprint given`);
        continue;
      }
      const key = keys.find((k) => normal(k.fingerprint) === normal(fingerprint));
      if (key) out.set(label, key);
      else
        problems.push(
          `${label}: ${fingerprint.trim()} is not a key ${label} presents ` +
            `(${keys.map((k) => `${k.type} ${k.fingerprint}`).join(', ')})`,
        );
    }
    if (problems.length > 0) throw new Error(`refused, nothing pinned: ${problems.join('; ')}`);
    return out;
  }
}
