// Small DNS servers of a test's own on 127.0.0.1, for what a real BIND will not do on demand:
// answer out of order, drop or forge answers, close a connection mid-pipeline. Every answer is
// one A record (192.0.2.1, TTL 60, AA set) for the question asked.
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

/** A message with the 2-byte length prefix of DNS over TCP. */
export const frame = (msg: Buffer) => Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 0xff]), msg]);

/** Splits a TCP byte stream into DNS messages (2-byte length framing). */
export function framer(onMessage: (msg: Buffer) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
      const length = pending.readUInt16BE(0);
      const msg = pending.subarray(2, 2 + length);
      pending = pending.subarray(2 + length);
      onMessage(msg);
    }
  };
}

export interface FakeQuery {
  id: number;
  name: string;
  type: string;
  raw: Buffer;
}

export function parseQuery(raw: Buffer): FakeQuery {
  const q = dnsPacket.decode(raw);
  const question = q.questions![0];
  return { id: q.id!, name: question.name, type: question.type, raw };
}

/** The answer to `q`; `name` asks for another question in it, `tc` sets the TC bit. */
export function answerTo(q: FakeQuery, o: { name?: string; tc?: boolean } = {}): Buffer {
  const name = o.name ?? q.name;
  return dnsPacket.encode({
    type: 'response',
    id: q.id,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | (o.tc ? dnsPacket.TRUNCATED_RESPONSE : 0),
    questions: [{ name, type: q.type as dnsPacket.RecordType, class: 'IN' }],
    answers: o.tc ? [] : [{ name, type: 'A', class: 'IN', ttl: 60, data: '192.0.2.1' }],
  });
}

export interface FakeServer {
  port: number;
  close(): Promise<void>;
}

/** A UDP server: `handle` gets each query and a function that sends to its sender. */
export async function fakeUdpDns(
  handle: (q: FakeQuery, send: (msg: Buffer) => void, from: dgram.RemoteInfo) => void,
  port = 0,
): Promise<FakeServer> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
  socket.on('message', (raw, from) =>
    handle(parseQuery(raw), (msg) => socket.send(msg, from.port, from.address), from),
  );
  return {
    port: socket.address().port,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

export interface FakeConnection {
  /** 1, 2, … in the order the connections came. */
  index: number;
  socket: net.Socket;
  /** Queries received on it so far. */
  received: number;
  closed: boolean;
}

/** A TCP server: `handle` gets each query with its connection and a function that answers on it. */
export async function fakeTcpDns(
  handle: (q: FakeQuery, send: (msg: Buffer) => void, conn: FakeConnection) => void,
  port = 0,
): Promise<FakeServer & { connections: FakeConnection[] }> {
  const connections: FakeConnection[] = [];
  const server = net.createServer((socket) => {
    const conn: FakeConnection = { index: connections.length + 1, socket, received: 0, closed: false };
    connections.push(conn);
    socket.on('error', () => undefined);
    socket.on('close', () => (conn.closed = true));
    const send = (msg: Buffer) => {
      if (!socket.destroyed && !socket.writableEnded) socket.write(frame(msg));
    };
    socket.on(
      'data',
      framer((raw) => {
        conn.received += 1;
        handle(parseQuery(raw), send, conn);
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections,
    close: () =>
      new Promise((resolve) => {
        for (const c of connections) c.socket.destroy();
        server.close(() => resolve());
      }),
  };
}
