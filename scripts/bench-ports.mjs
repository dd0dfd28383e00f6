// Ports for the benchmarks that start servers of their own (the forwarder's and the CLI's): a free TCP port on
// 127.0.0.1, and waiting until something listens on one.
import { once } from 'node:events'
import { connect, createServer } from 'node:net'

export async function freePort() {
  const server = createServer().listen({ host: '127.0.0.1', port: 0 })
  await once(server, 'listening')
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

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
