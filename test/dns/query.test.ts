// query(): real BIND over UDP and TCP, and the failure modes a probe must survive quickly
// (nothing listening, a server that never answers, answers that are not ours).
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { DnsConnectionRefusedError, DnsTimeoutError, presentRecord, query, type DnsServer } from '../../src/dns';
import { freeUdpTcpPort, startBind, type RunningBind } from '../helpers/bind';
import { bigZone, goodZone } from './zones';

let bind: RunningBind;
let server: DnsServer;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  bind = await startBind({
    label: 'query-ns1',
    zones: [
      { origin: 'good.test', text: goodZone('good.test') },
      { origin: 'big.test', text: bigZone('big.test') },
    ],
  });
  server = { address: bind.address, port: bind.port };
});

afterAll(async () => {
  for (const close of closers) await close();
  await bind?.stop();
});

/** A UDP socket on 127.0.0.1 that receives queries and lets `reply` decide what to send. */
async function udpResponder(reply: (msg: Buffer, send: (b: Buffer) => void) => void): Promise<number> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  sock.on('message', (msg, rinfo) => reply(msg, (b) => sock.send(b, rinfo.port, rinfo.address)));
  closers.push(() => new Promise((resolve) => sock.close(() => resolve())));
  return sock.address().port;
}

describe('answers from a real BIND', () => {
  test.each(['udp', 'tcp'] as const)(
    'SOA over %s: authoritative, RD clear, NSID = server-id, EDNS',
    async (transport) => {
      const res = await query(server, { name: 'good.test.', type: 'SOA' }, { transport });
      expect(res.transport).toBe(transport);
      expect(res.rcode).toBe('NOERROR');
      expect(res.flags).toMatchObject({ aa: true, rd: false, tc: false });
      expect(res.nsid).toBe('query-ns1');
      expect(res.edns?.udpPayloadSize).toBeGreaterThan(0);
      expect(res.answers.map(presentRecord)).toEqual([
        {
          name: 'good.test.',
          ttl: 3600,
          class: 'IN',
          type: 'SOA',
          rdata: 'ns1.good.test. hostmaster.good.test. 2026112301 7200 900 1209600 300',
        },
      ]);
      expect(res.udpTruncated).toBe(false);
      expect(res.attempts).toBe(1);
    },
  );

  test('RD is sent only when asked for (the server echoes it)', async () => {
    const res = await query(server, { name: 'good.test', type: 'A' }, { recursionDesired: true });
    expect(res.flags.rd).toBe(true);
  });

  test('without EDNS there is no OPT and no NSID', async () => {
    const res = await query(server, { name: 'good.test', type: 'A' }, { edns: false });
    expect(res.edns).toBeUndefined();
    expect(res.nsid).toBeUndefined();
  });

  test('NXDOMAIN and REFUSED come back as rcodes, not errors', async () => {
    expect((await query(server, { name: 'nope.good.test', type: 'A' })).rcode).toBe('NXDOMAIN');
    const refused = await query(server, { name: 'elsewhere.example', type: 'A' });
    expect(refused.rcode).toBe('REFUSED');
    expect(refused.flags.aa).toBe(false);
  });

  test('a large TXT RRset: UDP answer truncated, "auto" follows TC to TCP and gets all of it', async () => {
    const q = { name: 'big.big.test', type: 'TXT' };
    const udp = await query(server, q, { transport: 'udp' });
    expect(udp.flags.tc).toBe(true);
    expect(udp.transport).toBe('udp');
    expect(udp.udpTruncated).toBe(true);

    const auto = await query(server, q, { transport: 'auto' });
    expect(auto.transport).toBe('tcp');
    expect(auto.udpTruncated).toBe(true);
    expect(auto.flags.tc).toBe(false);
    expect(auto.answers).toHaveLength(2);
    expect(auto.attempts).toBe(2); // one UDP packet, one TCP connection

    // A small RRset in the same zone fits in UDP: no fallback.
    const small = await query(server, { name: 'small.big.test', type: 'TXT' }, { transport: 'auto' });
    expect(small.transport).toBe('udp');
    expect(small.udpTruncated).toBe(false);
  });
});

