// Ports for the benchmarks that start servers of their own: a free port on 127.0.0.1 (picked outside the ephemeral
// range, test/support/port-range.cjs says why), and waiting until something listens on one.
import { createRequire } from 'node:module'
import { connect } from 'node:net'

const ports = createRequire(import.meta.url)('../test/support/port-range.cjs')

/** A port free on 127.0.0.1 right now for TCP (and UDP when `udp`). */
export const freePort = ({ udp = false } = {}) => ports.freePort('127.0.0.1', { udp })

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
