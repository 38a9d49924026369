// One approval, asked by any workflow that waits for a human's go: its policy, what the
// operator sends, what the status shows, and the two updates (approve, reject).
import { defineUpdate } from '@temporalio/workflow';
import type { StatusBase } from './status';

export interface ApprovalPolicy {
  timeoutMs: number;
  onTimeout: 'abort' | 'continue';
}

export interface ApprovalDecision {
  by?: string;
  reason?: string;
}

/** The approval as the status shows it. */
export interface ApprovalView {
  pending: boolean;
  deadline?: string;
  decision?: 'approved' | 'rejected' | 'timed-out';
  by?: string;
  reason?: string;
}

/** Longest `reason` an approval update accepts. */
export const MAX_REASON_LENGTH = 500;

/** Both answer with the workflow's status after the decision (callers read `phase`). */
export const approveUpdate = defineUpdate<StatusBase, [ApprovalDecision]>('approve');
export const rejectUpdate = defineUpdate<StatusBase, [ApprovalDecision]>('reject');
