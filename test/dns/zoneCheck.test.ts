// The zone check before a deploy: RFC 2181 §10.3 (an MX exchange or NS target must not be an
// alias) as an error by default or a warning by policy, and named-compilezone's own warnings
// in clear text, as named would log them when it loads the zone.
import { ApplicationFailure } from '@temporalio/common';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createZoneActivities } from '../../src/activities/zone';
import { loadZoneText, type ZoneRecord } from '../../src/dns';
import { zoneCaveats, type Caveat } from '../../src/dns/caveats';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-zonecheck-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const { checkZone } = createZoneActivities();

/** A complete mail zone (SPF, DMARC, DKIM) whose only fault is `extra`. */
const zone = (extra: string, mx = '@ IN MX 10 mail') => `$ORIGIN example.test.
$TTL 300
@ IN SOA ns1 hostmaster 2026120100 7200 900 1209600 300
  IN NS ns1
  IN NS ns2
ns1 IN A 192.0.2.53
ns2 IN A 192.0.2.54
${mx}
@ IN TXT "v=spf1 mx -all"
_dmarc IN TXT "v=DMARC1; p=reject"
s1._domainkey IN TXT "v=DKIM1; p=abc"
host IN A 192.0.2.25
${extra}
`;

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const rfc2181 = (caveats: Caveat[]) => caveats.filter((c) => c.code === 'rfc2181-cname-target');

describe('RFC 2181 §10.3 caveat (pure)', () => {
  const r = (name: string, type: string, rdata: string): ZoneRecord => ({ name, ttl: 300, class: 'IN', type, rdata });
  const records = [
    r('example.test.', 'NS', 'ns1.example.test.'),
    r('example.test.', 'NS', 'alias.example.test.'),
    r('example.test.', 'MX', '10 mail.example.test.'),
    r('example.test.', 'MX', '20 mx.example.net.'),
    r('sub.example.test.', 'MX', '10 host.example.test.'),
    r('child.example.test.', 'NS', 'nsalias.example.test.'),
    r('child.example.test.', 'NS', 'ns.example.net.'),
    r('mail.example.test.', 'CNAME', 'host.example.test.'),
    r('alias.example.test.', 'CNAME', 'ns1.example.test.'),
    r('nsalias.example.test.', 'CNAME', 'elsewhere.example.net.'),
    r('host.example.test.', 'A', '192.0.2.25'),
    r('mx.example.net.', 'CNAME', 'x.example.net.'), // not in the zone: not ours to judge
  ];

  test('apex NS, delegation NS and MX targets that are CNAME owners: errors naming the record', () => {
    const found = rfc2181(zoneCaveats('example.test', records));
    expect(found).toEqual([
      {
        level: 'error',
        code: 'rfc2181-cname-target',
        name: 'example.test.',
        message:
          'example.test. NS alias.example.test.: alias.example.test. is a CNAME (to ns1.example.test.); ' +
          'RFC 2181 §10.3 forbids an NS target that is an alias: point the NS at ns1.example.test. ' +
          'or give alias.example.test. A/AAAA records',
      },
      {
        level: 'error',
        code: 'rfc2181-cname-target',
        name: 'example.test.',
        message:
          'example.test. MX 10 mail.example.test.: mail.example.test. is a CNAME (to host.example.test.); ' +
          'RFC 2181 §10.3 forbids an MX exchange that is an alias: point the MX at host.example.test. ' +
          'or give mail.example.test. A/AAAA records',
      },
      {
        level: 'error',
        code: 'rfc2181-cname-target',
        name: 'child.example.test.',
        message: expect.stringMatching(
          /^child\.example\.test\. NS nsalias\.example\.test\.: .* is a CNAME \(to elsewhere\.example\.net\.\); RFC 2181 §10\.3/,
        ),
      },
    ]);
  });

  test('the policy lowers them to warnings and says so', () => {
    const found = rfc2181(zoneCaveats('example.test', records, { rfc2181: 'warning' }));
    expect(found.map((c) => c.level)).toEqual(['warning', 'warning', 'warning']);
    expect(found[1].message).toMatch(
      /RFC 2181 §10\.3 .*\(accepted as a warning by the zone check policy rfc2181: warning\)$/,
    );
    expect(rfc2181(zoneCaveats('example.test', records, { rfc2181: 'error' }))).toHaveLength(3);
  });

  test('targets with addresses, or outside the zone, are fine', () => {
    const fine = records.filter((x) => x.type !== 'CNAME' || x.name === 'mx.example.net.');
    expect(rfc2181(zoneCaveats('example.test', fine))).toEqual([]);
  });
});

