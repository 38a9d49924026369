// Linode's label rules (API v4): 3–64 characters, starting with a letter, letters, digits
// and - _ . only, and no doubled separators. Checked here so a bad label in the fleet config
// fails before anything is created, with the same wording the API would use.
export const LABEL_MIN = 3;
export const LABEL_MAX = 64;

export function linodeLabelProblem(label: string): string | undefined {
  if (label.length < LABEL_MIN || label.length > LABEL_MAX)
    return `must be ${LABEL_MIN}–${LABEL_MAX} characters (got ${label.length})`;
  if (!/^[A-Za-z]/.test(label)) return 'must begin with a letter';
  if (!/^[A-Za-z0-9._-]+$/.test(label)) return 'may contain only letters, digits, "-", "_" and "."';
  if (/--|__|\.\./.test(label)) return 'must not contain two dashes, underscores or periods in a row';
  return undefined;
}
