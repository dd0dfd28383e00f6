export interface DnsClientInfo {
  address: string
  port: number
  transport: 'udp' | 'tcp'
  family: 4 | 6
}

/** Returns the encoded response, or null to send nothing. May throw: the transport catches and counts it. */
export type DnsHandler = (query: Uint8Array, client: DnsClientInfo) => Uint8Array | null

export interface DnsListenOptions {
  /** An IPv4 or IPv6 address. An IPv6 listener is IPv6-only: listen on '0.0.0.0' and '::' for both families. */
  address: string
  /** 0 picks a free port, the same for UDP and TCP. */
  port: number
  /** Default true. */
  udp?: boolean
  /** Default true. */
  tcp?: boolean
  /** Concurrent TCP connections (default 256); at the cap a new one evicts the least recently useful one. */
  maxTcpConnections?: number
  /** Time allowed between two messages on a connection (default 10 s). */
  tcpIdleTimeoutMs?: number
  /** Time allowed from the first byte of a message to its last, however slowly it trickles (default 5 s). */
  tcpQueryTimeoutMs?: number
  /** Total lifetime of a connection, however busy (default 120 s). */
  tcpMaxConnectionMs?: number
  /** SO_RCVBUF of the UDP socket in bytes (default 1 MiB; the kernel caps it at net.core.rmem_max). */
  udpReceiveBufferSize?: number
  /** 12..65535: a length prefix above it closes the connection. */
  maxTcpMessageSize?: number
  signal?: AbortSignal
  /** Added to the contract: told about each handler exception (after it is counted), e.g. to log it. */
  onHandlerError?: (error: unknown, client: DnsClientInfo) => void
}

/** Counters since the listener started; read them at any time (the object is live). */
export interface DnsListenerStats {
  udpReceived: number
  /** Datagrams from source port 0: no reply is possible (and answering would crash naive servers). */
  udpDroppedPortZero: number
  /** Responses handed to the socket. */
  udpSent: number
  /** Failed or impossible sends (an error from the socket, a response larger than a UDP payload). */
  udpSendErrors: number
  tcpAccepted: number
  /** Connections closed to make room for a new one at maxTcpConnections (the least recently useful first). */
  tcpEvicted: number
  tcpReceived: number
  tcpSent: number
  /** Connections closed after tcpIdleTimeoutMs without a message. */
  tcpIdleClosed: number
  /** Connections closed because a message took longer than tcpQueryTimeoutMs to arrive. */
  tcpQueryTimeouts: number
  /** Connections closed at tcpMaxConnectionMs. */
  tcpLifetimeClosed: number
  /** Connections closed because a length prefix exceeded maxTcpMessageSize. */
  tcpOversizeClosed: number
  /** Times a connection stopped being read because its reader was slow (unsent bytes over the high-water mark). */
  tcpReadPaused: number
  tcpSocketErrors: number
  handlerErrors: number
}

/** A bound listener as `engine.addresses()` shows it. */
export interface DnsListenerAddress {
  readonly address: string
  /** Actual port, after port 0. */
  readonly port: number
  /** Live counters of this listener. */
  readonly stats: Readonly<DnsListenerStats>
}

export interface DnsListener extends DnsListenerAddress {
  /**
   * Stops taking queries: UDP closes at once; each TCP connection answers the queries it has received whole, then
   * ends. Connections still open after `deadlineMs` (default 0: at once) are destroyed. Idempotent.
   */
  close(deadlineMs?: number): Promise<void>
  /** Destroys every connection now (a close in progress then resolves). */
  destroy(): void
}

export function createStats(): DnsListenerStats {
  return {
    udpReceived: 0,
    udpDroppedPortZero: 0,
    udpSent: 0,
    udpSendErrors: 0,
    tcpAccepted: 0,
    tcpEvicted: 0,
    tcpReceived: 0,
    tcpSent: 0,
    tcpIdleClosed: 0,
    tcpQueryTimeouts: 0,
    tcpLifetimeClosed: 0,
    tcpOversizeClosed: 0,
    tcpReadPaused: 0,
    tcpSocketErrors: 0,
    handlerErrors: 0,
  }
}

/** What the UDP and TCP halves share. */
export interface ListenerContext {
  handler: DnsHandler
  stats: DnsListenerStats
  family: 4 | 6
  udpReceiveBufferSize: number
  onHandlerError: ((error: unknown, client: DnsClientInfo) => void) | undefined
}

/** Runs the handler; an exception is counted and reported, never thrown into the socket's event loop. */
export function runHandler(
  ctx: ListenerContext,
  query: Uint8Array,
  client: DnsClientInfo,
): Uint8Array | null {
  try {
    return ctx.handler(query, client)
  } catch (error) {
    ctx.stats.handlerErrors++
    if (ctx.onHandlerError !== undefined) {
      try {
        ctx.onHandlerError(error, client)
      } catch {
        // A failing error reporter must not take the listener down either.
      }
    }
    return null
  }
}
