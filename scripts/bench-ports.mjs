// Ports for the benchmarks that start servers of their own: a free port on 127.0.0.1, and waiting until something
// listens on one.
import { createSocket } from 'node:dgram'
import { createRequire } from 'node:module'
import { connect, createServer } from 'node:net'

const { nextCandidate } = createRequire(import.meta.url)('../test/support/port-range.cjs')

/**
 * A port free on 127.0.0.1 right now for TCP (and UDP when `udp`), outside the ephemeral range
 * (test/support/port-range.cjs says why).
 */
export async function freePort({ udp = false } = {}) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = nextCandidate()
    if (port === undefined) break
    if ((await tcpFree(port)) && (!udp || (await udpFree(port)))) return port
  }
  throw new Error(`no ${udp ? 'TCP+UDP' : 'TCP'} port free on 127.0.0.1 after 200 tries`)
}

const tcpFree = (port) =>
  new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)))
  })

const udpFree = (port) =>
  new Promise((resolve) => {
    const socket = createSocket('udp4')
    socket.once('error', () => socket.close(() => resolve(false)))
    socket.bind({ address: '127.0.0.1', port, exclusive: true }, () => socket.close(() => resolve(true)))
  })

export async function waitPort(port, deadlineMs = 15_000) {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    const socket = connect({ host: '127.0.0.1', port })
    const ok = await new Promise((resolve) => {
      socket.once('connect', () => resolve(true))
      socket.once('error', () => resolve(false))
    })
    socket.destroy()
    if (ok) return
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
