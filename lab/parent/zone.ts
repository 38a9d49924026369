// What one fake parent serves: the TLD zone ("test.") with the delegation of the lab domain
// (NS + glue, both with the delegation TTL), and the named.conf that serves it on one address.

/** A delegation as the registrar holds it: NS names (the glue's keys) and their addresses. */
export interface Delegation {
  serial: number;
  /** TTL of the NS RRset and the glue, in seconds. */
  ttl: number;
  /** NS name (lower case, no trailing dot) → its addresses (IPv4 or IPv6). */
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

export function renderParentZone(tld: string, domain: string, servers: ParentServer[], d: Delegation): string {
  const lines = [
    `; ${tld}. as served by the lab's fake parents; written by lab/parent, do not edit.`,
    `$TTL 86400`,
    `${tld}. 86400 IN SOA ${servers[0].name}. hostmaster.nic.${tld}. ${d.serial} 1800 900 604800 60`,
    ...servers.map((s) => `${tld}. 86400 IN NS ${s.name}.`),
    ...servers.map((s) => `${s.name}. 86400 IN A ${s.address}`),
    ...Object.keys(d.glue)
      .sort()
      .map((ns) => `${domain}. ${d.ttl} IN NS ${ns}.`),
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
