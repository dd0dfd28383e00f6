import net from 'node:net'
import { TCP_WRITE_HIGH_WATER } from './constants.js'
import { type DnsClientInfo, type ListenerContext, runHandler } from './types.js'

export interface TcpLimits {
  maxConnections: number
  idleTimeoutMs: number
  maxMessageSize: number
}

export interface TcpServer {
  server: net.Server
  /** Destroys every open connection and closes the server. */
  close(): Promise<void>
}

/** Binds a TCP server speaking DNS over TCP (RFC 7766): 2-byte length framing, pipelined queries answered in order. */
export function bindTcp(
  ctx: ListenerContext,
  address: string,
  port: number,
  limits: TcpLimits,
): Promise<TcpServer> {
  const connections = new Set<net.Socket>()
  const server = net.createServer({ noDelay: true }, (socket) => {
    if (connections.size >= limits.maxConnections) {
      ctx.stats.tcpRejected++
      socket.destroy()
      return
    }
    ctx.stats.tcpAccepted++
    connections.add(socket)
    socket.once('close', () => connections.delete(socket))
    serveConnection(ctx, socket, limits)
  })
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve())
      for (const socket of connections) socket.destroy()
    })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: address, port, ipv6Only: ctx.family === 6 }, () => {
      server.off('error', reject)
      server.on('error', () => {
        ctx.stats.tcpSocketErrors++
      })
      resolve({ server, close })
    })
  })
}

function serveConnection(ctx: ListenerContext, socket: net.Socket, limits: TcpLimits): void {
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
      if (buffered < 2 + length) return
      const query = take(2 + length).subarray(2)
      stats.tcpReceived++
      const response = runHandler(ctx, query, client)
      if (socket.destroyed) return
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
  }

  socket.on('data', (chunk: Buffer) => {
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
  socket.setTimeout(limits.idleTimeoutMs, () => {
    stats.tcpIdleClosed++
    socket.destroy()
  })
  socket.on('error', () => {
    stats.tcpSocketErrors++
  })
}
