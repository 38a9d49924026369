// A generated, realistic zone of a given size for the verify benchmark: a company's zone with
// hosts across sites and environments (A, many with AAAA and SSHFP), round-robin service
// addresses, CNAMEs to in-zone hosts and to outside CDNs, mail subdomains (MX, SPF, DKIM with a
// 2048-bit key, DMARC), SRV for SIP/XMPP/LDAP/IMAP, CAA, TLSA, ACME challenges, site
// verification tokens, two delegated subzones with glue and a wildcard. Seeded, so the same
// parameters always give the same zone; named-checkzone accepts it.

import { seededRandom } from '../../lab/linode-emulator/faults';

export interface GeneratedZone {
  origin: string;
  text: string;
  /** Resource records in the zone (SOA and apex NS included). */
  records: number;
  /** Records per type. */
  byType: Record<string, number>;
}

const SITES = ['fra1', 'ams3', 'lon1', 'nyc1', 'nyc3', 'sfo2', 'tor1', 'sgp1', 'blr1', 'syd1'];
const ENVS = ['prod', 'stage', 'dev'];
const ROLES = [
  'web',
  'app',
  'api',
  'db',
  'cache',
  'worker',
  'queue',
  'search',
  'k8s-node',
  'etcd',
  'vault',
  'consul',
  'git',
  'ci-runner',
  'grafana',
  'prometheus',
  'loki',
  'kafka',
  'zk',
  'bastion',
  'vpn',
  'ldap',
  'smtp',
  'imap',
  'backup',
  'nfs',
  'minio',
  'redis',
  'pg',
  'mysql',
];
const SERVICES = [
  'www',
  'status',
  'docs',
  'help',
  'blog',
  'shop',
  'portal',
  'auth',
  'sso',
  'login',
  'console',
  'dashboard',
  'assets',
  'static',
  'cdn',
  'media',
  'img',
  'files',
  'download',
  'billing',
  'pay',
  'checkout',
  'careers',
  'jobs',
  'partners',
  'support',
  'community',
  'forum',
  'wiki',
  'intranet',
];
const BRANDS = [
  'acme',
  'globex',
  'initech',
  'umbrella',
  'hooli',
  'vandelay',
  'stark',
  'wayne',
  'tyrell',
  'cyberdyne',
  'soylent',
  'aperture',
  'wonka',
  'oscorp',
  'dunder',
  'pied-piper',
  'massive',
  'gringotts',
  'nakatomi',
  'monarch',
];
const CDNS = [
  'edge.cdn-provider.example.net.',
  'd111111abcdef8.cloudfront.example.net.',
  'custom.fastly.example.net.',
  'ghs.googlehosted.example.com.',
  'proxy.pages.example.org.',
];
const TEAMS = [
  'payments',
  'identity',
  'search',
  'growth',
  'platform',
  'data',
  'infra',
  'mobile',
  'risk',
  'ledger',
  'notify',
  'catalog',
  'orders',
  'pricing',
  'reviews',
];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function generateZone(o: { origin?: string; records?: number; seed?: number } = {}): GeneratedZone {
  const origin = (o.origin ?? 'example.test').replace(/\.$/, '');
  const target = o.records ?? 10_000;
  const rnd = seededRandom(o.seed ?? 20261123); // mulberry32: the same zone on every run
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[int(0, 15)]).join('');
  const b64 = (n: number) =>
    Array.from(
      { length: n },
      () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'[int(0, 63)],
    ).join('');

  const lines: string[] = [];
  const byType: Record<string, number> = {};
  let count = 0;
  /** Names that hold a CNAME (nothing else may live there) and names that hold other data. */
  const cnames = new Set<string>();
  const data = new Set<string>();
  const hosts: string[] = [];
  const mailHosts: string[] = [];
  let v4 = 0;
  let v6 = 0;
  /** The next unused address in 10.0.0.0/8 (never .0 or .255). */
  const nextV4 = () => {
    do v4++;
    while ((v4 & 255) === 0 || (v4 & 255) === 255);
    return `10.${(v4 >> 16) & 255}.${(v4 >> 8) & 255}.${v4 & 255}`;
  };
  const nextV6 = () =>
    `2001:db8:${(++v6 >> 16).toString(16)}:${(v6 & 0xffff).toString(16)}::${int(1, 0xfff).toString(16)}`;

  const seen = new Set<string>();
  const keys: string[] = [];
  const add = (name: string, ttl: number | null, type: string, rdata: string) => {
    // BIND merges identical records: never write one twice, so the count is what BIND serves.
    const key = `${name} ${type} ${rdata}`;
    if (seen.has(key)) return;
    seen.add(key);
    keys.push(key);
    lines.push(`${name.padEnd(44)}${String(ttl ?? '').padStart(6)} IN ${type.padEnd(5)} ${rdata}`);
    byType[type] = (byType[type] ?? 0) + 1;
    count++;
  };
  const free = (name: string) => !cnames.has(name) && !data.has(name);
  const own = (name: string) => data.add(name);

  // Apex: SOA, NS, the servers, the website, mail, policies.
  lines.push(`$ORIGIN ${origin}.`, '$TTL 3600');
  add('@', null, 'SOA', 'ns1 hostmaster 2026112301 7200 900 1209600 300');
  add('@', null, 'NS', 'ns1');
  add('@', null, 'NS', 'ns2');
  add('ns1', 86400, 'A', '198.51.100.53');
  add('ns2', 86400, 'A', '198.51.100.54');
  add('@', 300, 'A', '198.51.100.80');
  add('@', 300, 'AAAA', '2001:db8::80');
  for (const [pref, host] of [
    [10, 'mx1'],
    [20, 'mx2'],
  ] as const) {
    add('@', null, 'MX', `${pref} ${host}`);
    add(host, null, 'A', nextV4());
    own(host);
    mailHosts.push(host);
  }
  add('@', null, 'TXT', '"v=spf1 mx ip4:198.51.100.0/24 include:_spf.mailer.example.net -all"');
  add('@', null, 'TXT', `"google-site-verification=${b64(43).replace(/[+/]/g, 'x')}"`);
  add('@', null, 'TXT', `"MS=ms${int(10000000, 99999999)}"`);
  add(
    '_dmarc',
    null,
    'TXT',
    `"v=DMARC1; p=reject; rua=mailto:dmarc-reports@${origin}; ruf=mailto:dmarc-forensic@${origin}; fo=1"`,
  );
  add('@', null, 'CAA', '0 issue "letsencrypt.org"');
  add('@', null, 'CAA', '0 issuewild ";"');
  add('@', null, 'CAA', `0 iodef "mailto:security@${origin}"`);
  ['@', 'ns1', 'ns2', '_dmarc'].forEach(own);
  // A wildcard for preview deployments, and two delegated subzones with glue.
  add('*.preview', 300, 'CNAME', 'preview-lb');
  add('preview-lb', 300, 'A', nextV4());
  own('preview-lb');
  for (const sub of ['corp', 'lab']) {
    for (const n of [1, 2]) {
      add(sub, 86400, 'NS', `ns${n}.${sub}`);
      add(`ns${n}.${sub}`, 86400, 'A', nextV4());
    }
    own(sub);
  }

  // The bulk: entities chosen by weight until the zone has `target` records.
  type Entity = () => void;
  const host: Entity = () => {
    const name = `${pick(ROLES)}-${pad(int(1, 99))}.${pick(SITES)}.${pick(ENVS)}`;
    if (!free(name)) return;
    own(name);
    hosts.push(name);
    const ttl = pick([null, 300, 600]);
    add(name, ttl, 'A', nextV4());
    if (rnd() < 0.45) add(name, ttl, 'AAAA', nextV6());
    if (rnd() < 0.15) {
      add(name, null, 'SSHFP', `1 2 ${hex(64)}`);
      add(name, null, 'SSHFP', `4 2 ${hex(64)}`);
    }
    if (rnd() < 0.05) add(`_443._tcp.${name}`, null, 'TLSA', `3 1 1 ${hex(64)}`);
  };
  const roundRobin: Entity = () => {
    const name = `${pick(['lb', 'ingress', 'edge', 'gw'])}-${pad(int(1, 20))}.${pick(SITES)}`;
    if (!free(name)) return;
    own(name);
    hosts.push(name);
    for (let i = int(2, 4); i > 0; i--) add(name, 60, 'A', nextV4());
    if (rnd() < 0.5) for (let i = int(1, 2); i > 0; i--) add(name, 60, 'AAAA', nextV6());
  };
  const alias: Entity = () => {
    const name = rnd() < 0.5 ? `${pick(SERVICES)}.${pick(BRANDS)}` : `${pick(SERVICES)}-${pick(TEAMS)}.${pick(ENVS)}`;
    if (!free(name) || hosts.length === 0) return;
    cnames.add(name);
    add(name, pick([null, 300]), 'CNAME', rnd() < 0.7 ? pick(hosts) : pick(CDNS));
  };
  const mailDomain: Entity = () => {
    const sub = `${pick(BRANDS)}${rnd() < 0.5 ? '' : `-${pick(['mail', 'news', 'notify', 'billing'])}`}`;
    if (!free(sub)) return;
    own(sub);
    const mx = `mx-${pad(int(1, 99))}.${pick(SITES)}.mail`;
    if (free(mx)) {
      own(mx);
      add(mx, null, 'A', nextV4());
      mailHosts.push(mx);
    }
    add(sub, null, 'MX', `10 ${pick(mailHosts)}`);
    add(sub, null, 'MX', `20 ${pick(mailHosts)}`);
    add(sub, null, 'TXT', `"v=spf1 mx include:spf.${pick(['sendgrid', 'mailgun', 'postmark'])}.example.net ~all"`);
    const key = b64(392);
    add(`s${int(1, 3)}._domainkey.${sub}`, null, 'TXT', `"v=DKIM1; k=rsa; p=${key.slice(0, 200)}" "${key.slice(200)}"`);
    add(
      `_dmarc.${sub}`,
      null,
      'TXT',
      `"v=DMARC1; p=${pick(['none', 'quarantine', 'reject'])}; rua=mailto:dmarc@${origin}"`,
    );
  };
  const srv: Entity = () => {
    const [service, port] = pick([
      ['_sip._udp', 5060],
      ['_sip._tcp', 5060],
      ['_sips._tcp', 5061],
      ['_xmpp-client._tcp', 5222],
      ['_xmpp-server._tcp', 5269],
      ['_ldap._tcp', 389],
      ['_kerberos._udp', 88],
      ['_imaps._tcp', 993],
      ['_submission._tcp', 587],
      ['_caldavs._tcp', 443],
    ] as const);
    const name = `${service}.${pick(SITES)}.${pick(ENVS)}`;
    if (!free(name) || hosts.length < 3) return;
    own(name);
    for (let i = int(1, 3); i > 0; i--) add(name, null, 'SRV', `${int(0, 20)} ${int(0, 100)} ${port} ${pick(hosts)}`);
  };
  const txtRecord: Entity = () => {
    const name =
      rnd() < 0.5
        ? `_acme-challenge.${pick(SERVICES)}.${pick(BRANDS)}`
        : `${pick(TEAMS)}-${pad(int(1, 999), 3)}.verify`;
    if (!free(name)) return;
    own(name);
    add(name, 120, 'TXT', `"${b64(43).replace(/[+/]/g, '-')}"`);
  };
  const weighted: [number, Entity][] = [
    [52, host],
    [6, roundRobin],
    [20, alias],
    [5, mailDomain],
    [6, srv],
    [11, txtRecord],
  ];
  const total = weighted.reduce((a, [w]) => a + w, 0);
  for (let guard = 0; count < target && guard < target * 20; guard++) {
    let r = rnd() * total;
    const entity = weighted.find(([w]) => (r -= w) < 0)?.[1] ?? host;
    const before = { lines: lines.length, count, byType: { ...byType } };
    entity();
    if (count > target) {
      // Overshot with a multi-record entity: undo it and fill up with single records.
      for (const k of keys.splice(before.count)) seen.delete(k);
      lines.length = before.lines;
      count = before.count;
      for (const k of Object.keys(byType)) byType[k] = before.byType[k] ?? 0;
      while (count < target) {
        const name = `spare-${pad(count, 5)}.${pick(SITES)}.${pick(ENVS)}`;
        if (!free(name)) continue;
        own(name);
        add(name, null, 'A', nextV4());
      }
    }
  }
  if (count !== target) throw new Error(`zone generator made ${count} records, not ${target}`);
  return { origin: `${origin}.`, text: lines.join('\n') + '\n', records: count, byType };
}
