// Many queries in flight on one UDP socket and on one pipelined TCP connection (RFC 7766
// §6.2.1.1), against servers of our own that misbehave on purpose: answers out of order,
// dropped answers, an answer to another question under the right id, a connection closed
// mid-pipeline, garbage for one query among many. Then compareZone against a real BIND with
// many queries in flight, and a changed record still found on both transports. All on 127.0.0.1.
import {
  compareZone,
  DnsProtocolError,
  DnsTimeoutError,
  loadZoneText,
  query,
  type DnsResponse,
  type QueryFn,
  type QueryOptions,
} from '../../src/dns';
import { TcpConnectionPool } from '../../src/dns/tcpPool';
import { UdpSocketPool } from '../../src/dns/udpPool';
import { startBind } from '../helpers/bind';
import { answerTo, fakeTcpDns, fakeUdpDns, type FakeQuery, type FakeServer } from '../helpers/fakeDns';
import { generatedZone } from './zones';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});
async function serve<T extends FakeServer>(server: Promise<T>): Promise<T> {
  const s = await server;
  closers.push(() => s.close());
  return s;
}

const names = (n: number, prefix = 'h') => Array.from({ length: n }, (_, i) => `${prefix}${i}.pipe.test`);

/** Asks every name at once with the given options; each result or error in order. */
function askAll(port: number, list: string[], options: QueryOptions): Promise<(DnsResponse | Error)[]> {
  return Promise.all(
    list.map((name) =>
      query({ address: '127.0.0.1', port }, { name, type: 'A' }, options).catch((e: unknown) => e as Error),
    ),
  );
}

/** The response answers the name it was asked for (and not some other query's). */
function answersItsQuestion(r: DnsResponse | Error, name: string): boolean {
  return !(r instanceof Error) && r.answers.length === 1 && r.answers[0].name === name;
}

describe('UDP: one socket, many queries in flight', () => {
  test('200 queries at once, answered in reverse order: each gets its own answer, on one socket', async () => {
    const held: { q: FakeQuery; send: (m: Buffer) => void }[] = [];
    const ports = new Set<number>();
    const idsInFlight = new Set<number>();
    let duplicateIds = 0;
    const fake = await serve(
      fakeUdpDns((q, send, from) => {
        ports.add(from.port);
        if (idsInFlight.has(q.id)) duplicateIds += 1;
        idsInFlight.add(q.id);
        held.push({ q, send });
        if (held.length === 50) {
          for (const h of held.splice(0).reverse()) {
            idsInFlight.delete(h.q.id);
            h.send(answerTo(h.q));
          }
        }
      }),
    );
    const pool = new UdpSocketPool();
    const list = names(200);
    const results = await askAll(fake.port, list, { transport: 'udp', udpPool: pool, timeoutMs: 2000 });
    pool.close();
    expect(results.filter((r, i) => !answersItsQuestion(r, list[i]))).toEqual([]);
    expect(results.every((r) => !(r instanceof Error) && r.attempts === 1)).toBe(true);
    expect(ports.size).toBe(1);
    expect(duplicateIds).toBe(0);
    expect(pool.stats()).toMatchObject({ opened: 1, open: 0, sent: 200 });
  });

  test('dropped answers: only those queries are sent again, with the same id; the others once', async () => {
    const idsSeen = new Map<string, number[]>();
    const fake = await serve(
      fakeUdpDns((q, send) => {
        const ids = idsSeen.get(q.name) ?? [];
        ids.push(q.id);
        idsSeen.set(q.name, ids);
        const every5th = Number(/^h(\d+)\./.exec(q.name)![1]) % 5 === 0;
        if (every5th && ids.length === 1) return; // the first copy is lost
        send(answerTo(q));
      }),
    );
    const pool = new UdpSocketPool();
    const list = names(100);
    const results = await askAll(fake.port, list, { transport: 'udp', udpPool: pool, timeoutMs: 150, attempts: 3 });
    pool.close();
    expect(results.filter((r, i) => !answersItsQuestion(r, list[i]))).toEqual([]);
    const attempts = results.map((r) => (r as DnsResponse).attempts);
    expect(attempts).toEqual(list.map((_, i) => (i % 5 === 0 ? 2 : 1)));
    for (const name of list.filter((_, i) => i % 5 === 0)) {
      const ids = idsSeen.get(name)!;
      expect(ids).toHaveLength(2);
      expect(ids[1]).toBe(ids[0]);
    }
  });

  test('an answer under the right id to another question is ignored (RFC 5452); the real one is taken', async () => {
    const fake = await serve(
      fakeUdpDns((q, send) => {
        send(answerTo(q, { name: 'forged.pipe.test' }));
        setTimeout(() => send(answerTo(q)), 5);
      }),
    );
    const pool = new UdpSocketPool();
    const list = names(40);
    const results = await askAll(fake.port, list, { transport: 'udp', udpPool: pool });
    pool.close();
    expect(results.filter((r, i) => !answersItsQuestion(r, list[i]))).toEqual([]);
    expect(results.every((r) => (r as DnsResponse).ignoredResponses >= 1)).toBe(true);
  });

  test('a query that is never answered times out on its own while the others are answered', async () => {
    const fake = await serve(
      fakeUdpDns((q, send) => {
        if (q.name !== 'silent.pipe.test') send(answerTo(q));
      }),
    );
    const pool = new UdpSocketPool();
    const list = [...names(30), 'silent.pipe.test', ...names(30, 'k')];
    const started = Date.now();
    const results = await askAll(fake.port, list, { transport: 'udp', udpPool: pool, timeoutMs: 150, attempts: 2 });
    pool.close();
    expect(Date.now() - started).toBeLessThan(1500);
    const silent = results[30];
    expect(silent).toBeInstanceOf(DnsTimeoutError);
    expect(String(silent)).toBe(
      `DnsTimeoutError: no answer from 127.0.0.1:${fake.port} over UDP for silent.pipe.test/A after 2 attempts of 150 ms`,
    );
    expect(results.filter((r, i) => i !== 30 && !answersItsQuestion(r, list[i]))).toEqual([]);
  });

  test('TC set: "auto" asks again over TCP, on the TCP pool', async () => {
    const tcp = await serve(fakeTcpDns((q, send) => send(answerTo(q))));
    await serve(fakeUdpDns((q, send) => send(answerTo(q, { tc: true })), tcp.port));
    const udpPool = new UdpSocketPool();
    const tcpPool = new TcpConnectionPool();
    const list = names(20);
    const results = await askAll(tcp.port, list, { transport: 'auto', udpPool, tcpPool });
    udpPool.close();
    tcpPool.close();
    expect(results.filter((r, i) => !answersItsQuestion(r, list[i]))).toEqual([]);
    expect(results.every((r) => (r as DnsResponse).transport === 'tcp' && (r as DnsResponse).udpTruncated)).toBe(true);
    expect(tcp.connections.length).toBeLessThanOrEqual(2);
  });
});

