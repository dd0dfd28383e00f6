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
  maxTcpConnections?: number
  tcpIdleTimeoutMs?: number
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
  /** Connections closed at once because maxTcpConnections were open. */
  tcpRejected: number
  tcpReceived: number
  tcpSent: number
  tcpIdleClosed: number
  /** Connections closed because a length prefix exceeded maxTcpMessageSize. */
  tcpOversizeClosed: number
  /** Times a connection stopped being read because its reader was slow (unsent bytes over the high-water mark). */
  tcpReadPaused: number
  tcpSocketErrors: number
  handlerErrors: number
}

export interface DnsListener {
  readonly address: string
  /** Actual port, after port 0. */
  readonly port: number
  /** Added to the contract: live counters. */
  readonly stats: Readonly<DnsListenerStats>
  close(): Promise<void>
}

export function createStats(): DnsListenerStats {
  return {
    udpReceived: 0,
    udpDroppedPortZero: 0,
    udpSent: 0,
    udpSendErrors: 0,
    tcpAccepted: 0,
    tcpRejected: 0,
    tcpReceived: 0,
    tcpSent: 0,
    tcpIdleClosed: 0,
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
