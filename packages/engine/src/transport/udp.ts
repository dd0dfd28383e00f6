import dgram from 'node:dgram'
import { MAX_UDP_RESPONSE_SIZE } from './constants.js'
import { type DnsClientInfo, type ListenerContext, runHandler } from './types.js'

/** Binds a UDP socket that answers each datagram synchronously through the handler. */
export function bindUdp(ctx: ListenerContext, address: string, port: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: ctx.family === 6 ? 'udp6' : 'udp4', ipv6Only: ctx.family === 6 })
  const { stats } = ctx
  socket.on('message', (msg, rinfo) => {
    stats.udpReceived++
    // A reply to port 0 is impossible (send throws ERR_SOCKET_BAD_PORT); such a datagram is spoofed or broken.
    if (rinfo.port === 0) {
      stats.udpDroppedPortZero++
      return
    }
    const client: DnsClientInfo = {
      address: rinfo.address,
      port: rinfo.port,
      transport: 'udp',
      family: ctx.family,
    }
    const response = runHandler(ctx, msg, client)
    if (response === null || response === undefined) return
    if (response.length > MAX_UDP_RESPONSE_SIZE) {
      stats.udpSendErrors++
      return
    }
    // No send callback: with one, Node completes every send through an extra setImmediate (measurably slower under
    // load). Asynchronous send failures arrive as the socket's 'error' event, which is counted below.
    try {
      socket.send(response, rinfo.port, rinfo.address)
      stats.udpSent++
    } catch {
      stats.udpSendErrors++
    }
  })
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      try {
        socket.close()
      } catch {
        // already closed by the failed bind
      }
      reject(error)
    }
    socket.once('error', onError)
    // Not `exclusive`: in node:cluster workers the socket is then shared through the primary, the way to spread UDP
    // over several cores on Node 20 (`reusePort` needs Node 22.12). Outside a cluster it changes nothing.
    socket.bind({ address, port }, () => {
      socket.off('error', onError)
      try {
        socket.setRecvBufferSize(ctx.udpReceiveBufferSize)
      } catch {
        // Refused by the OS: the default buffer still works, it only absorbs shorter bursts.
      }
      // After binding, socket errors (ICMP-induced, send failures) are counted, never fatal.
      socket.on('error', () => {
        stats.udpSendErrors++
      })
      resolve(socket)
    })
  })
}