describe('TCP: pipelined queries on few connections', () => {
  test('many in flight on one connection, answered out of order: each gets its own answer', async () => {
    let maxOutstanding = 0;
    let duplicateIds = 0;
    const fake = await serve(
      fakeTcpDns((q, send, conn) => {
        const held = ((conn as unknown as { held?: FakeQuery[] }).held ??= []);
        if (held.some((h) => h.id === q.id)) duplicateIds += 1;
        held.push(q);
        maxOutstanding = Math.max(maxOutstanding, held.length);
        if (held.length === 1) {
          // Answer what arrived in this burst, last first.
          setImmediate(() => {
            for (const h of held.splice(0).reverse()) send(answerTo(h));
          });
        }
      }),
    );
    const pool = new TcpConnectionPool({ window: 64 });
    const list = names(300);
    const results = await askAll(fake.port, list, { transport: 'tcp', tcpPool: pool });
    expect(results.filter((r, i) => !answersItsQuestion(r, list[i]))).toEqual([]);
    expect(results.every((r) => (r as DnsResponse).attempts === 1)).toBe(true);
    expect(maxOutstanding).toBeGreaterThan(10);
    expect(duplicateIds).toBe(0);
    // 300 at once, at most 64 on a connection: more than one connection, never one per query.
    expect(pool.stats().maxInFlight).toBe(64);
    expect(fake.connections.length).toBeGreaterThanOrEqual(2);
    expect(fake.connections.length).toBeLessThanOrEqual(Math.ceil(300 / 64) + 1);
    expect(pool.stats()).toMatchObject({ open: fake.connections.length, idle: fake.connections.length });
    pool.close();
    expect(pool.stats()).toMatchObject({ open: 0 });
  });

  test('a server that closes a connection mid-pipeline: the unanswered queries are sent again, no attempt lost', async () => {
    const fake = await serve(
      fakeTcpDns((q, send, conn) => {
        if (conn.received <= 5) send(answerTo(q));
        if (conn.received === 8) conn.socket.end();
      }),
    );
    const pool = new TcpConnectionPool();
    const list = names(120);
    const results = await askAll(fake.port, list, { transport: 'tcp', tcpPool: pool, attempts: 1 });
    pool.close();
    expect(results.filter((r, i) => !answersItsQuestion(r, list[i]))).toEqual([]);
    expect(results.every((r) => (r as DnsResponse).attempts === 1)).toBe(true);
    expect(fake.connections.length).toBeGreaterThanOrEqual(120 / 5);
    expect(Math.max(...fake.connections.map((c) => c.received))).toBeGreaterThan(1); // it did pipeline
  });

  test('an answer under the right id to another question is ignored on a pipelined connection too', async () => {
    const fake = await serve(
      fakeTcpDns((q, send) => {
        send(answerTo(q, { name: 'forged.pipe.test' }));
        send(answerTo(q));
      }),
    );
    const pool = new TcpConnectionPool();
    const list = names(50);
    const results = await askAll(fake.port, list, { transport: 'tcp', tcpPool: pool });
    pool.close();
    expect(results.filter((r, i) => !answersItsQuestion(r, list[i]))).toEqual([]);
    expect(results.every((r) => (r as DnsResponse).ignoredResponses >= 1)).toBe(true);
  });

  test('garbage for one query fails that query; the others on its connection are sent again', async () => {
    const fake = await serve(
      fakeTcpDns((q, send) => {
        if (q.name === 'bad.pipe.test') send(Buffer.from([q.raw[0], q.raw[1], 0x84, 0x00, 0xff]));
        else setTimeout(() => send(answerTo(q)), 20); // still in flight when the garbage comes
      }),
    );
    const pool = new TcpConnectionPool();
    await askAll(fake.port, ['warm.pipe.test'], { transport: 'tcp', tcpPool: pool }); // a proven connection
    const list = [...names(20), 'bad.pipe.test', ...names(20, 'k')];
    const results = await askAll(fake.port, list, { transport: 'tcp', tcpPool: pool, attempts: 1 });
    pool.close();
    const bad = results[20];
    expect(bad).toBeInstanceOf(DnsProtocolError);
    expect(String(bad)).toMatch(/over TCP for bad\.pipe\.test\/A: undecodable response: /);
    expect(results.filter((r, i) => i !== 20 && !answersItsQuestion(r, list[i]))).toEqual([]);
    expect(fake.connections[0].closed).toBe(true);
  });

  test('a query that times out on a pipelined connection: retried elsewhere; that connection closes when done', async () => {
    const fake = await serve(
      fakeTcpDns((q, send, conn) => {
        if (q.name === 'slow.pipe.test' && conn.index === 1) return;
        setTimeout(() => send(answerTo(q)), 10);
      }),
    );
    const pool = new TcpConnectionPool();
    await askAll(fake.port, ['warm.pipe.test'], { transport: 'tcp', tcpPool: pool });
    const list = [...names(10), 'slow.pipe.test'];
    const results = await askAll(fake.port, list, { transport: 'tcp', tcpPool: pool, timeoutMs: 200 });
    expect(results.filter((r, i) => !answersItsQuestion(r, list[i]))).toEqual([]);
    expect((results[10] as DnsResponse).attempts).toBe(2);
    expect(fake.connections.map((c) => c.index)).toEqual([1, 2]);
    expect(fake.connections[0].closed || (await closedSoon(fake.connections[0]))).toBe(true);
    expect(pool.stats()).toMatchObject({ open: 1, idle: 1 });
    pool.close();
  });
});

