// compareZone judges an answer that is byte for byte one it already found right (the same
// RRset over the other transport) without decoding it again. These servers answer differently
// over UDP and over TCP, which BIND never does, to show that every difference is still found.
import dnsPacket from 'dns-packet';
import { compareZone, loadZoneText, type Difference } from '../../src/dns';
import { fakeTcpDns, fakeUdpDns, type FakeQuery, type FakeServer } from '../helpers/fakeDns';

const ORIGIN = 'judged.test';
const ZONE = `$TTL 300
@ IN SOA ns1 hostmaster 2026120201 3600 600 86400 300
@ IN NS ns1
ns1 IN A 192.0.2.53
www IN A 192.0.2.1
www IN A 192.0.2.2
mail IN A 192.0.2.25
txt IN TXT "v=spf1 -all"
`;

type Answer = dnsPacket.Answer;
const name = (n: string) => (n === '@' ? ORIGIN : `${n}.${ORIGIN}`);
const RECORDS: Answer[] = [
  {
    name: ORIGIN,
    type: 'SOA',
    ttl: 300,
    data: {
      mname: `ns1.${ORIGIN}`,
      rname: `hostmaster.${ORIGIN}`,
      serial: 2026120201,
      refresh: 3600,
      retry: 600,
      expire: 86400,
      minimum: 300,
    },
  },
  { name: ORIGIN, type: 'NS', ttl: 300, data: `ns1.${ORIGIN}` },
  { name: name('ns1'), type: 'A', ttl: 300, data: '192.0.2.53' },
  { name: name('www'), type: 'A', ttl: 300, data: '192.0.2.1' },
  { name: name('www'), type: 'A', ttl: 300, data: '192.0.2.2' },
  { name: name('mail'), type: 'A', ttl: 300, data: '192.0.2.25' },
  { name: name('txt'), type: 'TXT', ttl: 300, data: 'v=spf1 -all' },
];

/** How one transport answers: the zone's records, with some of them replaced. */
type Twist = (q: FakeQuery, answers: Answer[]) => { answers: Answer[]; aa?: boolean };

function respond(q: FakeQuery, twist?: Twist): Buffer {
  const answers = RECORDS.filter((r) => r.name === q.name.toLowerCase() && r.type === q.type);
  const out = twist ? twist(q, answers) : { answers };
  return dnsPacket.encode({
    type: 'response',
    id: q.id,
    flags: out.aa === false ? 0 : dnsPacket.AUTHORITATIVE_ANSWER,
    questions: [{ name: q.name, type: q.type as dnsPacket.RecordType, class: 'IN' }],
    answers: out.answers,
  });
}

const servers: FakeServer[] = [];
async function serve(o: { udp?: Twist; tcp?: Twist }): Promise<number> {
  const tcp = await fakeTcpDns((q, send) => send(respond(q, o.tcp)));
  servers.push(tcp);
  servers.push(await fakeUdpDns((q, send) => send(respond(q, o.udp)), tcp.port));
  return tcp.port;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const summary = (diffs: Difference[]) => diffs.map((d) => `${d.kind} ${d.name} ${d.type} ${d.transport}`);
const compare = async (port: number) =>
  compareZone({ address: '127.0.0.1', port }, await loadZoneText(ZONE, ORIGIN), { concurrency: 4 });

test('the same answers over UDP and TCP: no difference, every RRset asked over both', async () => {
  const result = await compare(await serve({}));
  expect(summary(result.differences)).toEqual([]);
  expect(result.queriesSent).toBe(2 * result.rrsetsChecked);
});

test('other data over TCP only is found over TCP, and over UDP only is found over UDP', async () => {
  const wrongMail: Twist = (q, answers) =>
    q.name === name('mail') ? { answers: [{ ...answers[0], data: '192.0.2.99' } as Answer] } : { answers };
  const overTcp = await compare(await serve({ tcp: wrongMail }));
  expect(summary(overTcp.differences)).toEqual([`data mail.${ORIGIN}. A tcp`]);
  const overUdp = await compare(await serve({ udp: wrongMail }));
  expect(summary(overUdp.differences)).toEqual([`data mail.${ORIGIN}. A udp`]);
});

test('a TTL, a missing record of an RRset, AA clear: each found on the transport that served it', async () => {
  const result = await compare(
    await serve({
      tcp: (q, answers) => {
        if (q.name === name('txt')) return { answers: [{ ...answers[0], ttl: 60 }] };
        if (q.name === name('www')) return { answers: answers.slice(0, 1) };
        return { answers };
      },
      udp: (q, answers) => (q.name === name('ns1') ? { answers, aa: false } : { answers }),
    }),
  );
  expect(summary(result.differences).sort()).toEqual(
    [`data www.${ORIGIN}. A tcp`, `not-authoritative ns1.${ORIGIN}. A udp`, `ttl txt.${ORIGIN}. TXT tcp`].sort(),
  );
});
