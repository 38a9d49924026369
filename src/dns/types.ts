// Shared shapes of the DNS probe library: where to ask, how to ask, what came back.
import type { DecodedRecord } from './packet';
import type { TcpConnectionPool } from './tcpPool';
import type { UdpSocketPool } from './udpPool';

/** An authoritative (or parent, or LB) server: one address and port. */
export interface DnsServer {
  address: string;
  /** Defaults to 53. */
  port?: number;
}

/** The wire transport that carried one exchange. */
export type Transport = 'udp' | 'tcp';

/** What the caller asks for: one transport, or UDP that follows the TC bit to TCP. */
export type TransportMode = Transport | 'auto';

export interface Question {
  /** Presentation form, absolute ("www.example.test." or "www.example.test"). */
  name: string;
  /** Mnemonic as BIND prints it: "A", "TXT", "TYPE65534". */
  type: string;
  /** Defaults to "IN". */
  class?: string;
}

export interface QueryOptions {
  /** Default "auto": UDP, then TCP when the UDP answer is truncated. */
  transport?: TransportMode;
  /** Time allowed for one attempt (UDP send → answer, or TCP connect → answer). Default 2000. */
  timeoutMs?: number;
  /** Attempts per transport (UDP resends / TCP reconnects). Default 3. */
  attempts?: number;
  /**
   * Hard limit for the whole call, including a TC fallback to TCP.
   * Default timeoutMs × (attempts + 1).
   */
  totalTimeoutMs?: number;
  /** RD flag. Default false: we ask authoritative and parent servers, not resolvers. */
  recursionDesired?: boolean;
  /** Send an EDNS0 OPT record. Default true. */
  edns?: boolean;
  /** Advertised UDP payload size. Default 1232 (the DNS flag day 2020 value). */
  udpPayloadSize?: number;
  /** Ask for the server's NSID (RFC 5001). Default true (needs edns). */
  nsid?: boolean;
  /**
   * TCP connections to reuse, many queries in flight on each (compareZone passes its own).
   * Without it each TCP attempt opens a connection and closes it. A live object: never put it
   * in anything serialised (activity inputs carry `ProbeSettings`, not QueryOptions).
   */
  tcpPool?: TcpConnectionPool;
  /**
   * UDP sockets to share (compareZone passes its own): many queries in flight on each. Without
   * it each UDP query has a socket of its own. A live object, like `tcpPool`.
   */
  udpPool?: UdpSocketPool;
}

export interface ResponseFlags {
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  ad: boolean;
  cd: boolean;
}

/** One decoded answer, ready for inspection; records keep dns-packet's decoded data. */
export interface DnsResponse {
  /** "127.0.0.1:5300" / "[::1]:53". */
  server: string;
  question: Required<Question>;
  /** The transport whose answer this is. */
  transport: Transport;
  /** A UDP answer had TC set (in "auto" mode the answer then came over TCP). */
  udpTruncated: boolean;
  id: number;
  /** "NOERROR", "NXDOMAIN", "REFUSED", … (extended with the OPT record's upper bits). */
  rcode: string;
  flags: ResponseFlags;
  answers: DecodedRecord[];
  /** The question and answer sections as received (see DecodedMessage); absent from fakes. */
  questionAndAnswerBytes?: Buffer;
  authorities: DecodedRecord[];
  /** Additional section without the OPT pseudo-record. */
  additionals: DecodedRecord[];
  /** EDNS of the answer, when the server sent an OPT record. */
  edns?: { udpPayloadSize: number; version: number };
  /** The server's NSID as text (non-printable bytes as \DDD), when it sent one. */
  nsid?: string;
  /**
   * Packets sent for this answer (UDP resends + TCP attempts), over all transports. A pooled TCP
   * connection found closed by the server and retried on a new one does not count.
   */
  attempts: number;
  /** Responses dropped because their id or question did not match ours. */
  ignoredResponses: number;
  rttMs: number;
}
