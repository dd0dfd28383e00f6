import net from 'node:net'
import { ephemeralRange, portSlice } from './port-range.cjs'
import { closedPort, freePort, tcpFree } from './ports.js'

test('each jest worker gets its own slice of ports, none of them in the ephemeral range', () => {
  const { low, high } = ephemeralRange()
  const slices = Array.from({ length: 8 }, (_, worker) => portSlice(worker))
  for (const [i, slice] of slices.entries()) {
    expect(slice.last).toBeGreaterThan(slice.first + 100)
    expect(slice.last < low || slice.first > high).toBe(true)
    expect(slice.first).toBeGreaterThanOrEqual(1_024)
    if (i > 0) expect(slice.first).toBeGreaterThan(slices[i - 1]!.last)
  }
  expect(portSlice(9)).toEqual(slices[1])
})

test('freePort hands out distinct ports outside the ephemeral range that can be listened on', async () => {
  const { low, high } = ephemeralRange()
  const { first, last } = portSlice()
  const ports: number[] = []
  for (let i = 0; i < 40; i++) ports.push(await freePort())
  expect(new Set(ports).size).toBe(ports.length)
  for (const port of ports) {
    expect(port).toBeGreaterThanOrEqual(first)
    expect(port).toBeLessThanOrEqual(last)
    expect(port < low || port > high).toBe(true)
  }
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: ports[0] }, resolve))
  expect(await tcpFree('127.0.0.1', ports[0]!)).toBe(false)
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

test('closedPort names a loopback UDP port nobody listens on', async () => {
  const [host, port] = (await closedPort()).split(':')
  expect(host).toBe('127.0.0.1')
  const { first, last } = portSlice()
  expect(Number(port)).toBeGreaterThanOrEqual(first)
  expect(Number(port)).toBeLessThanOrEqual(last)
})
