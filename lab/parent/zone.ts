// What one fake parent serves: the TLD zone ("test.") with the delegations of the lab's zones
// (NS + glue, both with the delegation TTL), and the named.conf that serves it on one address.

/**
 * The delegations as the registrar holds them. Glue belongs to a name, not to a zone (a
 * registry's "host object"): ns1.example.test has one set of addresses, whichever zones name it.
 */
export interface Delegation {
  serial: number;
  /** TTL of the NS RRsets and the glue, in seconds. */
  ttl: number;
  /** Delegated zone (lower case, no trailing dot) → its NS names, sorted. */
  zones: Record<string, string[]>;
  /**
   * NS name → its addresses (IPv4 or IPv6): only names below a delegated zone have glue
   * (ns1.example.test does; shop.test's NS ns1.example.test has no glue of its own).
   */
  glue: Record<string, string[]>;
}

export interface ParentServer {
  /** "a.nic.test" */
  name: string;
  address: string;
}

/** "a.nic.test", "b.nic.test", … */
export function parentServerName(index: number, tld: string): string {
  if (index < 0 || index > 25) throw new Error('the lab has at most 26 parent servers');
  return `${String.fromCharCode(97 + index)}.nic.${tld}`;
}

export function renderParentZone(tld: string, servers: ParentServer[], d: Delegation): string {
  const lines = [
    `; ${tld}. as served by the lab's fake parents; written by lab/parent, do not edit.`,
    `$TTL 86400`,
    `${tld}. 86400 IN SOA ${servers[0].name}. hostmaster.nic.${tld}. ${d.serial} 1800 900 604800 60`,
    ...servers.map((s) => `${tld}. 86400 IN NS ${s.name}.`),
    ...servers.map((s) => `${s.name}. 86400 IN A ${s.address}`),
    ...Object.keys(d.zones)
      .sort()
      .flatMap((zone) => [...d.zones[zone]].sort().map((ns) => `${zone}. ${d.ttl} IN NS ${ns}.`)),
    ...Object.entries(d.glue)
      .sort(([a], [b]) => a.localeCompare(b))
      .flatMap(([ns, addresses]) => addresses.map((a) => `${ns}. ${d.ttl} IN ${a.includes(':') ? 'AAAA' : 'A'} ${a}`)),
  ];
  return `${lines.join('\n')}\n`;
}

export function renderParentNamedConf(dir: string, label: string, address: string, tld: string): string {
  return `// Fake parent ${label} of the lab; written by lab/parent, do not edit.
options {
    directory "${dir}";
    pid-file "${dir}/named.pid";
    session-keyfile "${dir}/session.key";
    managed-keys-directory "${dir}";
    listen-on port 53 { ${address}; };
    listen-on-v6 { none; };
    recursion no;
    allow-transfer { none; };
    notify no;
    dnssec-validation no;
    trust-anchor-telemetry no;
    server-id "${label}";
    tcp-listen-queue 64;
};
// Reloads come by SIGHUP to this named's PID: no control channel, no rndc key to share.
controls { };
logging {
    channel to_file { file "${dir}/named.log" versions 1 size 5m; print-time yes; severity info; };
    category default { to_file; };
    category lame-servers { null; };
};
zone "${tld}." { type primary; file "${dir}/${tld}.zone"; };
`;
}
