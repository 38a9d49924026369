// Whom a monitoring run asks: every running LB (public address) and every running nameserver
// directly (private address), and whether the zone's NS names point at live LBs.
import type { InstanceInfo } from '../../activities/linode';
import type { ZoneDelegation } from '../../activities/monitor';
import { fleetTag, type MonitorFailure, type MonitorInput } from '../../shared';

export interface Target {
  instance: InstanceInfo;
  kind: 'lb' | 'ns';
  address: string;
  where: string;
}

/** The targets among the live instances; a configured host not running is a failure. */
export function targetsOf(input: MonitorInput, live: InstanceInfo[], failures: MonitorFailure[]): Target[] {
  const running = (label: string) => live.find((i) => i.label === label && i.status === 'running');
  for (const label of [...input.loadBalancers, ...input.nameservers].filter((l) => !running(l))) {
    failures.push({ where: 'fleet', what: `no running instance labelled ${label} with tag ${fleetTag(input.fleet)}` });
  }
  const lb = (i: InstanceInfo): Target => ({
    instance: i,
    kind: 'lb',
    address: i.publicIPv4,
    where: `${i.label} ${i.publicIPv4}`,
  });
  const ns = (i: InstanceInfo): Target => {
    const address = i.privateIPv4 ?? i.publicIPv4;
    return { instance: i, kind: 'ns', address, where: `${i.label} ${address} (direct)` };
  };
  return [
    ...input.loadBalancers.flatMap((l) => running(l) ?? []).map(lb),
    ...input.nameservers.flatMap((l) => running(l) ?? []).map(ns),
  ];
}

/**
 * The zone's NS names must point at live LBs (a replacement's new LBs count: the zone and glue
 * move to them before the old ones go).
 */
export function nsNameFailures(input: MonitorInput, live: InstanceInfo[], expected: ZoneDelegation): MonitorFailure[] {
  const lbLabels = new Set(input.loadBalancers.flatMap((l) => [l, l + input.nextSuffix]));
  const lbAddresses = new Set(
    live.filter((i) => lbLabels.has(i.label)).flatMap((i) => [i.publicIPv4, ...(i.privateIPv4 ? [i.privateIPv4] : [])]),
  );
  const known = [...lbAddresses].join(', ') || 'none';
  return Object.entries(expected.addresses).flatMap(([name, addresses]) => [
    ...(addresses.length === 0
      ? [
          {
            where: 'zone file',
            record: `${name}. A`,
            what: 'NS name in the zone without an address in it (no glue possible)',
          },
        ]
      : []),
    ...addresses
      .filter((a) => !lbAddresses.has(a))
      .map((a) => ({
        where: 'zone file',
        record: `${name}. A`,
        what: `${a} is not the address of a live LB (${known})`,
      })),
  ]);
}
