import net from 'node:net'
import { LIFETIME_GRACE_MS, TCP_WRITE_HIGH_WATER } from './constants.js'
import { type DnsClientInfo, type ListenerContext, runHandler } from './types.js'

export interface TcpLimits {
  maxConnections: number
  /** Time allowed between two messages (and before the first). */
  idleTimeoutMs: number
  /** Time allowed from the first byte of a message (its length prefix) to its last byte. */
  queryTimeoutMs: number
  /** Total lifetime of a connection, however busy. */
  maxConnectionMs: number
  maxMessageSize: number
}

export interface TcpServer {
  server: net.Server
  /**
   * Stops accepting and reading; each connection still answers the queries it has received whole, sends its
   * answers and is ended. Resolves once every connection is closed; those still open after `deadlineMs` are
   * destroyed (0: at once). Later calls return the first call's promise.
   */
  close(deadlineMs: number): Promise<void>
  /** Destroys every open connection now and closes the server. */
  destroy(): void
}

/**
 * Open connections, least recently useful first: a connection moves to the end when it is accepted and whenever a
 * whole message has arrived on it. At the connection cap the first one is evicted, so a peer holding connections
 * open without completing queries (slowloris) loses them to clients that do. The value finishes the connection
 * gracefully (see `TcpServer.close`).
 */
type ConnectionOrder = Map<net.Socket, () => void>

/** Binds a TCP server speaking DNS over TCP (RFC 7766): 2-byte length framing, pipelined queries answered in order. */
export function bindTcp(
  ctx: ListenerContext,
  address: string,
  port: number,
  limits: TcpLimits,
): Promise<TcpServer> {
  const connections: ConnectionOrder = new Map()
  const server = net.createServer({ noDelay: true }, (socket) => {
    if (connections.size >= limits.maxConnections) {
      const oldest = connections.keys().next().value as net.Socket
      connections.delete(oldest)
      ctx.stats.tcpEvicted++
      oldest.destroy()
    }
    ctx.stats.tcpAccepted++
    if (closing !== undefined) {
      socket.destroy()
      return
    }
    socket.once('close', () => connections.delete(socket))
    // progress moves the connection to the back of the eviction order (its 'data' comes after this returns)
    const finish = serveConnection(ctx, socket, limits, () => {
      if (connections.delete(socket)) connections.set(socket, finish)
    })
    connections.set(socket, finish)
  })
  let closing: Promise<void> | undefined
  const destroy = (): void => {
    if (server.listening) server.close()
    for (const socket of connections.keys()) socket.destroy()
  }
  const close = (deadlineMs: number): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      const timer = deadlineMs > 0 ? setTimeout(destroy, deadlineMs) : undefined
      server.close(() => {
        if (timer !== undefined) clearTimeout(timer)
        resolve()
      })
      if (timer === undefined) destroy()
      else for (const finish of [...connections.values()]) finish()
    })
    return closing
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: address, port, ipv6Only: ctx.family === 6 }, () => {
      server.off('error', reject)
      server.on('error', () => {
        ctx.stats.tcpSocketErrors++
      })
      resolve({ server, close, destroy })
    })
  })
}

