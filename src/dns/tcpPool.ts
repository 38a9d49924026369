// Reused, pipelined DNS-over-TCP connections (RFC 7766 §6.2.1, §6.2.1.1): queries to one
// server share a few connections, many in flight on each, instead of a connection per query.
// Opening and closing one connection per query leaves a TIME_WAIT socket on this machine per
// query for 60 s (with thousands of them connect() spends seconds of system CPU looking for a
// free source port), and one query at a time per connection pays a round trip per query.
//
// Where a query goes: onto a connection that has answered before and has room in its window
// (the first such, so that queries share as few writes as possible); else, when no connection
// is still waiting for its first answer, onto a new connection, which carries only that query
// until it answers (a server that does not pipeline, or resets a connection on its second
// query, then costs nothing but time); else it waits in the server's queue, in order, for room.
// At most `maxConnectionsPerServer` connections are open to one server. A connection on which a
// query timed out takes nothing new and closes when its other queries are done; one that
// carried garbage is closed at once. The pool never opens a connection by itself, and close()
// ends every idle one (the rest as they finish).
import { PipelinedConnection, type TcpTicket } from './tcpConnection';

export interface TcpConnectionPoolOptions {
  /** Connections open to one server at most. Default 16. */
  maxConnectionsPerServer?: number;
  /** Queries in flight on one connection at most. Default 64. */
  window?: number;
}

export interface TcpPoolStats {
  /** Connections opened through the pool. */
  opened: number;
  /** Queries that went out on a connection that had carried an answer before. */
  reused: number;
  /** Connections open now (idle or in use). */
  open: number;
  /** Open connections with nothing in flight that take new queries. */
  idle: number;
  /** The most queries in flight on one connection at once. */
  maxInFlight: number;
}

interface ServerConnections {
  connections: PipelinedConnection[];
  /** Queries waiting for room, oldest (or retried) first. */
  queue: TcpTicket[];
}

export class TcpConnectionPool {
  private readonly maxConnections: number;
  private readonly window: number;
  private readonly servers = new Map<string, ServerConnections>();
  private closed = false;
  private opened = 0;
  private reusedCount = 0;
  private maxInFlight = 0;

  constructor(options: TcpConnectionPoolOptions = {}) {
    this.maxConnections = Math.max(1, Math.floor(options.maxConnectionsPerServer ?? 16));
    this.window = Math.min(16_384, Math.max(1, Math.floor(options.window ?? 64)));
  }

  /** Sends the ticket's query now or as soon as there is room; `retry` puts it first in line. */
  submit(ticket: TcpTicket, retry = false): void {
    const server = this.serverOf(ticket);
    if (server.queue.length === 0 && this.place(server, ticket)) return;
    if (retry) server.queue.unshift(ticket);
    else server.queue.push(ticket);
    this.pump(server);
  }

  /** The query gave up (timed out): out of the queue, or off its connection, which then drains. */
  withdraw(ticket: TcpTicket): void {
    const server = this.serverOf(ticket);
    const i = server.queue.indexOf(ticket);
    if (i >= 0) {
      server.queue.splice(i, 1);
      return;
    }
    server.connections.find((c) => c.holds(ticket))?.withdraw(ticket);
  }

  /**
   * Closes every idle connection now; the others close when their queries are done. Afterwards
   * the pool keeps nothing: queries still work, each new connection closes once it is idle.
   */
  close(): void {
    this.closed = true;
    for (const server of this.servers.values()) {
      for (const c of [...server.connections]) {
        c.drain();
        if (c.size === 0) c.destroy();
      }
    }
  }

  stats(): TcpPoolStats {
    let open = 0;
    let idle = 0;
    for (const server of this.servers.values()) {
      open += server.connections.length;
      idle += server.connections.filter((c) => c.usable && c.size === 0).length;
    }
    return { opened: this.opened, reused: this.reusedCount, open, idle, maxInFlight: this.maxInFlight };
  }

  private serverOf(ticket: TcpTicket): ServerConnections {
    const key = `${ticket.plan.address}|${ticket.plan.port}`;
    let server = this.servers.get(key);
    if (!server) {
      server = { connections: [], queue: [] };
      this.servers.set(key, server);
    }
    return server;
  }

  /** Puts the query on a connection if the rules above allow it now. */
  private place(server: ServerConnections, ticket: TcpTicket): boolean {
    const proven = server.connections.find((c) => c.usable && c.answers > 0 && c.size < this.window);
    if (proven) {
      this.reusedCount += 1;
      this.sendOn(proven, ticket);
      return true;
    }
    if (server.connections.some((c) => c.usable && c.answers === 0)) return false;
    if (server.connections.length >= this.maxConnections) return false;
    const { address, port } = ticket.plan;
    const fresh = new PipelinedConnection(address, port, (c) => this.changed(server, c));
    this.opened += 1;
    server.connections.push(fresh);
    this.sendOn(fresh, ticket);
    return true;
  }

  private sendOn(connection: PipelinedConnection, ticket: TcpTicket): void {
    connection.send(ticket);
    this.maxInFlight = Math.max(this.maxInFlight, connection.size);
    if (this.closed) connection.drain();
  }

  /** Waiting queries onto connections, in order, while the rules allow. */
  private pump(server: ServerConnections): void {
    while (server.queue.length > 0 && this.place(server, server.queue[0])) server.queue.shift();
  }

  private changed(server: ServerConnections, connection: PipelinedConnection): void {
    if (connection.closed) {
      const i = server.connections.indexOf(connection);
      if (i >= 0) server.connections.splice(i, 1);
    } else if ((connection.draining || this.closed) && connection.size === 0) {
      connection.destroy();
      return; // destroy() reports the close, which lands above.
    }
    this.pump(server);
  }
}
