// Reused TCP connections (RFC 7766 §6.2.1): compareZone's TCP queries share at most
// `concurrency` connections, counted by a relay in front of a real BIND; a server that closes or
// resets connections between answers costs no attempt and no error; a connection on which a
// query timed out or got garbage is never used again. All on 127.0.0.1.
import net from 'node:net';
import dnsPacket from 'dns-packet';
import {
  compareZone,
  DnsProtocolError,
  DnsTimeoutError,
  loadZoneText,
  query,
  type DnsResponse,
  type QueryFn,
  type Zone,
} from '../../src/dns';
import { TcpConnectionPool } from '../../src/dns/tcpPool';
import { startBind, type RunningBind } from '../helpers/bind';
import { frame, framer } from '../helpers/fakeDns';
import { generatedZone } from './zones';

const HOSTS = 300;
let bind: RunningBind;
let zone: Zone;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const text = generatedZone('pool.test', HOSTS);
  bind = await startBind({ label: 'pool-ns', zones: [{ origin: 'pool.test', text }] });
  zone = await loadZoneText(text, 'pool.test');
});

afterAll(async () => {
  for (const close of closers) await close();
  await bind?.stop();
});

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

type RelayMode =
  /** Bytes through as they come. */
  | 'pipe'
  /** After relaying one answer, close the client's connection (FIN). */
  | 'close-after-answer'
  /** Relay the first query of a connection; reset the connection when a second one arrives. */
  | 'reset-on-second-query';

interface Relay {
  port: number;
  /** Connections accepted from the client. */
  accepted: () => number;
  /** Client connections open now, and the most open at once. */
  open: () => number;
  maxOpen: () => number;
  /** Answers relayed, and connections reset by the relay. */
  answers: () => number;
  resets: () => number;
}

/** A TCP relay on 127.0.0.1 in front of the test BIND that counts the client's connections. */
async function relay(mode: RelayMode): Promise<Relay> {
  let accepted = 0;
  let open = 0;
  let maxOpen = 0;
  let answers = 0;
  let resets = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    accepted += 1;
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    sockets.add(client);
    const upstream = net.connect({ host: bind.address, port: bind.port });
    sockets.add(upstream);
    let queries = 0;
    client.on('close', () => {
      open -= 1;
      sockets.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      if (mode === 'pipe') client.end();
    });
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    client.on(
      'data',
      framer((msg) => {
        queries += 1;
        if (mode === 'reset-on-second-query' && queries > 1) {
          resets += 1;
          client.resetAndDestroy();
          return;
        }
        upstream.write(frame(msg));
      }),
    );
    upstream.on(
      'data',
      framer((msg) => {
        if (client.destroyed || client.writableEnded) return;
        answers += 1;
        client.write(frame(msg));
        if (mode === 'close-after-answer') client.end();
      }),
    );
  });
  const port = await listen(server);
  closers.push(
    () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    port,
    accepted: () => accepted,
    open: () => open,
    maxOpen: () => maxOpen,
    answers: () => answers,
    resets: () => resets,
  };
}

/** The real query, keeping every response (and what it was asked with). */
function recordingQuery(transform: (o: Parameters<QueryFn>[2]) => Parameters<QueryFn>[2] = (o) => o) {
  const responses: DnsResponse[] = [];
  let pooled = 0;
  const fn: QueryFn = async (server, question, options) => {
    const o = transform(options);
    if (o?.tcpPool) pooled += 1;
    const r = await query(server, question, o);
    responses.push(r);
    return r;
  };
  return { fn, responses, pooled: () => pooled };
}

async function until(cond: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return cond();
}