describe('checkZone', () => {
  test('a zone whose MX points at a CNAME: an error naming the record and RFC 2181 §10.3; BIND warns too', async () => {
    const zoneFile = write('mx-cname.zone', zone('mail IN CNAME host'));
    const check = await checkZone({ zoneFile, domain: 'example.test' });
    const errors = check.caveats.filter((c) => c.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'rfc2181-cname-target', name: 'example.test.' });
    expect(errors[0].message).toContain('example.test. MX 10 mail.example.test.: mail.example.test. is a CNAME');
    expect(errors[0].message).toContain('RFC 2181 §10.3');
    // named-compilezone's own words, without the "zone example.test/IN: " prefix of each line.
    expect(check.warnings).toEqual(["example.test/MX 'mail.example.test' is a CNAME (illegal)"]);
    expect(check).toMatchObject({ origin: 'example.test.', serial: 2026120100 });
  });

  test('…accepted as a warning with the policy rfc2181: warning', async () => {
    const zoneFile = write('mx-cname.zone', zone('mail IN CNAME host'));
    const check = await checkZone({ zoneFile, domain: 'example.test', rfc2181: 'warning' });
    expect(check.caveats.filter((c) => c.level === 'error')).toEqual([]);
    expect(rfc2181(check.caveats)).toEqual([
      expect.objectContaining({ level: 'warning', message: expect.stringContaining('RFC 2181 §10.3') }),
    ]);
    expect(check.warnings).toEqual(["example.test/MX 'mail.example.test' is a CNAME (illegal)"]);
  });

  test('a delegation whose NS target is a CNAME, and missing glue: caveat and BIND warnings', async () => {
    const zoneFile = write(
      'delegation.zone',
      zone('sub IN NS nsalias\nsub IN NS ns.sub\nnsalias IN CNAME host', '@ IN MX 10 host'),
    );
    const check = await checkZone({ zoneFile, domain: 'example.test' });
    expect(rfc2181(check.caveats)).toEqual([expect.objectContaining({ level: 'error', name: 'sub.example.test.' })]);
    expect(check.warnings).toEqual([
      "sub.example.test/NS 'ns.sub.example.test' has no REQUIRED GLUE address records (A or AAAA)",
      "sub.example.test/NS 'nsalias.example.test' is a CNAME (illegal)",
    ]);
  });

  test('a clean zone: no caveat at error level, no warning', async () => {
    const zoneFile = write('clean.zone', zone('www IN CNAME host', '@ IN MX 10 host'));
    const check = await checkZone({ zoneFile, domain: 'example.test' });
    expect(check.caveats.filter((c) => c.level !== 'info')).toEqual([]);
    expect(check.warnings).toEqual([]);
    expect(check).toMatchObject({ records: 11, rrsets: 10 });
  });

  test('an apex NS that is a CNAME does not load at all (named refuses it): the failure says why', async () => {
    const zoneFile = write('apex-ns.zone', zone('ns2 IN CNAME host').replace('ns2 IN A 192.0.2.54\n', ''));
    const err = await checkZone({ zoneFile, domain: 'example.test', rfc2181: 'warning' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'ZoneLoadError', nonRetryable: true });
    expect((err as Error).message).toContain("NS 'ns2.example.test' is a CNAME (illegal)");
    expect((err as Error).message).toContain('RFC 2181 §10.3');
  });

  test('a policy value that is not error or warning is refused', async () => {
    const zoneFile = write('clean.zone', zone(''));
    const err = await checkZone({ zoneFile, domain: 'example.test', rfc2181: 'ignore' as 'error' }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ type: 'InvalidInput', nonRetryable: true });
  });
});

test("zone text read from stdin: diagnostics name the text's source, not named-compilezone's stream", async () => {
  const loaded = await loadZoneText(zone('bad_name IN A 192.0.2.9', '@ IN MX 10 host'), 'example.test', {
    checkNames: 'warn',
    source: 'generated example.test',
  });
  expect(loaded.warnings).toEqual(['generated example.test:13: bad_name.example.test: bad owner name (check-names)']);
});
