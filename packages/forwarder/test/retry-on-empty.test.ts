import { createHash } from 'node:crypto'
import { once } from 'node:events'
import type { Socket } from 'node:net'
import { expectNoLeaks } from '../../../test/support/handles.js'
import type { ConnectionLog, Forwarder, ForwarderEvents } from '../src/index.js'
import { type Backend, connectTo, echo, POOL, readAll, startBackend, startForwarder } from './helpers.js'

// A site's cluster VIP whose PACS is gone still accepts TCP, reads the A-ASSOCIATE-RQ and closes without a word.
// With retryOnEmpty the DNS-proxy service replays the client's bytes to the next site instead of failing the
// association (the failure window the CLI's failover drill measured at ~1 s without it).
const EMPTY = 'GSLB_FORWARDER_EMPTY_RESPONSE'

/** Reads the first chunk, then ends (FIN) without sending anything. */
function closeSilently(socket: Socket): void {
  socket.once('data', () => socket.end())
}
/** Reads the first chunk, then resets. */
function resetSilently(socket: Socket): void {
  socket.once('data', () => socket.resetAndDestroy())
}
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')

describe('retryOnEmpty', () => {
  const backends: Backend[] = []
  expectNoLeaks()
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((backend) => backend.close()))
  })

  async function backend(handler: (socket: Socket) => void): Promise<Backend> {
    const started = await startBackend(handler)
    backends.push(started)
    return started
  }

  async function proxy(first: Backend, second: Backend, retryOnEmpty = true) {
    return startForwarder([
      {
        name: 'DICOM_DNS_PROXY',
        retryOnEmpty,
        backends: [
          { address: '127.0.0.1', port: first.port },
          { address: '127.0.0.1', port: second.port },
        ],
      },
    ])
  }

  /** Writes `bytes` through the proxy (no FIN), reads until the proxy closes; the reply and the connection log. */
  async function exchange(forwarder: Forwarder, port: number, bytes: string | Buffer) {
    const closed = once(forwarder, 'connection:close') as Promise<[ConnectionLog]>
    const socket = await connectTo(port)
    const reply = readAll(socket)
    socket.write(bytes)
    const { data } = await reply
    const [log] = await closed
    return { data, log }
  }

  test.each([
    ['closes (FIN)', closeSilently],
    ['resets', resetSilently],
  ])(
    'a server that %s before its first byte is replaced by the next one, with every client byte replayed',
    async (_, silent) => {
      const first = await backend(silent)
      const second = await backend(echo)
      const { forwarder, port } = await proxy(first, second)
      const failures: ForwarderEvents['connect:fail'][0][] = []
      forwarder.on('connect:fail', (event) => failures.push(event))
      const closed = once(forwarder, 'connection:close') as Promise<[ConnectionLog]>
      const payload = POOL.subarray(1000, 1000 + 200_000)
      const socket = await connectTo(port)
      const reply = readAll(socket)
      // in several writes, so the replay holds several chunks
      for (let offset = 0; offset < payload.length; offset += 50_000)
        socket.write(payload.subarray(offset, offset + 50_000))
      const echoed: Buffer[] = []
      let length = 0
      socket.on('data', (chunk: Buffer) => {
        echoed.push(chunk)
        length += chunk.length
        if (length === payload.length) socket.end()
      })
      const { error } = await reply
      expect(error).toBeNull()
      expect(sha(Buffer.concat(echoed))).toBe(sha(payload))
      const [log] = await closed
      expect(log.end).toBe('closed')
      expect(log.server).toBe(`127.0.0.1:${second.port}`)
      expect(log.attempts.map((attempt) => attempt.error)).toEqual([EMPTY, undefined])
      expect(log.bytesFromClient).toBe(payload.length)
      expect(failures).toHaveLength(1)
      expect(failures[0]).toMatchObject({ server: `127.0.0.1:${first.port}` })
      expect((failures[0]!.error as Error & { code: string }).code).toBe(EMPTY)
      await forwarder.close({ deadlineMs: 1_000 })
    },
  )

  test.each([
    ['ends (FIN)', (socket: Socket) => socket.end(), 'closed'],
    ['resets', (socket: Socket) => socket.resetAndDestroy(), 'client-reset'],
  ])(
    'issue #12 regression: a client that %s without sending a byte (check_tcp, a port scan) is no server failure',
    async (_, leave, end) => {
      const first = await backend(echo)
      const second = await backend(echo)
      const { forwarder, port } = await proxy(first, second)
      const failures: ForwarderEvents['connect:fail'][0][] = []
      forwarder.on('connect:fail', (event) => failures.push(event))
      const closed = once(forwarder, 'connection:close') as Promise<[ConnectionLog]>
      const socket = await connectTo(port)
      const reply = readAll(socket)
      leave(socket)
      await reply
      const [log] = await closed
      expect(failures).toEqual([])
      expect(log.attempts.every((attempt) => attempt.error === undefined)).toBe(true)
      expect(log.attempts.length).toBeLessThanOrEqual(1)
      expect(log.end).toBe(end)
      const [stats] = forwarder.stats()
      expect(stats!.failedConnects).toBe(0)
      expect(stats!.servers.map((server) => server.failedConnects)).toEqual([0, 0])
      await forwarder.close({ deadlineMs: 1_000 })
    },
  )

  test("a client's FIN sent before the failed server closed is replayed too (half-close)", async () => {
    const first = await backend(closeSilently)
    const second = await backend((socket) => {
      const chunks: Buffer[] = []
      socket.on('data', (chunk: Buffer) => chunks.push(chunk))
      socket.on('end', () => socket.end(`got ${Buffer.concat(chunks).toString()}`))
    })
    const { forwarder, port } = await proxy(first, second)
    const socket = await connectTo(port)
    const reply = readAll(socket)
    socket.end('A-ASSOCIATE-RQ')
    const { data, error } = await reply
    expect(error).toBeNull()
    expect(data.toString()).toBe('got A-ASSOCIATE-RQ')
    await forwarder.close({ deadlineMs: 1_000 })
  })

  test('a server that has answered is never replaced: its close reaches the client', async () => {
    const first = await backend((socket) => socket.once('data', () => socket.end('A-ASSOCIATE-RJ')))
    const second = await backend(echo)
    const { forwarder, port } = await proxy(first, second)
    const { data, log } = await exchange(forwarder, port, 'A-ASSOCIATE-RQ')
    expect(data.toString()).toBe('A-ASSOCIATE-RJ')
    expect(log.attempts).toHaveLength(1)
    expect(log.server).toBe(`127.0.0.1:${first.port}`)
    await forwarder.close({ deadlineMs: 1_000 })
  })

  test('off by default: the client sees the silent close', async () => {
    const first = await backend(closeSilently)
    const second = await backend(echo)
    const { forwarder, port } = await proxy(first, second, false)
    const { data, log } = await exchange(forwarder, port, 'A-ASSOCIATE-RQ')
    expect(data.length).toBe(0)
    expect(log.attempts.map((attempt) => attempt.error)).toEqual([undefined])
    await forwarder.close({ deadlineMs: 1_000 })
  })

  test('more than 256 KiB before the first server byte: nothing is kept, so nothing is replayed', async () => {
    let received = 0
    const first = await backend((socket) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (received >= 300_000) socket.end()
      })
    })
    const second = await backend(echo)
    const { forwarder, port } = await proxy(first, second)
    const { data, log } = await exchange(forwarder, port, POOL.subarray(0, 300_000))
    expect(data.length).toBe(0)
    expect(log.attempts).toHaveLength(1)
    expect(log.server).toBe(`127.0.0.1:${first.port}`)
    await forwarder.close({ deadlineMs: 1_000 })
  })

  test('every server silent: the client is closed after the retries, each attempt logged', async () => {
    const first = await backend(closeSilently)
    const second = await backend(closeSilently)
    const { forwarder, port } = await proxy(first, second)
    const { data, log } = await exchange(forwarder, port, 'A-ASSOCIATE-RQ')
    expect(data.length).toBe(0)
    expect(log.attempts.map((attempt) => attempt.error)).toEqual([EMPTY, EMPTY])
    expect(log.end).toBe('connect-failed')
    await forwarder.close({ deadlineMs: 1_000 })
  })
})
