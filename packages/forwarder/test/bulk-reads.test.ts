import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { constants, PerformanceObserver } from 'node:perf_hooks'
import type { Forwarder } from '../src/index.js'
import { type Backend, connectTo, POOL, startBackend, startForwarder, writePayload } from './helpers.js'

const MB = 1_048_576

// The peer of the GC test runs in a process of its own: its reads must not allocate in the process whose
// collections are counted. `sink` counts what it reads and answers the count at the client's FIN; `source <n>`
// sends n bytes of one reused buffer and ends.
const PEER = `
const net = require('node:net')
const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  socket.once('data', (first) => {
    const [mode, size] = first.toString().split(' ')
    if (mode === 'sink') {
      let received = first.length
      socket.on('data', (chunk) => { received += chunk.length })
      socket.on('end', () => socket.end(String(received)))
      return
    }
    const chunk = Buffer.alloc(65536, 7)
    let left = Number(size)
    const pump = () => {
      while (left > 0) {
        const length = Math.min(left, chunk.length)
        left -= length
        if (!socket.write(chunk.subarray(0, length))) return void socket.once('drain', pump)
      }
      socket.end()
    }
    pump()
  })
})
server.listen({ host: '127.0.0.1', port: 0 }, () => console.log(server.address().port))
`

/** Young-generation collections while `work` runs (each external 64 KiB read buffer pushes V8 towards one). */
async function scavengesDuring(work: () => Promise<void>): Promise<number> {
  let scavenges = 0
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR)
        scavenges++
    }
  })
  observer.observe({ entryTypes: ['gc'] })
  await work()
  // gc entries are delivered asynchronously
  await new Promise((resolve) => setTimeout(resolve, 50))
  observer.disconnect()
  return scavenges
}

describe('bulk transfers read into a reused buffer', () => {
  let forwarder: Forwarder
  let port: number
  let peer: ReturnType<typeof spawn>

  beforeAll(async () => {
    peer = spawn(process.execPath, ['-e', PEER], { stdio: ['ignore', 'pipe', 'inherit'] })
    const [line] = (await once(peer.stdout!, 'data')) as [Buffer]
    const started = await startForwarder([
      { name: 'bulk', backends: [{ address: '127.0.0.1', port: Number(line.toString().trim()) }] },
    ])
    forwarder = started.forwarder
    port = started.port
  })

  afterAll(async () => {
    await forwarder.close({ deadlineMs: 0 })
    peer.kill('SIGKILL')
  })

  // Before the reused buffer: one new 64 KiB external buffer per read, a scavenge for every ~32 MB moved (8+ here).
  test('256 MB up and 256 MB down cost a few scavenges, not one per 32 MB', async () => {
    const size = 256 * MB
    const chunk = Buffer.alloc(65_536, 3)
    const up = await scavengesDuring(async () => {
      const socket = await connectTo(port)
      socket.write('sink ')
      let left = size - 5
      while (left > 0) {
        const length = Math.min(left, chunk.length)
        left -= length
        if (!socket.write(chunk.subarray(0, length))) await once(socket, 'drain')
      }
      socket.end()
      const reply: Buffer[] = []
      socket.on('data', (data: Buffer) => reply.push(data))
      await once(socket, 'close')
      expect(Number(Buffer.concat(reply).toString())).toBe(size)
    })
    const down = await scavengesDuring(async () => {
      let received = 0
      const socket = connect({
        host: '127.0.0.1',
        port,
        allowHalfOpen: true,
        onread: {
          buffer: Buffer.alloc(65_536),
          callback: (length: number) => {
            received += length
            return true
          },
        },
      })
      await once(socket, 'connect')
      socket.end(`source ${size}`)
      await once(socket, 'close')
      expect(received).toBe(size)
    })
    expect({ up, down }).toEqual({ up: expect.any(Number), down: expect.any(Number) })
    expect(Math.max(up, down)).toBeLessThanOrEqual(3)
  }, 120_000)
})

describe('a reused read buffer under backpressure', () => {
  let slowBackend: Backend
  let forwarder: Forwarder
  let port: number

  /** Reads in bursts with pauses, so the forwarder's writes to it stay partial while its buffer is lent. */
  function readSlowly(socket: Socket, onDone: (digest: Buffer, length: number) => void): void {
    const hash = createHash('sha256')
    let length = 0
    socket.on('data', (data: Buffer) => {
      hash.update(data)
      length += data.length
      if (length % (4 * MB) < data.length) {
        socket.pause()
        setTimeout(() => socket.resume(), 20)
      }
    })
    socket.on('end', () => onDone(hash.digest(), length))
  }

  beforeAll(async () => {
    slowBackend = await startBackend((socket) => {
      readSlowly(socket, (digest, length) => {
        socket.write(digest)
        // then the same bytes back, for the client to read slowly
        const out = createHash('sha256')
        writePayload(socket, length, 11, out).then(
          () => socket.end(),
          () => socket.destroy(),
        )
      })
    })
    const started = await startForwarder([
      { name: 'slow', backends: [{ address: '127.0.0.1', port: slowBackend.port }] },
    ])
    forwarder = started.forwarder
    port = started.port
  })

  afterAll(async () => {
    await forwarder.close({ deadlineMs: 0 })
    await slowBackend.close()
  })

  test('24 MB each way through slow readers arrive byte-exact', async () => {
    const size = 24 * MB
    const socket = await connectTo(port)
    const sent = createHash('sha256')
    const expectedBack = createHash('sha256')
    // what the backend sends back: writePayload's bytes for seed 11
    let offset = (11 * 7919) % POOL.length
    for (let left = size; left > 0; ) {
      const length = Math.min(left, 65_536, POOL.length - offset)
      expectedBack.update(POOL.subarray(offset, offset + length))
      left -= length
      offset = (offset + length * 3 + 1) % (POOL.length - 1)
    }
    const reply = new Promise<{ digest: Buffer; rest: Buffer; length: number }>((resolve) => {
      const hash = createHash('sha256')
      let head = Buffer.alloc(0)
      let length = 0
      socket.on('data', (data: Buffer) => {
        let rest = data
        if (head.length < 32) {
          const take = Math.min(32 - head.length, rest.length)
          head = Buffer.concat([head, rest.subarray(0, take)])
          rest = rest.subarray(take)
        }
        hash.update(rest)
        length += rest.length
        if (length % (3 * MB) < rest.length) {
          socket.pause()
          setTimeout(() => socket.resume(), 20)
        }
      })
      socket.on('end', () => resolve({ digest: head, rest: hash.digest(), length }))
    })
    await writePayload(socket, size, 5, sent)
    socket.end()
    const result = await reply
    expect(result.digest.equals(sent.digest())).toBe(true)
    expect(result.length).toBe(size)
    expect(result.rest.equals(expectedBack.digest())).toBe(true)
  }, 120_000)
})
