// Many DNS queries in flight on one connected UDP socket per server, instead of a socket per
// query (creating, connecting and closing a socket cost more than the query itself). Each
// query gets a random id unused on its socket; an answer is routed by its id and then judged
// by the query (same id, a response, the same question: RFC 5452 §9.1). Every query keeps its
// own timer: a timeout resends the same message with the same id (a late answer to an earlier
// send still counts) within the plan's attempts and deadline, while the socket's other queries
// carry on. A connected socket only accepts datagrams from the server's address, and reports
// ICMP port unreachable as ECONNREFUSED: that fails every query in flight on the socket (they
// all went to the port that is closed), which stays usable; any other socket error fails them
// and retires the socket.
import dgram from 'node:dgram';
import { DnsTimeoutError, errnoCode } from './errors';
import { socketError, timeoutDetail, type ExchangePlan, type ExchangeResult } from './exchange';
import { readId } from './packet';
import { unusedId } from './queryIds';

export interface UdpSocketPoolOptions {
  /** Queries in flight on one socket at most; more open another socket. Default 1024. */
  maxInFlightPerSocket?: number;
  /**
   * SO_RCVBUF and SO_SNDBUF asked for each socket, so that a burst of answers is not dropped
   * (the kernel caps it at net.core.rmem_max / wmem_max). Default 1 MiB.
   */
  bufferBytes?: number;
}

export interface UdpPoolStats {
  /** Sockets opened through the pool, and open now. */
  opened: number;
  open: number;
  /** Datagrams sent (resends included). */
  sent: number;
  /** Datagrams whose id belonged to no query in flight (late duplicates, forgeries). */
  strays: number;
}

interface Pending {
  plan: ExchangePlan;
  id: number;
  request: Buffer;
  attempts: number;
  ignored: number;
  timer?: NodeJS.Timeout;
  resolve: (result: ExchangeResult) => void;
  reject: (err: Error) => void;
}

interface Channel {
  key: string;
  socket: dgram.Socket;
  inFlight: Map<number, Pending>;
  connected: boolean;
  /** Datagrams to send at the next flush (a connecting socket cannot send yet). */
  unsent: Buffer[];
  retired: boolean;
}

const MAX_IN_FLIGHT = 32_768;

export class UdpSocketPool {
  private readonly maxInFlight: number;
  private readonly bufferBytes: number;
  private readonly channels = new Map<string, Channel[]>();
  private closed = false;
  private opened = 0;
  private sent = 0;
  private strays = 0;

  constructor(options: UdpSocketPoolOptions = {}) {
    this.maxInFlight = Math.min(MAX_IN_FLIGHT, Math.max(1, Math.floor(options.maxInFlightPerSocket ?? 1024)));
    this.bufferBytes = Math.max(0, Math.floor(options.bufferBytes ?? 1 << 20));
  }

  /** One query: sent, resent on timeouts, settled by its answer, an error or the plan's limits. */
  exchange(plan: ExchangePlan): Promise<ExchangeResult> {
    return new Promise((resolve, reject) => {
      const channel = this.channelFor(plan.address, plan.port);
      const id = unusedId(channel.inFlight);
      const pending: Pending = { plan, id, request: plan.encode(id), attempts: 0, ignored: 0, resolve, reject };
      channel.inFlight.set(id, pending);
      this.attempt(channel, pending);
    });
  }

  /** Closes idle sockets now and the others when their last query settles. */
  close(): void {
    this.closed = true;
    for (const list of this.channels.values()) for (const c of [...list]) if (c.inFlight.size === 0) this.retire(c);
  }

  stats(): UdpPoolStats {
    let open = 0;
    for (const list of this.channels.values()) open += list.length;
    return { opened: this.opened, open, sent: this.sent, strays: this.strays };
  }

