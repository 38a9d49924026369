// The lab's DNS surroundings: fake parent (TLD) servers serving the lab zones' delegations,
// a fake registrar that changes the glue parent by parent, and a real recursive resolver.
//
//   await startParents({ glue: { 'ns1.example.test': '198.18.1.2', 'ns2.example.test': '198.18.1.3' } });
//   await startResolver({ parents: parentAddresses() });
//   await setGlue({ 'ns1.example.test': '198.18.2.9' }, { delayMs: 10_000, ttlSeconds: 30 });
//   await stopResolver(); await stopParents(); expect(await dnsLabLeftovers()).toEqual([]);
import path from 'node:path';
import type { LabConfig } from '../hosts/paths';
import { labPaths } from '../labPaths';
import { serviceLeftovers, serviceNetwork } from './network';

export {
  DEFAULT_DELEGATION_TTL,
  DEFAULT_DOMAIN,
  DEFAULT_PARENT_ADDRESSES,
  listParents,
  parentAddresses,
  startParents,
  stopParents,
} from './parents';
export type { ParentStatus, StartParentsOptions } from './parents';
export { describeParentView, setGlue, showParents } from './registrar';
export type { ParentView, SetGlueOptions, SetGlueResult, ZoneView } from './registrar';
export { DEFAULT_RESOLVER_ADDRESS, resolverStatus, startResolver, stopResolver } from './resolver';
export type { ResolverOptions, ResolverStatus, StartResolverOptions } from './resolver';
export { checkDelegations, parseDurationMs, parseGlueArgs, validateGlue, zoneBelow } from './glue';
export type { Delegation } from './zone';

export interface DnsLabLeftoverOptions {
  network?: Partial<LabConfig>;
  parentStateDir?: string;
  resolverStateDir?: string;
}

/** Namespaces, veths and processes of the parents and the resolver still present; [] when clean. */
export async function dnsLabLeftovers(options: DnsLabLeftoverOptions = {}): Promise<string[]> {
  const dirs = [options.parentStateDir ?? labPaths.parentState, options.resolverStateDir ?? labPaths.resolverState].map(
    (d) => path.resolve(d),
  );
  return serviceLeftovers(serviceNetwork(options.network), dirs);
}