describe('compareZone over TCP against BIND', () => {
  test.each([1, 4, 16])(
    'concurrency %i: at most that many connections for 333 TCP queries, all closed at the end',
    async (concurrency) => {
      const r = await relay('pipe');
      const rec = recordingQuery();
      const result = await compareZone({ address: '127.0.0.1', port: r.port }, zone, {
        transports: ['tcp'],
        concurrency,
        queryFn: rec.fn,
      });
      expect(result.differences).toEqual([]);
      expect(result.queriesSent).toBe(3 + HOSTS + HOSTS / 10);
      expect(rec.pooled()).toBe(result.queriesSent);
      expect(r.answers()).toBe(result.queriesSent);
      expect(r.accepted()).toBeLessThanOrEqual(concurrency);
      expect(r.maxOpen()).toBeLessThanOrEqual(concurrency);
      expect(rec.responses.every((x) => x.attempts === 1 && x.transport === 'tcp')).toBe(true);
      // compareZone closed every connection it opened.
      expect(await until(() => r.open() === 0)).toBe(true);
    },
  );

  test('without the pool (what query() does for every other caller): one connection per TCP query', async () => {
    const r = await relay('pipe');
    const rec = recordingQuery((o) => ({ ...o, tcpPool: undefined }));
    const small = { ...zone, records: zone.records.slice(0, 40) };
    const result = await compareZone({ address: '127.0.0.1', port: r.port }, small, {
      transports: ['tcp'],
      concurrency: 4,
      queryFn: rec.fn,
    });
    expect(result.ok).toBe(true);
    expect(r.accepted()).toBe(result.queriesSent);
  });

  test('UDP queries get no pool; UDP+TCP still verifies the zone', async () => {
    const rec = recordingQuery();
    const result = await compareZone({ address: bind.address, port: bind.port }, zone, {
      concurrency: 8,
      queryFn: rec.fn,
    });
    expect(result.differences).toEqual([]);
    expect(rec.pooled()).toBe(result.queriesSent / 2);
  });

  test('a server that closes the connection after each answer: every query answered, no attempt lost', async () => {
    const r = await relay('close-after-answer');
    const rec = recordingQuery();
    const result = await compareZone({ address: '127.0.0.1', port: r.port }, zone, {
      transports: ['tcp'],
      concurrency: 8,
      queryFn: rec.fn,
    });
    expect(result.differences).toEqual([]);
    expect(r.answers()).toBe(result.queriesSent);
    expect(r.accepted()).toBeGreaterThanOrEqual(result.queriesSent); // each connection carried one answer
    expect(rec.responses.filter((x) => x.attempts !== 1)).toEqual([]);
  });

  test('a server that resets a connection when its second query arrives: retried on a new one, not counted', async () => {
    const r = await relay('reset-on-second-query');
    const rec = recordingQuery();
    const result = await compareZone({ address: '127.0.0.1', port: r.port }, zone, {
      transports: ['tcp'],
      concurrency: 8,
      queryFn: rec.fn,
    });
    expect(result.differences).toEqual([]);
    expect(r.resets()).toBeGreaterThan(result.queriesSent / 2); // the reused connections were all stale
    expect(r.answers()).toBe(result.queriesSent);
    expect(rec.responses.filter((x) => x.attempts !== 1)).toEqual([]);
  });
});

type Behaviour = 'answer' | 'ignore' | 'reset' | 'garbage';

/**
 * A DNS-over-TCP server of its own: `behave(connection, queryOnConnection, queryOverall)` (all
 * from 1) says what to do with each query. Answers are one A record with AA set.
 */
