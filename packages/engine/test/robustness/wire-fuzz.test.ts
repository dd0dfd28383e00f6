import dgram from 'node:dgram'
import { performance } from 'node:perf_hooks'
import * as packet from 'dns-packet'
import { activeResources, leakedSince } from '../../../../test/support/handles.js'
import { type DnsHandler, listenDns } from '../../src/transport/index.js'
import { frame, tcpExchange, udpExchange } from '../transport/clients.js'
import { buildQuery } from '../wire/helpers.js'
import { mutate, pointerChainBomb, prng, seeds } from './mutate.js'
import { respond } from './respond.js'

const UDP_PACKETS = 6000
const TCP_PACKETS = 3000

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('transport robustness: hostile packets over UDP and TCP', () => {
  it('keeps answering valid queries after thousands of hostile packets', async () => {
    const before = activeResources()
    let slowest = 0
    const suspects: Buffer[] = []
    const handler: DnsHandler = (query) => {
      const started = performance.now()
      const response = respond(query)
      const elapsed = performance.now() - started
      slowest = Math.max(slowest, elapsed)
      if (elapsed > 1 && suspects.length < 200) suspects.push(Buffer.from(query))
      return response
    }
    const listener = await listenDns(handler, { address: '127.0.0.1', port: 0 })
    try {
      const rnd = prng(0xf00d)
      const seedPackets = seeds()

      // UDP: bursts with short pauses so the kernel buffer is not the thing under test.
      const client = dgram.createSocket('udp4')
      let udpReplies = 0
      client.on('message', () => udpReplies++)
      await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve))
      let burst: Promise<void>[] = []
      for (let sent = 0; sent < UDP_PACKETS; sent++) {
        const buf = mutate(seedPackets, rnd)
        if (buf.length > 0 && buf.length <= 65507) {
          burst.push(new Promise((resolve) => client.send(buf, listener.port, '127.0.0.1', () => resolve())))
        }
        if (burst.length === 50) {
          await Promise.all(burst)
          burst = []
          await pause(3)
        }
      }
      await Promise.all(burst)
      await pause(100)
      client.close()

      // TCP: mutated messages in correct frames, and now and then a garbled length prefix (the server then closes).
      let tcpSent = 0
      let connections = 0
      while (tcpSent < TCP_PACKETS) {
        const chunks: Buffer[] = []
        for (let i = 0; i < 250 && tcpSent < TCP_PACKETS; i++, tcpSent++) {
          const buf = mutate(seedPackets, rnd)
          const framed = frame(buf.subarray(0, 0xffff))
          if (rnd() < 0.01) framed.writeUInt16BE(Math.floor(rnd() * 0x10000), 0)
          chunks.push(framed)
        }
        connections++
        await tcpExchange('127.0.0.1', listener.port, Buffer.concat(chunks), chunks.length, 3000, true)
      }

      // The server still answers a valid query correctly on both transports.
      for (const reply of [
        await udpExchange('127.0.0.1', listener.port, buildQuery({ id: 99 })),
        (await tcpExchange('127.0.0.1', listener.port, frame(buildQuery({ id: 98 })), 1)).messages[0],
      ]) {
        expect(reply).toBeDefined()
        const decoded = packet.decode(Buffer.from(reply!))
        expect(decoded.answers?.map((a) => (a as { data: string }).data)).toEqual([
          '192.0.2.1',
          '192.0.2.2',
          '2000::',
        ])
      }
      expect(listener.stats.handlerErrors).toBe(0)
      expect(listener.stats.udpReceived).toBeGreaterThan(UDP_PACKETS / 2)
      expect(udpReplies).toBeGreaterThan(0)
      expect(listener.stats.tcpReceived).toBeGreaterThan(TCP_PACKETS / 2)
      // Wall-clock samples include GC pauses; the bound is on a slow-looking packet's own cost (best of 5).
      let slowestOwnCost = 0
      for (const buf of suspects) {
        let best = Number.POSITIVE_INFINITY
        for (let i = 0; i < 5; i++) {
          const started = performance.now()
          respond(buf)
          best = Math.min(best, performance.now() - started)
        }
        slowestOwnCost = Math.max(slowestOwnCost, best)
      }
      expect(slowestOwnCost).toBeLessThan(50)
      process.stdout.write(
        `wire fuzz: udp received ${listener.stats.udpReceived}, replies ${udpReplies}; tcp received ` +
          `${listener.stats.tcpReceived} over ${connections} connections (${listener.stats.tcpOversizeClosed} closed for ` +
          `oversize); slowest handler call ${slowest.toFixed(3)} ms, re-timed ${(slowestOwnCost * 1000).toFixed(1)} µs\n`,
      )
    } finally {
      await listener.close()
    }
    expect(await leakedSince(before)).toEqual({})
  })

  it('a raw TCP client sending a 64 KB pointer bomb frame gets FORMERR and the connection stays usable', async () => {
    const before = activeResources()
    const listener = await listenDns((query) => respond(query), { address: '127.0.0.1', port: 0, udp: false })
    const bomb = pointerChainBomb(65535)
    const started = performance.now()
    const result = await tcpExchange(
      '127.0.0.1',
      listener.port,
      Buffer.concat([frame(bomb), frame(buildQuery({ id: 5 }))]),
      2,
    )
    const elapsed = performance.now() - started
    await listener.close()
    expect(await leakedSince(before)).toEqual({})
    expect(result.messages.map((m) => packet.decode(m).id)).toEqual([0x4242, 5])
    expect(packet.decode(result.messages[0]!).flags! & 0x0f).toBe(1)
    expect(elapsed).toBeLessThan(1000)
  })
})
