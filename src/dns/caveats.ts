// Caveats of a zone that a deploy should show before serving it (seed 004 and peers' checks:
// DNSControl's apex-CNAME check, mail authentication records). Thresholds are data: each
// caveat has a level, and the deploy refuses only `error`s.
import type { ZoneCheckPolicy } from '../shared/nsDeploy';
import { isAtOrBelow } from './names';
import type { ZoneRecord } from './zone';

export interface Caveat {
  level: 'error' | 'warning' | 'info';
  code:
    'apex-cname' | 'wildcard' | 'spf-missing' | 'dmarc-missing' | 'dkim-missing' | 'mail-rdns' | 'rfc2181-cname-target';
  name: string;
  message: string;
}

/** By default an RFC 2181 §10.3 violation is an error. */
export const DEFAULT_ZONE_CHECK_POLICY: ZoneCheckPolicy = { rfc2181: 'error' };

const abs = (n: string) => (n.endsWith('.') ? n : `${n}.`).toLowerCase();
const txt = (r: ZoneRecord) => r.rdata.replace(/"\s+"/g, '').replace(/^"|"$/g, '');

/**
 * RFC 2181 §10.3: an MX exchange or an NS target (of the apex or of a delegation) must not be an
 * alias. Only names in the zone are checked (others are not in the file); each such record is one
 * caveat, at the policy's level.
 */
function cnameTargets(apex: string, records: ZoneRecord[], level: ZoneCheckPolicy['rfc2181']): Caveat[] {
  const cnames = new Map(records.filter((r) => r.type === 'CNAME').map((r) => [abs(r.name), abs(r.rdata)]));
  const out: Caveat[] = [];
  for (const r of records) {
    if (r.type !== 'MX' && r.type !== 'NS') continue;
    const fields = r.rdata.trim().split(/\s+/);
    const target = abs((r.type === 'MX' ? fields[1] : fields[0]) ?? '');
    const alias = cnames.get(target);
    if (!isAtOrBelow(target, apex) || alias === undefined) continue;
    const role = r.type === 'MX' ? 'an MX exchange' : 'an NS target';
    const accepted = level === 'error' ? '' : ' (accepted as a warning by the zone check policy rfc2181: warning)';
    out.push({
      level,
      code: 'rfc2181-cname-target',
      name: abs(r.name),
      message:
        `${abs(r.name)} ${r.type} ${r.rdata}: ${target} is a CNAME (to ${alias}); RFC 2181 §10.3 forbids ` +
        `${role} that is an alias: point the ${r.type} at ${alias} or give ${target} A/AAAA records${accepted}`,
    });
  }
  return out;
}

export function zoneCaveats(origin: string, records: ZoneRecord[], policy: Partial<ZoneCheckPolicy> = {}): Caveat[] {
  const apex = abs(origin);
  const out: Caveat[] = [];
  // Indexed once: a zone of 10 000 records with hundreds of mail names would otherwise be
  // scanned once per lookup.
  const byNameType = new Map<string, ZoneRecord[]>();
  for (const r of records) {
    const key = `${abs(r.name)} ${r.type}`;
    const list = byNameType.get(key);
    if (list) list.push(r);
    else byNameType.set(key, [r]);
  }
  const at = (name: string, type: string) => byNameType.get(`${name} ${type}`) ?? [];
  const dkimKeys = records.filter(
    (r) => r.type === 'TXT' && abs(r.name).includes('._domainkey.') && /(^|;)\s*(v=DKIM1|p=)/i.test(txt(r)),
  );

  if (at(apex, 'CNAME').length > 0) {
    out.push({
      level: 'error',
      code: 'apex-cname',
      name: apex,
      message:
        `${apex} has a CNAME: ` +
        'the zone apex must have A/AAAA records, not a CNAME ' +
        '(it would hide SOA, NS and MX)',
    });
  }
  for (const r of records.filter((x) => abs(x.name).startsWith('*.'))) {
    const under = abs(r.name).slice(2);
    out.push({
      level: 'warning',
      code: 'wildcard',
      name: abs(r.name),
      message:
        `${abs(r.name)} ${r.type}: a wildcard makes every typo under ${under} resolve, ` +
        `also for machines with "search ${under.replace(/\.$/, '')}" in resolv.conf`,
    });
  }
  const mailDomains = [...new Set(records.filter((r) => r.type === 'MX').map((r) => abs(r.name)))];
  for (const domain of mailDomains) {
    if (!at(domain, 'TXT').some((r) => /^v=spf1(\s|$)/i.test(txt(r)))) {
      out.push({
        level: 'warning',
        code: 'spf-missing',
        name: domain,
        message: `${domain} receives mail (MX) but publishes no SPF record (TXT "v=spf1 …")`,
      });
    }
    if (!at(`_dmarc.${domain}`, 'TXT').some((r) => /^v=DMARC1/i.test(txt(r)))) {
      out.push({
        level: 'warning',
        code: 'dmarc-missing',
        name: domain,
        message: `${domain} has MX but no DMARC record (TXT "v=DMARC1; …" at _dmarc.${domain})`,
      });
    }
    if (!dkimKeys.some((r) => abs(r.name).endsWith(`._domainkey.${domain}`))) {
      out.push({
        level: 'warning',
        code: 'dkim-missing',
        name: domain,
        message: `${domain} has MX but no DKIM key (TXT at <selector>._domainkey.${domain})`,
      });
    }
    for (const mx of at(domain, 'MX')) {
      const host = abs(mx.rdata.split(/\s+/)[1] ?? '');
      for (const a of [...at(host, 'A'), ...at(host, 'AAAA')]) {
        out.push({
          level: 'info',
          code: 'mail-rdns',
          name: host,
          message:
            `mail host ${host} (${a.rdata}): ` +
            `make sure its reverse DNS (PTR, set at the hosting provider) is ${host}`,
        });
      }
    }
  }
  out.push(...cnameTargets(apex, records, policy.rfc2181 ?? DEFAULT_ZONE_CHECK_POLICY.rfc2181));
  return out;
}
