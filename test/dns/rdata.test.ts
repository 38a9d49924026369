// The presentation formatter must print what BIND prints: every record BIND serves is
// formatted from the wire and compared, as text, with named-compilezone's line for it.
import {
  groupRRsets,
  loadZoneText,
  nameKey,
  normaliseRdata,
  presentName,
  presentRecord,
  query,
  type DnsServer,
  type Zone,
} from '../../src/dns';
import { formatIPv6, parseIPv6 } from '../../src/dns/ipv6';
import { toWireName } from '../../src/dns/names';
import { startBind, type RunningBind } from '../helpers/bind';
import { goodZone } from './zones';

const tricky = `$TTL 300
@ SOA ns1 h\\.master 1 2 3 4 5
@ NS ns1
ns1 A 192.0.2.1
t TXT "a;b" "(x)" "" "@$" "\\\\" "x\\"y" "\\127" "\\001" "tab\\tz" "caf\\195\\169"
caa CAA 0 issue "ca.example; account=\\"x\\" \\\\ \\195\\169"
caa CAA 128 tbs Unquoted
n NAPTR 100 10 "u" "E2U+sip" "!^\\\\+44(.*)$!sip:\\\\1@x!" .
v4 AAAA ::ffff:192.0.2.1
compat AAAA ::192.0.2.1
zeros AAAA 1:0:0:1:0:0:0:1
sp\\032ace TXT "owner with a space"
at\\@sign TXT "owner with an at sign"
spf SPF "v=spf1 -all" "more"
mx MX 0 .
srv SRV 0 0 0 .
`;

let bind: RunningBind;
let server: DnsServer;
const zones: Record<string, Zone> = {};

beforeAll(async () => {
  const texts = { 'good.test': goodZone('good.test'), 'tricky.test': tricky };
  bind = await startBind({
    label: 'rdata-ns',
    zones: Object.entries(texts).map(([origin, text]) => ({ origin, text })),
  });
  server = { address: bind.address, port: bind.port };
  for (const [origin, text] of Object.entries(texts)) zones[origin] = await loadZoneText(text, origin);
});
afterAll(async () => bind?.stop());

/** BIND splits long hex fields into chunks; that is the only difference we allow. */
const unchunked = (type: string, rdata: string) =>
  ['DS', 'TLSA', 'SSHFP'].includes(type) ? normaliseRdata(type, rdata) : rdata;

test.each(['good.test', 'tricky.test'])(
  'every served record of %s formats exactly as named-compilezone prints it',
  async (origin) => {
    let compared = 0;
    const sets = groupRRsets(zones[origin]).filter((s) => s.role === 'authoritative');
    for (const set of sets) {
      const res = await query(server, { name: set.name, type: set.type }, { transport: 'tcp' });
      const presented = res.answers
        .map(presentRecord)
        .filter((p) => nameKey(p.name) === set.name && p.type === set.type);
      expect({
        set: `${set.name} ${set.type}`,
        rdata: presented.map((p) => unchunked(set.type, p.rdata ?? '?')).sort(),
      }).toEqual({ set: `${set.name} ${set.type}`, rdata: set.rdata.map((r) => unchunked(set.type, r)).sort() });
      compared += presented.length;
    }
    expect(compared).toBe(sets.reduce((n, s) => n + s.rdata.length, 0));
    expect(compared).toBeGreaterThanOrEqual(15);
  },
);

test('IPv6 text follows BIND: longest zero run compressed, embedded IPv4 for mapped/compatible', () => {
  const cases: Record<string, string> = {
    '2001:DB8:0:0::1': '2001:db8::1',
    '1:0:0:1:0:0:0:1': '1:0:0:1::1',
    '1:0:0:0:1:0:0:1': '1::1:0:0:1',
    '1:0:1:0:1:0:1:0': '1:0:1:0:1:0:1:0',
    '::ffff:1.2.3.4': '::ffff:1.2.3.4',
    '0:0:0:0:0:ffff:102:304': '::ffff:1.2.3.4',
    '::1': '::1',
    '::': '::',
    '2001:db8::1.2.3.4': '2001:db8::102:304',
  };
  for (const [input, out] of Object.entries(cases))
    expect([input, formatIPv6(parseIPv6(input) ?? new Uint8Array(16))]).toEqual([input, out]);
});

test('names: BIND escapes on output, and names dns-packet cannot carry are refused', () => {
  expect(presentName('sp ace.ex@mple.test')).toBe('sp\\032ace.ex\\@mple.test.');
  expect(presentName('john\\.doe.example.test', { mail: true })).toBe('john\\.doe.example.test.');
  expect(presentName('.')).toBe('.');
  expect(toWireName('sp\\032ace.example.test.')).toBe('sp ace.example.test');
  expect(toWireName('caf\\195\\169.example.test.')).toBe('café.example.test');
  expect(toWireName('dot\\.ted.example.test.')).toBeUndefined();
  expect(toWireName('bad\\255.example.test.')).toBeUndefined();
});

test('normalisation: names fold case, hex loses chunking and case, strings keep case', () => {
  expect(normaliseRdata('MX', '10 Mail.Example.TEST.')).toBe('10 mail.example.test.');
  expect(normaliseRdata('DS', '1 13 2 abCD 01')).toBe('1 13 2 ABCD01');
  expect(normaliseRdata('TXT', '"Hello"')).toBe('"Hello"');
  expect(normaliseRdata('NAPTR', '1 1 "U" "E2U" "!^.*$!Sip:x!" Host.Example.')).toBe(
    '1 1 "U" "E2U" "!^.*$!Sip:x!" host.example.',
  );
  expect(normaliseRdata('CAA', '0 ISSUE "Ca.Example"')).toBe('0 issue "Ca.Example"');
  expect(normaliseRdata('AAAA', '2001:DB8::0:1')).toBe('2001:db8::1');
});
