import { createHash } from 'node:crypto'
import { once } from 'node:events'
import type { Socket } from 'node:net'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { waitFor } from '../../../test/support/wait.js'
import type { ConnectionLog, Forwarder } from '../src/index.js'
import {
  type Backend,
  connectTo,
  echo,
  hashThenReply,
  readAll,
  sha256,
  startBackend,
  startForwarder,
  writePayload,
} from './helpers.js'

const MB = 1_048_576

/** Reads a socket to its end, hashing what arrives; keeps the first and last `keep` bytes apart. */
function hashIncoming(socket: Socket, keepHead = 0, keepTail = 0) {
  return new Promise<{ length: number; head: Buffer; middle: Buffer; tail: Buffer; error: Error | null }>(
    (resolve) => {
      const hash = createHash('sha256')
      let head = Buffer.alloc(0)
      let tail = Buffer.alloc(0)
      let length = 0
      let error: Error | null = null
      socket.on('data', (chunk: Buffer) => {
        length += chunk.length
        let rest = chunk
        if (head.length < keepHead) {
          const take = Math.min(keepHead - head.length, rest.length)
          head = Buffer.concat([head, rest.subarray(0, take)])
          rest = rest.subarray(take)
        }
        // hold back the last keepTail bytes; hash what falls out of the window
        const window = Buffer.concat([tail, rest])
        const out = Math.max(0, window.length - keepTail)
        hash.update(window.subarray(0, out))
        tail = window.subarray(out)
      })
      socket.on('error', (err) => {
        error = err
      })
      socket.on('close', () => resolve({ length, head, middle: hash.digest(), tail, error }))
    },
  )
}

