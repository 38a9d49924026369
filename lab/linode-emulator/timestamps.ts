// Linode writes times in UTC without a zone suffix or fractions: 2018-01-01T00:01:01.
export function linodeTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}