/** Serves one connection; returns the function that finishes it gracefully (see `TcpServer.close`). */
function serveConnection(
  ctx: ListenerContext,
  socket: net.Socket,
  limits: TcpLimits,
  onProgress: () => void,
): () => void {
  const { stats } = ctx
  const client: DnsClientInfo = {
    address: socket.remoteAddress ?? '',
    port: socket.remotePort ?? 0,
    transport: 'tcp',
    family: ctx.family,
  }
  // Bytes received but not yet consumed, as the chunks they arrived in: joined only once a whole message is there,
  // so a peer trickling one byte per packet costs linear, not quadratic, copying.
  let chunks: Buffer[] = []
  let buffered = 0
  let paused = false
  /** Closing: bytes arriving now are dropped; the queries already here are answered, then the connection ends. */
  let finishing = false

  // One timer per connection, re-armed only at message boundaries (never per byte): while a message is incomplete
  // it runs to the message's deadline, between messages to the idle deadline, and never past the lifetime cap.
  const closeAt = Date.now() + limits.maxConnectionMs
  let midMessage = false
  let timer: NodeJS.Timeout | undefined
  const arm = (): void => {
    if (timer !== undefined) clearTimeout(timer)
    const wait = midMessage ? limits.queryTimeoutMs : limits.idleTimeoutMs
    const untilCap = closeAt - Date.now()
    timer = setTimeout(expire, Math.max(0, Math.min(wait, untilCap)), wait < untilCap)
    timer.unref()
  }
  const expire = (byDeadline: boolean): void => {
    if (!byDeadline) {
      stats.tcpLifetimeClosed++
      if (midMessage) {
        socket.destroy()
        return
      }
      // Between messages nothing is lost: the answers already written go out first (bounded by a short grace).
      // Queries arriving after our FIN are not answered (RFC 7766 6.2.3): a write after end() would only fail.
      finishing = true
      socket.end()
      setTimeout(() => socket.destroy(), LIFETIME_GRACE_MS).unref()
      return
    }
    if (midMessage) stats.tcpQueryTimeouts++
    else stats.tcpIdleClosed++
    socket.destroy()
  }
  arm()

  const take = (n: number): Buffer => {
    const head = chunks[0]!
    if (head.length >= n) {
      const out = head.subarray(0, n)
      if (head.length === n) chunks.shift()
      else chunks[0] = head.subarray(n)
      buffered -= n
      return out
    }
    const all = Buffer.concat(chunks, buffered)
    chunks = all.length > n ? [all.subarray(n)] : []
    buffered -= n
    return all.subarray(0, n)
  }

  const process = (): void => {
    let completed = false
    while (buffered >= 2) {
      if (socket.writableLength >= TCP_WRITE_HIGH_WATER) {
        // Slow reader: stop reading until it has taken our answers, so unsent bytes stay bounded.
        if (!paused) {
          paused = true
          stats.tcpReadPaused++
          socket.pause()
        }
        return
      }
      const head = chunks[0]!
      const length = head.length >= 2 ? head.readUInt16BE(0) : (head[0]! << 8) | chunks[1]![0]!
      if (length > limits.maxMessageSize) {
        stats.tcpOversizeClosed++
        socket.destroy()
        return
      }
      if (buffered < 2 + length) break
      const query = take(2 + length).subarray(2)
      stats.tcpReceived++
      completed = true
      onProgress()
      const response = runHandler(ctx, query, client)
      if (socket.destroyed || socket.writableEnded) return
      if (response !== null && response !== undefined) {
        if (response.length > 0xffff) {
          stats.tcpSocketErrors++
          continue
        }
        const frame = Buffer.allocUnsafe(2 + response.length)
        frame.writeUInt16BE(response.length, 0)
        frame.set(response, 2)
        socket.write(frame)
        stats.tcpSent++
      }
    }
    if (finishing) {
      // Every query received whole is answered: the answers leave, then FIN (the peer's own FIN closes the socket).
      socket.end()
      return
    }
    // A message completed: the idle deadline (or, when bytes of the next one are here, its deadline) runs from now.
    // Bytes of a new message: its deadline runs from now, however slowly the rest trickles in.
    const started = buffered > 0
    if (completed || started !== midMessage) {
      midMessage = started
      arm()
    }
  }

  socket.on('data', (chunk: Buffer) => {
    // Still read while finishing (the peer's FIN must be seen, and unread bytes would turn our FIN into a reset).
    if (finishing) return
    chunks.push(chunk)
    buffered += chunk.length
    process()
  })
  socket.on('drain', () => {
    if (!paused) return
    paused = false
    socket.resume()
    process()
  })
  socket.on('close', () => {
    if (timer !== undefined) clearTimeout(timer)
  })
  socket.on('error', () => {
    stats.tcpSocketErrors++
  })
  return () => {
    if (finishing || socket.destroyed) return
    finishing = true
    process()
  }
}
