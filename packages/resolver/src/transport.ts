import dgram from 'node:dgram'
import { Socket } from 'node:net'
import type * as packet from 'dns-packet'
import { badResponse, ResolverError, ResolverErrorCode } from './errors.js'
import type { Nameserver } from './nameserver.js'

/** The socket half of the client: one exchange over UDP or TCP, bounded in time, size and pieces. */

const MAX_TCP_CHUNKS = 1024

export interface Reply {
  packet: packet.DecodedPacket
  rcode: number
}

export interface ExchangeOptions {
  timeoutMs: number
  signal?: AbortSignal
  /** A UDP datagram was dropped (did not decode, wrong ID or question). */
  ignored?(why: string): void
}

/** Returns the reply, or why it must be ignored (over UDP) or rejected (over TCP). */
export type Check = (buf: Buffer) => Reply | string

/** Runs `body` with a deadline and the caller's signal; `cleanup` always runs once. */
function exchange(
  ns: Nameserver,
  transport: 'UDP' | 'TCP',
  options: ExchangeOptions,
  body: (settle: (result: Reply | Error) => void) => () => void,
): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(aborted(ns, options.signal))
      return
    }
    let done = false
    let cleanup: () => void = () => {}
    const settle = (result: Reply | Error) => {
      if (done) return
      done = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      cleanup()
      if (result instanceof Error) reject(result)
      else resolve(result)
    }
    const onAbort = () => settle(aborted(ns, options.signal!))
    const timer = setTimeout(() => {
      settle(
        new ResolverError(
          ResolverErrorCode.TIMEOUT,
          `${ns.label} did not answer over ${transport} within ${options.timeoutMs} ms`,
          { nameserver: ns.label },
        ),
      )
    }, options.timeoutMs)
    options.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      cleanup = body(settle)
    } catch (error) {
      settle(socketError(ns, transport, error as NodeJS.ErrnoException))
      return
    }
    if (done) cleanup()
  })
}

function aborted(ns: Nameserver, signal: AbortSignal): ResolverError {
  return new ResolverError(ResolverErrorCode.ABORTED, `query to ${ns.label} aborted`, {
    nameserver: ns.label,
    cause: signal.reason,
  })
}

function socketError(ns: Nameserver, transport: 'UDP' | 'TCP', error: NodeJS.ErrnoException): ResolverError {
  const refused = error.code === 'ECONNREFUSED'
  return new ResolverError(
    refused ? ResolverErrorCode.CONNECTION_REFUSED : ResolverErrorCode.NETWORK,
    `${ns.label} over ${transport}: ${error.code ?? error.message}`,
    { nameserver: ns.label, cause: error },
  )
}

export function udpExchange(
  ns: Nameserver,
  request: Buffer,
  check: Check,
  options: ExchangeOptions,
): Promise<Reply> {
  return exchange(ns, 'UDP', options, (settle) => {
    const socket = dgram.createSocket(ns.family === 6 ? 'udp6' : 'udp4')
    socket.on('error', (error) => settle(socketError(ns, 'UDP', error)))
    socket.on('message', (buf) => {
      const reply = check(buf)
      if (typeof reply === 'string') options.ignored?.(reply)
      else settle(reply)
    })
    // connect() makes the kernel drop datagrams from any other address and report ICMP port unreachable.
    // Without a connect callback, a failed connect is an 'error' event (handled above).
    socket.once('connect', () => {
      socket.send(request, (error) => {
        if (error) settle(socketError(ns, 'UDP', error))
      })
    })
    socket.connect(ns.port, ns.host)
    return () => {
      socket.removeAllListeners('message')
      socket.on('error', () => {})
      try {
        socket.close()
      } catch {
        // already closed
      }
    }
  })
}

export function tcpExchange(
  ns: Nameserver,
  name: string,
  request: Buffer,
  check: Check,
  options: ExchangeOptions,
): Promise<Reply> {
  return exchange(ns, 'TCP', options, (settle) => {
    const socket = new Socket()
    const chunks: Buffer[] = []
    let received = 0
    socket.on('error', (error) => settle(socketError(ns, 'TCP', error)))
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      received += chunk.length
      if (chunks.length > MAX_TCP_CHUNKS) {
        settle(badResponse(ns.label, name, `reply over TCP arrived in more than ${MAX_TCP_CHUNKS} pieces`))
        return
      }
      if (received < 2) return
      const all = chunks.length === 1 ? chunk : Buffer.concat(chunks)
      const length = all.readUInt16BE(0)
      if (received < 2 + length) return
      const reply = check(all.subarray(2, 2 + length))
      settle(typeof reply === 'string' ? badResponse(ns.label, name, `over TCP: ${reply}`) : reply)
    })
    socket.on('end', () =>
      settle(badResponse(ns.label, name, 'TCP connection closed before a complete reply')),
    )
    socket.connect({ host: ns.host, port: ns.port }, () => {
      const framed = Buffer.alloc(2 + request.length)
      framed.writeUInt16BE(request.length, 0)
      request.copy(framed, 2)
      socket.write(framed)
    })
    return () => {
      socket.removeAllListeners('data')
      socket.on('error', () => {})
      socket.destroy()
    }
  })
}
