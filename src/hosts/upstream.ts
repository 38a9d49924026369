// Where an LB sends queries: a nameserver's address and port. Pure (no runtime import), so
// workflow code may import it.

export interface Upstream {
  address: string;
  port: number;
}

/** "address:port", as reports and comparisons write an upstream. */
export const upstreamKey = (u: Upstream): string => `${u.address}:${u.port}`;
