import { createSocket } from 'node:dgram'
import { connect } from 'node:net'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { createEngine } from '../src/index.js'
import { addresses, decode, query, sampleConfig, ZONE } from './support/dns.js'

function udpAsk(host: string, port: number, bytes: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
    const timer = setTimeout(() => {
      socket.close()
      reject(new Error('UDP query timed out'))
    }, 2000)
    socket.once('message', (message) => {
      clearTimeout(timer)
      socket.close()
      resolve(message)
    })
    socket.send(bytes, port, host)
  })
}

function tcpAsk(host: string, port: number, messages: Uint8Array[]): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port })
    const replies: Buffer[] = []
    let pending = Buffer.alloc(0)
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error('TCP query timed out'))
    }, 2000)
    socket.on('connect', () => {
      for (const message of messages) {
        const length = Buffer.alloc(2)
        length.writeUInt16BE(message.length)
        socket.write(Buffer.concat([length, message]))
      }
    })
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk])
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        replies.push(pending.subarray(2, 2 + pending.readUInt16BE(0)))
        pending = pending.subarray(2 + pending.readUInt16BE(0))
      }
      if (replies.length === messages.length) {
        clearTimeout(timer)
        socket.end()
        socket.once('close', () => resolve(replies))
      }
    })
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}

describe.each(['127.0.0.1', '::1'])('engine listening on %s', (host) => {
  test('answers over UDP and TCP (pipelined), and close() leaves nothing open', async () => {
    const before = activeResources()
    const engine = createEngine({ config: sampleConfig(), listen: [{ address: host, port: 0 }] })
    await engine.start()
    const [listener] = engine.addresses()
    expect(listener).toMatchObject({ address: host, port: expect.any(Number) })
    const port = listener!.port
    expect(port).toBeGreaterThan(0)

    const udp = decode(await udpAsk(host, port, query(`pacs.${ZONE}`, 'A', { id: 11 })))
    expect(udp).toMatchObject({ id: 11, rcode: 'NOERROR', flag_aa: true })
    expect(addresses(udp)).toEqual(['10.1.0.50', '10.2.0.50'])

    const [first, second] = await tcpAsk(host, port, [
      query(`pacs.${ZONE}`, 'A', { id: 21 }),
      query(`nope.${ZONE}`, 'A', { id: 22 }),
    ])
    expect(decode(first!)).toMatchObject({ id: 21, rcode: 'NOERROR' })
    expect(decode(second!)).toMatchObject({ id: 22, rcode: 'NXDOMAIN' })
    expect(engine.stats().queries).toEqual({ udp: 1, tcp: 2, total: 3 })
    expect(listener!.stats).toMatchObject({ udpReceived: 1, tcpReceived: 2 })

    await engine.close()
    expect(engine.addresses()).toEqual([])
    expect(await leakedSince(before)).toEqual({})
    await expect(engine.start()).rejects.toMatchObject({ code: 'GSLB_ENGINE_CLOSED' })
  })
})

test('several listeners, UDP only and TCP only', async () => {
  const engine = createEngine({
    config: sampleConfig(),
    listen: [
      { address: '127.0.0.1', port: 0, tcp: false },
      { address: '127.0.0.1', port: 0, udp: false },
    ],
  })
  await engine.start()
  const [udpOnly, tcpOnly] = engine.addresses()
  expect(decode(await udpAsk('127.0.0.1', udpOnly!.port, query(ZONE, 'SOA'))).rcode).toBe('NOERROR')
  const [reply] = await tcpAsk('127.0.0.1', tcpOnly!.port, [query(ZONE, 'NS')])
  expect(decode(reply!).answers).toHaveLength(2)
  await engine.close()
})

test('a start that fails (address in use) releases what it bound and rejects; the engine can start later', async () => {
  const before = activeResources()
  const holder = createEngine({
    config: sampleConfig(),
    listen: [{ address: '127.0.0.1', port: 0, udp: false }],
  })
  await holder.start()
  const taken = holder.addresses()[0]!.port
  const engine = createEngine({
    config: sampleConfig(),
    listen: [
      { address: '127.0.0.1', port: 0 },
      { address: '127.0.0.1', port: taken, udp: false },
    ],
  })
  await expect(engine.start()).rejects.toMatchObject({ code: 'EADDRINUSE' })
  expect(engine.addresses()).toEqual([])
  await holder.close()
  await engine.start()
  expect(engine.addresses().map((l) => l.port)).toContain(taken)
  await engine.close()
  expect(await leakedSince(before)).toEqual({})
})
