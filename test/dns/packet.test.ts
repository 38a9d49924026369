// decodeMessage decodes the authority and additional sections only when they are read: the
// result must be what decoding everything with dns-packet gives, a message cut short or with a
// bad compression pointer must still fail at once, and a record dns-packet cannot decode must
// still fail (when its section is read, as a DnsProtocolError from query()).
import dnsPacket from 'dns-packet';
import { DnsProtocolError, query } from '../../src/dns';
import { decodeMessage } from '../../src/dns/packet';
import { fakeUdpDns } from '../helpers/fakeDns';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

/** A referral-shaped answer like BIND's: answer, NS in authority, glue and OPT (with NSID) in additional. */
function response(id = 4711, nsTarget = 'ns1.example.test'): Buffer {
  return dnsPacket.encode({
    type: 'response',
    id,
    flags: dnsPacket.AUTHORITATIVE_ANSWER,
    questions: [{ name: 'www.example.test', type: 'A', class: 'IN' }],
    answers: [{ name: 'www.example.test', type: 'A', class: 'IN', ttl: 300, data: '192.0.2.80' }],
    authorities: [
      { name: 'example.test', type: 'NS', class: 'IN', ttl: 3600, data: nsTarget },
      { name: 'example.test', type: 'NS', class: 'IN', ttl: 3600, data: 'ns2.example.test' },
    ],
    additionals: [
      { name: 'ns1.example.test', type: 'A', class: 'IN', ttl: 3600, data: '192.0.2.1' },
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: 1232,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: 0,
        flag_do: false,
        options: [{ code: 3, data: Buffer.from('ns1') } as unknown as dnsPacket.PacketOpt],
      },
      { name: 'ns2.example.test', type: 'AAAA', class: 'IN', ttl: 3600, data: '2001:db8::2' },
    ],
  });
}

type Plain = { name: string; type: string; class?: string; ttl?: number; data?: unknown };
const plain = (records: Plain[] | undefined) =>
  (records ?? [])
    .filter((r) => r.type !== 'OPT')
    .map((r) => ({ name: r.name, type: r.type, class: r.class ?? 'IN', ttl: r.ttl ?? 0, data: r.data }));

test('every section as dns-packet decodes it; OPT apart, as EDNS', () => {
  const buf = response();
  const full = dnsPacket.decode(buf);
  const m = decodeMessage(buf);
  expect(m).toMatchObject({ id: 4711, isResponse: true, rcode: 'NOERROR' });
  expect(m.flags).toEqual({ aa: true, tc: false, rd: false, ra: false, ad: false, cd: false });
  expect(m.questions).toEqual([{ name: 'www.example.test', type: 'A', class: 'IN' }]);
  expect(m.answers).toEqual(plain(full.answers as Plain[]));
  expect(m.authorities).toEqual(plain(full.authorities as Plain[]));
  expect(m.additionals).toEqual(plain(full.additionals as Plain[]));
  expect(m.additionals.map((r) => r.type)).toEqual(['A', 'AAAA']);
  expect(m.edns).toEqual({
    udpPayloadSize: 1232,
    version: 0,
    extendedRcode: 0,
    options: [{ code: 3, data: Buffer.from('ns1') }],
  });
});

test('cut short anywhere: fails at once (a full decode by dns-packet misses some cuts inside RDATA)', () => {
  const buf = response();
  let missedByDnsPacket = 0;
  for (let length = 0; length < buf.length; length++) {
    const cut = buf.subarray(0, length);
    expect(() => decodeMessage(cut)).toThrow();
    try {
      dnsPacket.decode(cut);
      missedByDnsPacket += 1;
    } catch {
      // As it should.
    }
  }
  expect(missedByDnsPacket).toBeGreaterThan(0);
});

test('a compression pointer that does not point back, in the authority section: fails at once', () => {
  const buf = response();
  const full = dnsPacket.decode(buf);
  // The first authority record starts right after the question and the answer.
  const at = 12 + 'www.example.test'.length + 2 + 4 + ('www.example.test'.length + 2 + 10 + 4);
  expect(dnsPacket.decode(buf).authorities?.[0]).toMatchObject({ name: 'example.test' });
  const bad = Buffer.from(buf);
  bad.writeUInt16BE(0xc000 | (at + 5), at); // points forward
  expect(() => dnsPacket.decode(bad)).toThrow(/bad pointer/);
  expect(() => decodeMessage(bad)).toThrow(/bad pointer/);
  expect(full.authorities).toHaveLength(2);
});

test('a record dns-packet cannot decode: fails when its section is read, as a DnsProtocolError from query()', async () => {
  const buf = response(4711, 'zzbad.example.test');
  const label = buf.indexOf(Buffer.from([5, ...Buffer.from('zzbad')]));
  const bad = Buffer.from(buf);
  bad[label] = 0x45; // a label type that does not exist, inside the first NS record's RDATA
  expect(() => dnsPacket.decode(bad)).toThrow(/bad label/);
  const m = decodeMessage(bad);
  expect(m.answers).toHaveLength(1);
  expect(() => m.authorities).toThrow(/bad label/);

  const fake = await fakeUdpDns((q, send) => {
    const answer = Buffer.from(bad);
    answer.writeUInt16BE(q.id, 0);
    send(answer);
  });
  closers.push(() => fake.close());
  const res = await query({ address: '127.0.0.1', port: fake.port }, { name: 'www.example.test', type: 'A' });
  expect(res.answers).toHaveLength(1);
  expect(res.nsid).toBe('ns1');
  let err: unknown;
  try {
    void res.authorities;
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DnsProtocolError);
  expect(String(err)).toBe(
    `DnsProtocolError: bad answer from 127.0.0.1:${fake.port} over UDP for www.example.test/A: ` +
      'undecodable response: Cannot decode name (bad label)',
  );
});

test('the question is compared on the wire: ASCII case ignored (RFC 4343), other names, types, classes refused', () => {
  const ask = (name: string, type = 'A', klass = 'IN') =>
    dnsPacket.encode({
      type: 'query',
      id: 1,
      questions: [{ name, type: type as dnsPacket.RecordType, class: klass as dnsPacket.RecordClass }],
    });
  const m = decodeMessage(response());
  expect(m.questionCount).toBe(1);
  expect(m.asksSameQuestionAs(ask('www.example.test'))).toBe(true);
  expect(m.asksSameQuestionAs(ask('WwW.Example.TEST'))).toBe(true);
  expect(m.asksSameQuestionAs(ask('www.example.tesu'))).toBe(false);
  expect(m.asksSameQuestionAs(ask('ww.example.test'))).toBe(false);
  expect(m.asksSameQuestionAs(ask('www.example.test.more'))).toBe(false);
  expect(m.asksSameQuestionAs(ask('www.example.test', 'AAAA'))).toBe(false);
  expect(m.asksSameQuestionAs(ask('www.example.test', 'A', 'CH'))).toBe(false);
  // Letters only: '[' (0x5b) and '{' (0x7b) differ by the case bit but are not letters.
  const brace = ask('{.example.test');
  const bracket = dnsPacket.encode({
    ...dnsPacket.decode(response()),
    questions: [{ name: '[.example.test', type: 'A' }],
  });
  expect(decodeMessage(bracket).asksSameQuestionAs(brace)).toBe(false);
  // A question cut short never matches.
  expect(m.asksSameQuestionAs(ask('www.example.test').subarray(0, 20))).toBe(false);
});
