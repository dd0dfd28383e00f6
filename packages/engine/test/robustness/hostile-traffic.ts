import dgram from 'node:dgram'
import { frame, tcpExchange } from '../transport/clients.js'
import { mutate, prng, seeds } from './mutate.js'

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export interface HostileTrafficResult {
  udpReplies: number
  tcpConnections: number
}

/**
 * Sends mutated packets to a DNS server on 127.0.0.1:`port`: `udpPackets` datagrams in bursts (so the kernel buffer
 * is not the thing under test), then `tcpPackets` framed messages over fresh connections, 1% with a garbled length
 * prefix. Bounded in count and time.
 */
export async function sendHostileTraffic(
  port: number,
  udpPackets: number,
  tcpPackets: number,
  seed: number,
): Promise<HostileTrafficResult> {
  const rnd = prng(seed)
  const seedPackets = seeds()
  const client = dgram.createSocket('udp4')
  let udpReplies = 0
  client.on('message', () => udpReplies++)
  await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve))
  let burst: Promise<void>[] = []
  for (let sent = 0; sent < udpPackets; sent++) {
    const buf = mutate(seedPackets, rnd)
    if (buf.length > 0 && buf.length <= 65507) {
      burst.push(new Promise((resolve) => client.send(buf, port, '127.0.0.1', () => resolve())))
    }
    if (burst.length === 50) {
      await Promise.all(burst)
      burst = []
      await pause(3)
    }
  }
  await Promise.all(burst)
  await pause(100)
  await new Promise<void>((resolve) => client.close(resolve))

  let tcpSent = 0
  let tcpConnections = 0
  while (tcpSent < tcpPackets) {
    const chunks: Buffer[] = []
    for (let i = 0; i < 250 && tcpSent < tcpPackets; i++, tcpSent++) {
      const framed = frame(mutate(seedPackets, rnd).subarray(0, 0xffff))
      if (rnd() < 0.01) framed.writeUInt16BE(Math.floor(rnd() * 0x10000), 0)
      chunks.push(framed)
    }
    tcpConnections++
    // Half-close and read until the server closes: junk frames after a garbled prefix may produce extra replies.
    await tcpExchange('127.0.0.1', port, Buffer.concat(chunks), Number.POSITIVE_INFINITY, 3000, true)
  }
  return { udpReplies, tcpConnections }
}
