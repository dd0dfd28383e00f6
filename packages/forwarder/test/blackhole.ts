import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'

// A listener in a child process whose event loop is blocked (Atomics.wait, no CPU used): the kernel queues at
// most backlog + 1 handshakes and then drops SYNs, so a further connect hangs until the caller's timeout.
const CHILD = `
const net = require('node:net')
const server = net.createServer()
server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  process.stdout.write(String(server.address().port) + '\\n', () => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)
  })
})
`

export interface Blackhole {
  port: number
  close(): Promise<void>
}

function tryConnect(port: number, waitMs: number): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.on('error', () => {})
    const timer = setTimeout(() => resolve(null), waitMs)
    socket.once('connect', () => {
      clearTimeout(timer)
      resolve(socket)
    })
    fillers.push(socket)
  })
}

const fillers: Socket[] = []

/** Starts a listener that accepts nothing, with its accept queue already full. */
export async function startBlackhole(): Promise<Blackhole> {
  const child: ChildProcess = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = (await once(child.stdout!, 'data')) as [Buffer]
  const port = Number(line.toString().trim())
  for (let i = 0; i < 8; i++) {
    if ((await tryConnect(port, 300)) === null) break
  }
  return {
    port,
    async close() {
      for (const socket of fillers.splice(0)) socket.destroy()
      const exited = once(child, 'exit')
      child.kill('SIGKILL')
      await exited
    },
  }
}