describe('byte-exact forwarding', () => {
  let echoBackend: Backend
  let hashBackend: Backend
  let forwarder: Forwarder
  let echoPort: number
  let hashPort: number
  const logs: ConnectionLog[] = []
  let before: Record<string, number> = {}
  beforeAll(() => {
    // Snapshot inside a hook: jest's own hook-timeout timer is then live both here and in afterAll.
    before = activeResources()
  })

  beforeAll(async () => {
    echoBackend = await startBackend(echo)
    hashBackend = await startBackend(hashThenReply)
    const started = await startForwarder([
      { name: 'echo', backends: [{ address: '127.0.0.1', port: echoBackend.port }] },
      { name: 'hash', backends: [{ address: '127.0.0.1', port: hashBackend.port }] },
    ])
    forwarder = started.forwarder
    echoPort = started.portOf('echo')
    hashPort = started.portOf('hash')
    forwarder.on('connection:close', (log) => logs.push(log))
  })

  afterAll(async () => {
    await forwarder.close({ deadlineMs: 0 })
    await echoBackend.close()
    await hashBackend.close()
    expect(await leakedSince(before, 2_000)).toEqual({})
  })

  async function echoTransfer(size: number, seed: number): Promise<void> {
    const socket = await connectTo(echoPort)
    const sent = createHash('sha256')
    const received = hashIncoming(socket)
    await writePayload(socket, size, seed, sent)
    socket.end()
    const result = await received
    expect(result.error).toBeNull()
    expect(result.length).toBe(size)
    expect(result.middle.equals(sent.digest())).toBe(true)
  }

  async function uploadDownload(upload: number, download: number, seed: number): Promise<void> {
    const socket = await connectTo(hashPort)
    const sent = createHash('sha256')
    const received = hashIncoming(socket, 32, 32)
    const header = Buffer.alloc(4)
    header.writeUInt32BE(download)
    socket.write(header)
    await writePayload(socket, upload, seed, sent)
    socket.end()
    const result = await received
    expect(result.error).toBeNull()
    expect(result.length).toBe(32 + download + 32)
    expect(result.head.equals(sent.digest())).toBe(true)
    expect(result.middle.equals(result.tail)).toBe(true)
  }

  test('100 concurrent sha256-verified transfers from 0 B to 50 MB, both directions', async () => {
    let state = 12_345
    const random = (limit: number) => {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0
      return state % limit
    }
    const jobs: Array<() => Promise<void>> = [
      () => echoTransfer(50 * MB, 1),
      () => uploadDownload(50 * MB, 0, 2),
      () => uploadDownload(0, 50 * MB, 3),
      () => echoTransfer(0, 4),
      () => uploadDownload(0, 0, 5),
      () => echoTransfer(1, 6),
      () => uploadDownload(5 * MB, 5 * MB, 7),
    ]
    while (jobs.length < 100) {
      const i = jobs.length
      const big = i % 15 === 0
      const size = big ? random(2 * MB) : random(16_384)
      jobs.push(
        i % 2 === 0 ? () => echoTransfer(size, i) : () => uploadDownload(size, random(big ? MB : 8_192), i),
      )
    }
    logs.length = 0
    await Promise.all(jobs.map((job) => job()))
    await waitFor(() => logs.length === 100, { timeoutMs: 5_000, what: '100 connection logs' })
    expect(logs.every((log) => log.end === 'closed')).toBe(true)
    const big = logs.find((log) => log.bytesFromClient === 50 * MB && log.bytesFromServer === 50 * MB)
    expect(big?.server).toBe(`127.0.0.1:${echoBackend.port}`)
    expect(forwarder.stats().every((service) => service.active === 0)).toBe(true)
  }, 120_000)

  test('a server that speaks first is heard before the client sends anything', async () => {
    const banner = await startBackend((socket) => {
      socket.write('220 ready\r\n')
      socket.pipe(socket)
    })
    const { forwarder: speaking, port } = await startForwarder([
      { name: 'banner', backends: [{ address: '127.0.0.1', port: banner.port }] },
    ])
    const socket = await connectTo(port)
    const [first] = (await once(socket, 'data')) as [Buffer]
    expect(first.toString()).toBe('220 ready\r\n')
    socket.end('bye')
    const rest = await readAll(socket)
    expect(rest.data.toString()).toBe('bye')
    await speaking.close({ deadlineMs: 0 })
    await banner.close()
  })

  test('half-close: a reply sent after the client FIN reaches the client', async () => {
    const late = await startBackend((socket) => {
      const chunks: Buffer[] = []
      socket.on('data', (chunk: Buffer) => chunks.push(chunk))
      socket.on('end', () => {
        setTimeout(() => socket.end(Buffer.concat([Buffer.from('got:'), ...chunks])), 50)
      })
    })
    const { forwarder: halfClose, port } = await startForwarder([
      { name: 'late', backends: [{ address: '127.0.0.1', port: late.port }] },
    ])
    const closed = once(halfClose, 'connection:close') as Promise<[ConnectionLog]>
    const socket = await connectTo(port)
    socket.end('ping')
    const reply = await readAll(socket)
    expect(reply.data.toString()).toBe('got:ping')
    const [log] = await closed
    expect(log.end).toBe('closed')
    expect(log.bytesFromClient).toBe(4)
    expect(log.bytesFromServer).toBe(8)
    await halfClose.close({ deadlineMs: 0 })
    await late.close()
  })

  test('a half-closed connection whose other side never finishes is closed after finTimeoutMs', async () => {
    const silent = await startBackend(() => {})
    const { forwarder: fin, port } = await startForwarder([
      { name: 'fin', finTimeoutMs: 100, backends: [{ address: '127.0.0.1', port: silent.port }] },
    ])
    const closed = once(fin, 'connection:close') as Promise<[ConnectionLog]>
    const socket = await connectTo(port)
    socket.end('x')
    const result = await readAll(socket)
    expect(result.data.length).toBe(0)
    const [log] = await closed
    expect(log.end).toBe('fin-timeout')
    await fin.close({ deadlineMs: 0 })
    await silent.close()
  })

  test('an idle connection is closed after idleTimeoutMs', async () => {
    const idle = await startBackend(echo)
    const { forwarder: idler, port } = await startForwarder([
      { name: 'idle', idleTimeoutMs: 150, backends: [{ address: '127.0.0.1', port: idle.port }] },
    ])
    const closed = once(idler, 'connection:close') as Promise<[ConnectionLog]>
    const socket = await connectTo(port)
    socket.write('a')
    await once(socket, 'data')
    const started = Date.now()
    const result = await readAll(socket)
    expect(result.data.length).toBe(0)
    expect(Date.now() - started).toBeGreaterThanOrEqual(100)
    const [log] = await closed
    expect(log.end).toBe('idle-timeout')
    await idler.close({ deadlineMs: 0 })
    await idle.close()
  })

  test('a slow reader keeps the bytes buffered in the forwarder bounded', async () => {
    const size = 32 * MB
    const fast = await startBackend((socket) => {
      writePayload(socket, size, 9, createHash('sha256')).then(
        () => socket.end(),
        () => socket.destroy(),
      )
    })
    const { forwarder: slow, port } = await startForwarder([
      { name: 'slow', backends: [{ address: '127.0.0.1', port: fast.port }] },
    ])
    const socket = await connectTo(port)
    let received = 0
    let maxBuffered = 0
    const sample = () => {
      maxBuffered = Math.max(maxBuffered, slow.stats()[0]!.buffered)
    }
    const timer = setInterval(sample, 2)
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length
      // read about 64 KiB every 2 ms: far slower than loopback can deliver
      socket.pause()
      setTimeout(() => socket.resume(), 2)
    })
    // sample while the backend is far ahead of the reader
    await waitFor(() => received >= 4 * MB, { timeoutMs: 60_000, what: '4 MiB received' })
    clearInterval(timer)
    socket.destroy()
    await waitFor(() => slow.stats()[0]!.active === 0, { timeoutMs: 5_000, what: 'connection closed' })
    expect(maxBuffered).toBeGreaterThan(0)
    expect(maxBuffered).toBeLessThanOrEqual(512 * 1024)
    await slow.close({ deadlineMs: 0 })
    await fast.close()
  }, 90_000)

  test('a backend reset mid-stream resets the client', async () => {
    const resetting = await startBackend((socket) => {
      socket.write(Buffer.alloc(100_000, 1), () => setTimeout(() => socket.resetAndDestroy(), 20))
    })
    const { forwarder: reset, port } = await startForwarder([
      { name: 'reset', backends: [{ address: '127.0.0.1', port: resetting.port }] },
    ])
    const closed = once(reset, 'connection:close') as Promise<[ConnectionLog]>
    const socket = await connectTo(port)
    const result = await readAll(socket)
    expect((result.error as NodeJS.ErrnoException | null)?.code).toBe('ECONNRESET')
    const [log] = await closed
    expect(log.end).toBe('server-reset')
    await reset.close({ deadlineMs: 0 })
    await resetting.close()
  })

  test('a client reset mid-stream resets the backend', async () => {
    let backendSocket: Promise<{ data: Buffer; error: Error | null }> | null = null
    const peer = await startBackend((socket) => {
      backendSocket = readAll(socket)
    })
    const { forwarder: reset, port } = await startForwarder([
      { name: 'reset', backends: [{ address: '127.0.0.1', port: peer.port }] },
    ])
    const closed = once(reset, 'connection:close') as Promise<[ConnectionLog]>
    const socket = await connectTo(port)
    socket.write('partial')
    await waitFor(() => backendSocket !== null, { timeoutMs: 5_000, what: 'backend accepted' })
    await waitFor(() => peer.sockets.values().next().value?.bytesRead === 7, {
      timeoutMs: 5_000,
      what: 'backend read',
    })
    socket.resetAndDestroy()
    const result = await backendSocket!
    expect((result.error as NodeJS.ErrnoException | null)?.code).toBe('ECONNRESET')
    const [log] = await closed
    expect(log.end).toBe('client-reset')
    await reset.close({ deadlineMs: 0 })
    await peer.close()
  })

  test('sha256 of a single transfer survives the proxy exactly (regression guard on chunk reuse)', async () => {
    const data = Buffer.alloc(3 * MB)
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 9)) & 0xff
    const socket = await connectTo(echoPort)
    const result = readAll(socket)
    socket.end(data)
    const { data: back } = await result
    expect(sha256(back).equals(sha256(data))).toBe(true)
  })
})