async function fakeServer(behave: (conn: number, nth: number, overall: number) => Behaviour) {
  const conns: { socket: net.Socket; queries: number; closed: boolean }[] = [];
  let overall = 0;
  const server = net.createServer((socket) => {
    const c = { socket, queries: 0, closed: false };
    conns.push(c);
    const index = conns.length;
    socket.on('error', () => undefined);
    socket.on('close', () => (c.closed = true));
    socket.on(
      'data',
      framer((msg) => {
        c.queries += 1;
        overall += 1;
        const q = dnsPacket.decode(msg);
        switch (behave(index, c.queries, overall)) {
          case 'ignore':
            return;
          case 'reset':
            socket.resetAndDestroy();
            return;
          case 'garbage':
            socket.write(frame(Buffer.from([msg[0], msg[1], 0x84, 0x00, 0xff])));
            return;
          case 'answer': {
            const question = q.questions![0];
            socket.write(
              frame(
                dnsPacket.encode({
                  type: 'response',
                  id: q.id,
                  flags: dnsPacket.AUTHORITATIVE_ANSWER,
                  questions: q.questions,
                  answers: [{ name: question.name, type: 'A', class: 'IN', ttl: 60, data: '192.0.2.1' }],
                }),
              ),
            );
          }
        }
      }),
    );
  });
  const port = await listen(server);
  closers.push(
    () =>
      new Promise((resolve) => {
        for (const c of conns) c.socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { port, conns };
}

describe('query() with a pool, against a server of our own', () => {
  test('a query that times out on a pooled connection: that connection is closed and never used again', async () => {
    // Connection 1 answers its first query and ignores the rest; every other connection answers.
    const fake = await fakeServer((conn, nth) => (conn === 1 && nth > 1 ? 'ignore' : 'answer'));
    const pool = new TcpConnectionPool();
    const ask = (name: string) =>
      query(
        { address: '127.0.0.1', port: fake.port },
        { name, type: 'A' },
        { transport: 'tcp', tcpPool: pool, timeoutMs: 200, attempts: 2 },
      );
    try {
      expect((await ask('a.test')).attempts).toBe(1);
      const b = await ask('b.test'); // reuses connection 1, times out, then a new connection
      expect(b.attempts).toBe(2);
      expect(b.answers).toHaveLength(1);
      expect(await until(() => fake.conns[0].closed)).toBe(true);
      for (const name of ['c.test', 'd.test', 'e.test']) expect((await ask(name)).attempts).toBe(1);
      expect(fake.conns.map((c) => c.queries)).toEqual([2, 4]);
      expect(pool.stats()).toMatchObject({ opened: 2, open: 1, idle: 1 });
    } finally {
      pool.close();
    }
    expect(await until(() => fake.conns.every((c) => c.closed))).toBe(true);
  });

  test('garbage on a pooled connection fails that query as before and closes the connection', async () => {
    const fake = await fakeServer((conn, nth) => (conn === 1 && nth === 2 ? 'garbage' : 'answer'));
    const pool = new TcpConnectionPool();
    const ask = (name: string) =>
      query(
        { address: '127.0.0.1', port: fake.port },
        { name, type: 'A' },
        { transport: 'tcp', tcpPool: pool, timeoutMs: 500, attempts: 2 },
      );
    try {
      await ask('a.test');
      const err = await ask('b.test').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DnsProtocolError);
      expect(String(err)).toMatch(
        /^DnsProtocolError: bad answer from 127\.0\.0\.1:\d+ over TCP for b\.test\/A: undecodable response: /,
      );
      expect(await until(() => fake.conns[0].closed)).toBe(true);
      expect((await ask('c.test')).attempts).toBe(1);
      expect(fake.conns.map((c) => c.queries)).toEqual([2, 1]);
    } finally {
      pool.close();
    }
  });

  test('the free retry after a stale connection happens once; further closes count as attempts, same error as without a pool', async () => {
    // Only the very first query is answered; every later one is met with a reset.
    const fake = await fakeServer((_conn, _nth, overall) => (overall === 1 ? 'answer' : 'reset'));
    const pool = new TcpConnectionPool();
    const server = { address: '127.0.0.1', port: fake.port };
    try {
      await query(server, { name: 'a.test', type: 'A' }, { transport: 'tcp', tcpPool: pool });
      const err = await query(
        server,
        { name: 'b.test', type: 'A' },
        { transport: 'tcp', tcpPool: pool, timeoutMs: 500, attempts: 2 },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DnsProtocolError);
      expect(String(err)).toMatch(
        new RegExp(
          `^DnsProtocolError: bad answer from 127\\.0\\.0\\.1:${fake.port} over TCP for b\\.test/A: .* \\(after 2 attempts\\)$`,
        ),
      );
      // Connection 1 (stale, free retry), then 2 and 3 (the two counted attempts).
      expect(fake.conns.map((c) => c.queries)).toEqual([2, 1, 1]);
    } finally {
      pool.close();
    }
  });

  test('timeouts keep their meaning with a pool: one attempt each, same message', async () => {
    const fake = await fakeServer(() => 'ignore');
    const pool = new TcpConnectionPool();
    try {
      const err = await query(
        { address: '127.0.0.1', port: fake.port },
        { name: 'x.test', type: 'A' },
        { transport: 'tcp', tcpPool: pool, timeoutMs: 150, attempts: 2 },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DnsTimeoutError);
      expect(String(err)).toBe(
        `DnsTimeoutError: no answer from 127.0.0.1:${fake.port} over TCP for x.test/A after 2 attempts of 150 ms`,
      );
      expect(fake.conns).toHaveLength(2);
      expect(await until(() => fake.conns.every((c) => c.closed))).toBe(true);
      expect(pool.stats()).toMatchObject({ idle: 0 });
    } finally {
      pool.close();
    }
  });

  test('an idle connection the server closes is dropped from the pool, not handed out', async () => {
    const fake = await fakeServer(() => 'answer');
    const pool = new TcpConnectionPool();
    const ask = (name: string) =>
      query({ address: '127.0.0.1', port: fake.port }, { name, type: 'A' }, { transport: 'tcp', tcpPool: pool });
    try {
      await ask('a.test');
      expect(pool.stats()).toMatchObject({ idle: 1 });
      fake.conns[0].socket.end(); // as BIND does after tcp-idle-timeout
      expect(await until(() => pool.stats().idle === 0)).toBe(true);
      expect((await ask('b.test')).attempts).toBe(1);
      expect(fake.conns.map((c) => c.queries)).toEqual([1, 1]);
    } finally {
      pool.close();
    }
    expect(await until(() => fake.conns.every((c) => c.closed))).toBe(true);
  });
});
