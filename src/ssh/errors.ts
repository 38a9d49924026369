// Errors of SSH and of the host operations built on it (src/hosts), as plain Errors that carry
// what an activity needs to report them: a type name (which workflows and tests match, e.g.
// 'SshHostKeyVerificationFailed') and whether a retry may help. Only the activities turn them
// into Temporal failures (src/activities/failures.ts): nothing here knows about Temporal.

/** An error with a type name and a retry verdict; the message says what went wrong and where. */
export class TypedError extends Error {
  readonly type: string;
  /** True when a retry would fail the same way (bad input, a wrong host key…). */
  readonly nonRetryable: boolean;

  constructor(message: string, kind: { type: string; nonRetryable?: boolean }) {
    super(message);
    this.name = new.target.name;
    this.type = kind.type;
    this.nonRetryable = kind.nonRetryable ?? false;
  }
}

/** SSH itself failed (target, key, host key, connection, timeout, cancellation), not the remote command. */
export class SshError extends TypedError {}

/** The remote command ran and did not succeed. */
export class RemoteCommandError extends TypedError {}