  private attempt(channel: Channel, p: Pending, deadlineReached = false): void {
    const remaining = p.plan.deadline - Date.now();
    if (p.attempts >= p.plan.attempts || remaining <= 0 || deadlineReached) {
      const detail = timeoutDetail(p.plan, p.attempts, p.ignored);
      this.settle(channel, p, new DnsTimeoutError(p.plan.ctx, p.attempts, p.plan.timeoutMs, detail));
      return;
    }
    p.attempts += 1;
    this.send(channel, p.request);
    // A wait the deadline cut short ends the query: timers count from the event loop's cached
    // time, so on a busy loop one can fire a few ms before Date.now() reaches the deadline.
    const cutShort = remaining < p.plan.timeoutMs;
    p.timer = setTimeout(() => this.attempt(channel, p, cutShort), cutShort ? remaining : p.plan.timeoutMs);
  }

  /**
   * Queued and sent together once the event loop has handled what it read: back-to-back
   * datagrams find the server's threads awake, where each lone one has to wake one up, which
   * costs the sender more than the send itself.
   */
  private send(channel: Channel, request: Buffer): void {
    this.sent += 1;
    channel.unsent.push(request);
    if (channel.connected && channel.unsent.length === 1) setImmediate(() => this.flush(channel));
  }

  private flush(channel: Channel): void {
    if (channel.retired) return;
    // Without a callback a failed send is emitted as the socket's 'error'.
    for (const request of channel.unsent.splice(0)) channel.socket.send(request);
  }

  private settle(channel: Channel, p: Pending, outcome: Error | ExchangeResult): void {
    if (channel.inFlight.get(p.id) !== p) return;
    clearTimeout(p.timer);
    channel.inFlight.delete(p.id);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
    if (channel.inFlight.size === 0 && this.closed) this.retire(channel);
  }

  private onMessage(channel: Channel, message: Buffer): void {
    const id = readId(message);
    const p = id === undefined ? undefined : channel.inFlight.get(id);
    if (!p) {
      // Nobody's answer (a late duplicate, a forgery): every query waiting on this socket was
      // sent something that was not its answer, as when each query had a socket of its own.
      this.strays += 1;
      for (const waiting of channel.inFlight.values()) waiting.ignored += 1;
      return;
    }
    try {
      const verdict = p.plan.judge(message, p.id);
      if (verdict.kind === 'answer')
        this.settle(channel, p, { message: verdict.message, attempts: p.attempts, ignored: p.ignored });
      else p.ignored += 1;
    } catch (err) {
      this.settle(channel, p, err instanceof Error ? err : new Error(String(err)));
    }
  }

  private onError(channel: Channel, err: Error): void {
    for (const p of [...channel.inFlight.values()]) this.settle(channel, p, socketError(p.plan.ctx, err));
    if (errnoCode(err) !== 'ECONNREFUSED') this.retire(channel);
  }

  private channelFor(address: string, port: number): Channel {
    const key = `${address}|${port}`;
    const list = this.channels.get(key) ?? [];
    const usable = list.find((c) => c.inFlight.size < this.maxInFlight);
    if (usable) return usable;
    const socket = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
    const channel: Channel = { key, socket, inFlight: new Map(), connected: false, unsent: [], retired: false };
    this.opened += 1;
    socket.on('message', (message) => this.onMessage(channel, message));
    socket.on('error', (err) => this.onError(channel, err));
    socket.connect(port, address, () => {
      channel.connected = true;
      this.setBuffers(socket);
      this.flush(channel);
    });
    list.push(channel);
    this.channels.set(key, list);
    return channel;
  }

  private setBuffers(socket: dgram.Socket): void {
    if (this.bufferBytes === 0) return;
    try {
      socket.setRecvBufferSize(this.bufferBytes);
      socket.setSendBufferSize(this.bufferBytes);
    } catch {
      // Not allowed here: the kernel's defaults still work, with less headroom for bursts.
    }
  }

  /** Takes the socket out of use and closes it; queries still on it have been settled. */
  private retire(channel: Channel): void {
    if (channel.retired) return;
    channel.retired = true;
    const list = this.channels.get(channel.key) ?? [];
    const i = list.indexOf(channel);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.channels.delete(channel.key);
    // A late datagram or ICMP error must not become an uncaught 'error'.
    channel.socket.on('error', () => undefined);
    try {
      channel.socket.close();
    } catch {
      // Already closed.
    }
  }
}