describe('failures are typed, clear and bounded in time', () => {
  test.each(['udp', 'tcp'] as const)('nothing listening: %s connection refused, at once', async (transport) => {
    const port = await freeUdpTcpPort();
    const started = Date.now();
    const err = await query(
      { address: '127.0.0.1', port },
      { name: 'example.test', type: 'SOA' },
      { transport, timeoutMs: 500 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DnsConnectionRefusedError);
    expect(String(err)).toMatch(
      new RegExp(
        `^DnsConnectionRefusedError: .*refused.* by 127\\.0\\.0\\.1:${port} over ${transport.toUpperCase()} for example\\.test/SOA$`,
      ),
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('UDP server that never answers: DnsTimeoutError after the attempts, within the bound', async () => {
    let received = 0;
    const port = await udpResponder(() => (received += 1));
    const started = Date.now();
    const err = await query(
      { address: '127.0.0.1', port },
      { name: 'example.test', type: 'SOA' },
      { transport: 'udp', timeoutMs: 150, attempts: 3 },
    ).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(DnsTimeoutError);
    expect(String(err)).toBe(
      `DnsTimeoutError: no answer from 127.0.0.1:${port} over UDP for example.test/SOA after 3 attempts of 150 ms`,
    );
    expect(received).toBe(3);
    expect(elapsed).toBeGreaterThanOrEqual(440);
    expect(elapsed).toBeLessThan(1500);
  });

  test('TCP server that accepts but never answers: DnsTimeoutError within the bound', async () => {
    const sockets: net.Socket[] = [];
    const srv = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise((resolve) => {
          sockets.forEach((s) => s.destroy());
          srv.close(() => resolve());
        }),
    );
    const port = (srv.address() as net.AddressInfo).port;
    const started = Date.now();
    const err = await query(
      { address: '127.0.0.1', port },
      { name: 'example.test', type: 'SOA' },
      { transport: 'tcp', timeoutMs: 150, attempts: 2 },
    ).catch((e: unknown) => e);
    expect(String(err)).toBe(
      `DnsTimeoutError: no answer from 127.0.0.1:${port} over TCP for example.test/SOA after 2 attempts of 150 ms`,
    );
    expect(sockets).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('the total time limit cuts retries short and says so', async () => {
    const port = await udpResponder(() => undefined);
    const started = Date.now();
    const err = await query(
      { address: '127.0.0.1', port },
      { name: 'example.test', type: 'A' },
      { transport: 'udp', timeoutMs: 200, attempts: 10, totalTimeoutMs: 500 },
    ).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(900);
    expect(String(err)).toMatch(/after 3 attempts of 200 ms \(total time limit reached\)$/);
  });

  test('answers with a wrong id or a wrong question are ignored; the right one is taken', async () => {
    // A relay to the real BIND that first sends two forged copies of its answer.
    const relay = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => relay.bind(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => relay.close(() => resolve())));
    const port = await udpResponder((msg, send) => {
      relay.once('message', (answer) => {
        const wrongId = Buffer.from(answer);
        wrongId.writeUInt16BE((answer.readUInt16BE(0) + 1) & 0xffff, 0);
        const decoded = dnsPacket.decode(answer);
        const wrongQuestion = dnsPacket.encode({
          ...decoded,
          questions: [{ name: 'other.good.test', type: 'SOA', class: 'IN' }],
        });
        send(wrongId);
        send(wrongQuestion);
        setTimeout(() => send(answer), 20);
      });
      relay.send(msg, bind.port, bind.address);
    });
    const res = await query(
      { address: '127.0.0.1', port },
      { name: 'good.test', type: 'SOA' },
      { transport: 'udp', timeoutMs: 1000 },
    );
    expect(res.ignoredResponses).toBe(2);
    expect(res.nsid).toBe('query-ns1');
    expect(res.answers).toHaveLength(1);
  });

  test('only forged answers: a timeout that mentions what was ignored', async () => {
    const port = await udpResponder((msg, send) => {
      const forged = Buffer.from(msg);
      forged.writeUInt16BE((msg.readUInt16BE(0) + 1) & 0xffff, 0);
      forged[2] |= 0x80; // QR
      send(forged);
    });
    const err = await query(
      { address: '127.0.0.1', port },
      { name: 'good.test', type: 'SOA' },
      { transport: 'udp', timeoutMs: 100, attempts: 2 },
    ).catch((e: unknown) => e);
    expect(String(err)).toMatch(/after 2 attempts of 100 ms \(ignored 2 responses with a wrong id or question\)$/);
  });
});