async function closedSoon(c: { closed: boolean }, ms = 1000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!c.closed && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return c.closed;
}

describe('compareZone against BIND with many queries in flight', () => {
  const HOSTS = 1000;
  test('concurrency 64 over UDP+TCP: one UDP socket, pipelined TCP, every difference still found', async () => {
    const text = generatedZone('deep.test', HOSTS);
    const bind = await startBind({ label: 'deep-ns', zones: [{ origin: 'deep.test', text }] });
    closers.push(() => bind.stop());
    const zone = await loadZoneText(text, 'deep.test');
    const server = { address: bind.address, port: bind.port };
    const pools: { udp?: UdpSocketPool; tcp?: TcpConnectionPool } = {};
    let inFlight = 0;
    let maxInFlight = 0;
    const spy: QueryFn = async (s, q, o) => {
      pools.udp ??= o?.udpPool;
      pools.tcp ??= o?.tcpPool;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        return await query(s, q, o);
      } finally {
        inFlight -= 1;
      }
    };
    const good = await compareZone(server, zone, { concurrency: 64, queryFn: spy });
    expect(good.differences).toEqual([]);
    expect(good.queriesSent).toBe(2 * (3 + HOSTS + HOSTS / 10));
    expect(maxInFlight).toBe(64);
    expect(pools.udp!.stats()).toMatchObject({ opened: 1, open: 0 });
    const tcp = pools.tcp!.stats();
    expect(tcp.opened).toBeLessThanOrEqual(2);
    expect(tcp.maxInFlight).toBeGreaterThan(1);
    expect(tcp.open).toBe(0);

    const edited = {
      ...zone,
      records: zone.records.map((r) =>
        r.name === 'h777.deep.test.' && r.type === 'A' ? { ...r, rdata: '203.0.113.7' } : r,
      ),
    };
    const bad = await compareZone(server, edited, { concurrency: 64 });
    expect(bad.differences.map((d) => `${d.kind} ${d.name} ${d.type} ${d.transport}`)).toEqual([
      'data h777.deep.test. A tcp',
      'data h777.deep.test. A udp',
    ]);
  });
});
