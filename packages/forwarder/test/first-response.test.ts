import { once } from 'node:events'
import type { Socket } from 'node:net'
import { expectNoLeaks } from '../../../test/support/handles.js'
import { waitFor } from '../../../test/support/wait.js'
import type { ConnectionLog, ForwarderEvents, ServiceConfig } from '../src/index.js'
import { type Backend, connectTo, echo, readAll, startBackend, startForwarder } from './helpers.js'

// A hung PACS (SIGSTOP, a stuck JVM) accepts TCP and then says nothing: without a deadline the association in
// flight waits for the modality's whole ACSE timeout. firstResponseTimeoutMs bounds it and replays the client's
// bytes to the next server, like retryOnEmpty does for a server that closes.
const HUNG = 'GSLB_FORWARDER_FIRST_RESPONSE_TIMEOUT'
// generous against a loaded 2-core machine; the assertions only need "after the deadline" and "bounded"
const DEADLINE_MS = 200

/** Reads everything and never answers; closes only when the forwarder ends its side (so tests can see it did). */
function hang(socket: Socket): void {
  socket.resume()
  socket.on('end', () => socket.end())
}

describe('firstResponseTimeoutMs', () => {
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

  function proxy(servers: Backend[], extra: Partial<ServiceConfig> = {}) {
    return startForwarder([
      {
        name: 'DICOM_DNS_PROXY',
        firstResponseTimeoutMs: DEADLINE_MS,
        backends: servers.map((server) => ({ address: '127.0.0.1', port: server.port })),
        ...extra,
      },
    ])
  }

  test.each([
    ['with retryOnEmpty', true],
    ['on its own', false],
  ])('%s: a hung server is reported and the client bytes go to the next server', async (_, retryOnEmpty) => {
    const hung = await backend(hang)
    const second = await backend(echo)
    const { forwarder, port } = await proxy([hung, second], { retryOnEmpty })
    const failures: ForwarderEvents['connect:fail'][0][] = []
    forwarder.on('connect:fail', (event) => failures.push(event))
    const closed = once(forwarder, 'connection:close') as Promise<[ConnectionLog]>
    const socket = await connectTo(port)
    const reply = readAll(socket)
    const sent = Date.now()
    socket.write('A-ASSOCIATE-RQ')
    const [answer] = (await once(socket, 'data')) as [Buffer]
    const waited = Date.now() - sent
    expect(answer.toString()).toBe('A-ASSOCIATE-RQ')
    expect(waited).toBeGreaterThanOrEqual(DEADLINE_MS - 5)
    socket.end()
    await reply
    const [log] = await closed
    expect(log.end).toBe('closed')
    expect(log.server).toBe(`127.0.0.1:${second.port}`)
    expect(log.attempts.map((attempt) => attempt.error)).toEqual([HUNG, undefined])
    expect(log.attempts[0]!.durationMs).toBeGreaterThanOrEqual(DEADLINE_MS - 5)
    expect(failures.map((f) => [f.server, (f.error as Error & { code: string }).code])).toEqual([
      [`127.0.0.1:${hung.port}`, HUNG],
    ])
    // the hung server's connection was closed by us, not left open
    await waitFor(() => hung.sockets.size === 0, { timeoutMs: 2_000, what: 'the hung connection to close' })
    await forwarder.close({ deadlineMs: 1_000 })
  })

  test('the deadline counts from the client’s first bytes, not from the connect', async () => {
    const first = await backend(echo)
    const second = await backend(echo)
    const { forwarder, port } = await proxy([first, second])
    const closed = once(forwarder, 'connection:close') as Promise<[ConnectionLog]>
    const socket = await connectTo(port)
    const reply = readAll(socket)
    await new Promise((resolve) => setTimeout(resolve, DEADLINE_MS * 2))
    socket.write('late')
    const [answer] = (await once(socket, 'data')) as [Buffer]
    expect(answer.toString()).toBe('late')
    socket.end()
    await reply
    const [log] = await closed
    expect(log.attempts.map((attempt) => attempt.error)).toEqual([undefined])
    expect(log.server).toBe(`127.0.0.1:${first.port}`)
    await forwarder.close({ deadlineMs: 1_000 })
  })

  test('a server that answered is never cut off by the deadline, however long it is silent after', async () => {
    const first = await backend((socket) => {
      socket.once('data', () => socket.write('A-ASSOCIATE-AC'))
      socket.on('end', () => socket.end())
    })
    const second = await backend(echo)
    const { forwarder, port } = await proxy([first, second])
    const closed = once(forwarder, 'connection:close') as Promise<[ConnectionLog]>
    const socket = await connectTo(port)
    const reply = readAll(socket)
    socket.write('A-ASSOCIATE-RQ')
    await new Promise((resolve) => setTimeout(resolve, DEADLINE_MS * 3))
    socket.write('P-DATA')
    await new Promise((resolve) => setTimeout(resolve, DEADLINE_MS * 2))
    socket.end()
    const { data, error } = await reply
    expect(error).toBeNull()
    expect(data.toString()).toBe('A-ASSOCIATE-AC')
    const [log] = await closed
    expect(log.end).toBe('closed')
    expect(log.attempts).toHaveLength(1)
    await forwarder.close({ deadlineMs: 1_000 })
  })

  test('every server hung: the client is closed once the retries are spent, each attempt logged', async () => {
    const first = await backend(hang)
    const second = await backend(hang)
    const { forwarder, port } = await proxy([first, second], { retries: 1 })
    const closed = once(forwarder, 'connection:close') as Promise<[ConnectionLog]>
    const socket = await connectTo(port)
    const reply = readAll(socket)
    const sent = Date.now()
    socket.write('A-ASSOCIATE-RQ')
    const { data } = await reply
    expect(data.length).toBe(0)
    expect(Date.now() - sent).toBeGreaterThanOrEqual(2 * DEADLINE_MS - 10)
    const [log] = await closed
    expect(log.end).toBe('connect-failed')
    expect(log.server).toBeNull()
    expect(log.attempts.map((attempt) => [attempt.server, attempt.error])).toEqual([
      [`127.0.0.1:${first.port}`, HUNG],
      [`127.0.0.1:${second.port}`, HUNG],
    ])
    await forwarder.close({ deadlineMs: 1_000 })
  })

  test('passive health marks a hung server down, so the next associations skip it', async () => {
    const hung = await backend(hang)
    const second = await backend(echo)
    const { forwarder, port } = await proxy([hung, second], { passive: { failures: 2, holdMs: 60_000 } })
    const changes: ForwarderEvents['server:change'][0][] = []
    forwarder.on('server:change', (change) => changes.push(change))
    const logs: ConnectionLog[] = []
    forwarder.on('connection:close', (log) => logs.push(log))
    for (let i = 0; i < 3; i++) {
      const socket = await connectTo(port)
      const reply = readAll(socket)
      socket.write(`association ${i}`)
      await once(socket, 'data')
      socket.end()
      await reply
      await waitFor(() => logs.length === i + 1, { timeoutMs: 2_000, what: `association ${i} to close` })
    }
    // a successful TCP connect to the hung server must not reset its failure count
    expect(logs.map((log) => log.attempts.length)).toEqual([2, 2, 1])
    // a hung server is never seen as up: only its first byte would count as a connection that went through
    expect(changes.filter((change) => change.server === `127.0.0.1:${hung.port}`)).toEqual([
      expect.objectContaining({ previous: 'unknown', current: 'down' }),
    ])
    await forwarder.close({ deadlineMs: 1_000 })
  })
})
