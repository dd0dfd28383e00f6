import net from 'node:net'
import { ephemeralRange, portSlice } from './port-range.cjs'
import { closedPort, freePort, tcpFree } from './ports.js'

const LINUX_DEFAULT = { low: 32_768, high: 60_999 }

test('each jest worker gets its own slice of ports, none of them in the ephemeral range', () => {
  const slices = Array.from({ length: 16 }, (_, worker) => portSlice(worker, LINUX_DEFAULT)!)
  expect(slices[0]!.first).toBe(10_000)
  for (const [i, slice] of slices.entries()) {
    expect(slice.last - slice.first + 1).toBeGreaterThanOrEqual(100)
    expect(slice.last).toBeLessThan(LINUX_DEFAULT.low)
    if (i > 0) expect(slice.first).toBe(slices[i - 1]!.last + 1)
  }
  expect(() => portSlice(16, LINUX_DEFAULT)).toThrow('run jest with --maxWorkers 15 or fewer')
})

test('hosts with other ephemeral ranges: below it from 1024 when 10000 leaves too little, else above, else none', () => {
  expect(portSlice(0, { low: 9_000, high: 65_535 })).toEqual({ first: 1_024, last: 1_024 + 497 })
  expect(portSlice(0, { low: 1_024, high: 40_000 })).toEqual({ first: 40_001, last: 40_001 + 1_594 })
  expect(portSlice(0, { low: 1_024, high: 65_535 })).toBeUndefined()
})

test('freePort hands out distinct ports of this worker’s slice that can be listened on', async () => {
  const { low, high } = ephemeralRange()
  const slice = portSlice()
  const ports: number[] = []
  for (let i = 0; i < 40; i++) ports.push(await freePort())
  expect(new Set(ports).size).toBe(ports.length)
  for (const port of ports) {
    if (slice) {
      expect(port).toBeGreaterThanOrEqual(slice.first)
      expect(port).toBeLessThanOrEqual(slice.last)
    }
    expect(port < low || port > high).toBe(slice !== undefined)
  }
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: ports[0] }, resolve))
  expect(await tcpFree('127.0.0.1', ports[0]!)).toBe(false)
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

test('closedPort names a loopback UDP port nobody listens on', async () => {
  const [host, port] = (await closedPort()).split(':')
  expect(host).toBe('127.0.0.1')
  const slice = portSlice()
  if (slice) expect(Number(port)).toBeGreaterThanOrEqual(slice.first)
  if (slice) expect(Number(port)).toBeLessThanOrEqual(slice.last)
})
