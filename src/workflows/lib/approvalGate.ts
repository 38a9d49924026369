// The one approval step: the `approve`/`reject` updates (validated: only while an approval is
// pending, a reason of bounded length), the wait with its deadline, and what the status shows.
import { condition, setHandler } from '@temporalio/workflow';
import {
  approveUpdate,
  MAX_REASON_LENGTH,
  rejectUpdate,
  type ApprovalDecision,
  type ApprovalPolicy,
  type ApprovalView,
  type StatusBase,
} from '../../shared';
import { formatDuration } from '../../shared/duration';

interface Asking {
  status: StatusBase & { approval?: ApprovalView };
  phase(phase: 'approval', note: string): void;
}

export interface ApprovalOutcome {
  /** Go on: approved, or no answer in time under `onTimeout: 'continue'`. */
  go: boolean;
  decision: NonNullable<ApprovalView['decision']>;
  /** "rejected by ann: not today", "no approval within 1h (policy: abort)", "approved by ann". */
  why: string;
}

export class ApprovalGate {
  private decision?: { approved: boolean } & ApprovalDecision;

  /** Registers the updates; call once, before the workflow's first step. */
  constructor(private readonly t: Asking) {
    for (const [update, approved] of [
      [approveUpdate, true],
      [rejectUpdate, false],
    ] as const) {
      setHandler(
        update,
        (d) => {
          this.decision = { approved, by: d?.by, reason: d?.reason };
          return this.t.status;
        },
        { validator: (d) => this.validate(d) },
      );
    }
  }

  /** Waits up to the policy's timeout for a decision; the status shows the deadline, then the outcome. */
  async ask(policy: ApprovalPolicy, question: string): Promise<ApprovalOutcome> {
    const deadline = new Date(Date.now() + policy.timeoutMs).toISOString();
    this.t.status.approval = { pending: true, deadline };
    this.t.phase('approval', question);
    const decided = await condition(() => this.decision !== undefined, policy.timeoutMs, {
      summary: `approval (until ${deadline})`,
    });
    if (!decided || !this.decision) {
      this.t.status.approval = { pending: false, decision: 'timed-out' };
      const go = policy.onTimeout === 'continue';
      const why = `no approval within ${formatDuration(policy.timeoutMs)} (policy: ${policy.onTimeout})`;
      return { go, decision: 'timed-out', why };
    }
    const { approved, by, reason } = this.decision;
    const decision = approved ? 'approved' : 'rejected';
    this.t.status.approval = { pending: false, decision, by, reason };
    return { go: approved, decision, why: `${decision}${by ? ` by ${by}` : ''}${reason ? `: ${reason}` : ''}` };
  }

  private validate(d: ApprovalDecision): void {
    const { status } = this.t;
    if (!status.approval?.pending) throw new Error(`no approval is pending (phase: ${status.phase})`);
    if (d?.reason !== undefined && (typeof d.reason !== 'string' || d.reason.length > MAX_REASON_LENGTH)) {
      throw new Error(`reason: must be text of at most ${MAX_REASON_LENGTH} characters`);
    }
  }
}
