// Reused DNS-over-TCP connections (RFC 7766 §6.2.1): a connection that carried one answer
// carries the next query instead of a new connection per query. Opening and closing one
// connection per query leaves a TIME_WAIT socket on this machine per query for 60 s, and with
// thousands of them connect() spends seconds of system CPU looking for a free source port.
//
// One query at a time per connection (no pipelining). A connection is handed to one query by
// acquire() and given back by release() only after a clean answer; anything else (timeout,
// garbage, a close, an error) destroys it. An idle connection that the server closes (BIND's
// tcp-idle-timeout, its tcp-clients limit) or that receives anything is dropped at once. The
// pool never opens a connection by itself: the number open is at most the number of queries
// in flight at once (compareZone's `concurrency`), plus none once close() has run.
import net from 'node:net';

export interface TcpConnectionPoolOptions {
  /** Idle connections kept per server at most; more are closed on release. Default 16. */
  maxIdlePerServer?: number;
}

export interface AcquiredConnection {
  socket: net.Socket;
  /** It carried an answer before: the server may have closed it since (then retry on a fresh one). */
  reused: boolean;
}

export interface TcpPoolStats {
  /** Connections opened through the pool. */
  opened: number;
  /** Queries that went out on a connection that had carried an answer before. */
  reused: number;
  /** Connections open now (idle or in use). */
  open: number;
  /** Idle connections now. */
  idle: number;
}

const keyOf = (address: string, port: number) => `${address}|${port}`;

export class TcpConnectionPool {
  private readonly maxIdle: number;
  private readonly idle = new Map<string, net.Socket[]>();
  /** The idle-state listeners of each idle socket, removed again by acquire(). */
  private readonly idleListeners = new Map<net.Socket, () => void>();
  private readonly open = new Set<net.Socket>();
  private closed = false;
  private opened = 0;
  private reusedCount = 0;

  constructor(options: TcpConnectionPoolOptions = {}) {
    this.maxIdle = Math.max(0, Math.floor(options.maxIdlePerServer ?? 16));
  }

  /**
   * An idle connection to the server if there is one (`fresh` forbids that), else a new one
   * (maybe still connecting).
   */
  acquire(address: string, port: number, fresh = false): AcquiredConnection {
    const list = this.idle.get(keyOf(address, port));
    while (!fresh && list && list.length > 0) {
      const socket = list.pop()!;
      this.idleListeners.get(socket)?.();
      this.idleListeners.delete(socket);
      if (usable(socket)) {
        this.reusedCount += 1;
        return { socket, reused: true };
      }
      destroyQuietly(socket);
    }
    const socket = net.connect({ host: address, port });
    socket.setNoDelay(true);
    this.opened += 1;
    if (!this.closed) {
      this.open.add(socket);
      socket.once('close', () => this.open.delete(socket));
    }
    return { socket, reused: false };
  }

  /**
   * Gives back a connection whose last query got a clean answer (nothing else read, nothing
   * pending). It stays open for the next query unless the pool is closed or has enough idle.
   */
  release(socket: net.Socket, address: string, port: number): void {
    const key = keyOf(address, port);
    const list = this.idle.get(key) ?? [];
    if (this.closed || !usable(socket) || list.length >= this.maxIdle) {
      destroyQuietly(socket);
      return;
    }
    // While idle, anything from the server (data, FIN, RST, an error) ends the connection.
    const drop = () => {
      const i = list.indexOf(socket);
      if (i >= 0) list.splice(i, 1);
      unlisten();
      this.idleListeners.delete(socket);
      destroyQuietly(socket);
    };
    const unlisten = () => {
      socket.off('data', drop);
      socket.off('end', drop);
      socket.off('error', drop);
      socket.off('close', drop);
    };
    socket.on('data', drop);
    socket.on('end', drop);
    socket.on('error', drop);
    socket.on('close', drop);
    this.idleListeners.set(socket, unlisten);
    list.push(socket);
    this.idle.set(key, list);
  }

  /** Ends a connection that must not carry another query (timeout, garbage, error). */
  discard(socket: net.Socket): void {
    destroyQuietly(socket);
  }

  /**
   * Closes every idle connection now; connections in use are closed when released. Afterwards
   * the pool keeps nothing: acquire() still works but each connection is closed after its query.
   */
  close(): void {
    this.closed = true;
    for (const list of this.idle.values()) {
      for (const socket of list) {
        this.idleListeners.get(socket)?.();
        destroyQuietly(socket);
      }
    }
    this.idle.clear();
    this.idleListeners.clear();
  }

  stats(): TcpPoolStats {
    let idle = 0;
    for (const list of this.idle.values()) idle += list.length;
    return { opened: this.opened, reused: this.reusedCount, open: this.open.size, idle };
  }
}

/** Connected, both directions open, nothing half-read. */
function usable(socket: net.Socket): boolean {
  return !socket.destroyed && !socket.connecting && socket.writable && socket.readable && !socket.readableEnded;
}

/** Our listeners may be gone by now: a late socket error must not become an uncaught one. */
export function destroyQuietly(socket: net.Socket): void {
  if (socket.listenerCount('error') === 0) socket.on('error', () => undefined);
  socket.destroy();
}
