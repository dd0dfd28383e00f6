import { once } from 'node:events'
import type { Socket } from 'node:net'
import { expectNoLeaks } from '../../../test/support/handles.js'
import type { ConnectionLog, Forwarder } from '../src/index.js'
import { type Backend, connectTo, readAll, startBackend, startForwarder } from './helpers.js'

// A blocked event loop (a long GC, a sync reload) makes a deadline timer fire late. By then the server's connect
// completion or first byte may already sit in the socket, unread because the timer phase runs before the poll
// phase: the forwarder must not abandon a server that answered in time.
const DEADLINE_MS = 200
const BLOCK_MS = 400

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until) {
    // a synchronous stall, like a long GC pause
  }
}

/** Resolves in the check phase of the loop turn where the forwarder holds a connection still connecting. */
async function whileConnecting(forwarder: Forwarder): Promise<void> {
  for (let turn = 0; turn < 10_000; turn++) {
    const open = forwarder.connections()
    if (open.length === 1 && open[0]!.server === null) return
    await new Promise((resolve) => setImmediate(resolve))
  }
  throw new Error('the forwarder never held a connecting connection')
}

describe('deadline timers that fire late', () => {
  const backends: Backend[] = []
  expectNoLeaks()
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((backend) => backend.close()))
  })

  test('a first byte already waiting when the first-response timer fires late keeps the server', async () => {
    // echoes 50 ms after the request, then stalls the loop well past the 200 ms deadline
    const backend = await startBackend((socket: Socket) => {
      socket.on('data', (chunk) => {
        setTimeout(() => socket.write(chunk), 50)
        setImmediate(blockEventLoop, BLOCK_MS)
      })
      socket.on('end', () => socket.end())
    })
    backends.push(backend)
    const { forwarder, port } = await startForwarder([
      {
        name: 'pacs',
        firstResponseTimeoutMs: DEADLINE_MS,
        backends: [{ address: '127.0.0.1', port: backend.port }],
      },
    ])
    const closed = once(forwarder, 'connection:close') as Promise<[ConnectionLog]>
    const socket = await connectTo(port)
    const reply = readAll(socket)
    socket.write('A-ASSOCIATE-RQ')
    const answer = await Promise.race([
      once(socket, 'data').then(([chunk]) => String(chunk)),
      once(socket, 'close').then(() => 'closed without an answer'),
    ])
    expect(answer).toBe('A-ASSOCIATE-RQ')
    socket.end()
    await reply
    const [log] = await closed
    expect(log.end).toBe('closed')
    expect(log.attempts.map((attempt) => attempt.error)).toEqual([undefined])
    await forwarder.close({ deadlineMs: 1_000 })
  })

  test('a connect already completed when the connect timer fires late is not a timeout', async () => {
    const backend = await startBackend((socket: Socket) => {
      socket.resume()
      socket.on('end', () => socket.end())
    })
    backends.push(backend)
    const { forwarder, port } = await startForwarder([
      {
        name: 'pacs',
        connectTimeoutMs: DEADLINE_MS,
        retries: 0,
        backends: [{ address: '127.0.0.1', port: backend.port }],
      },
    ])
    const failures: unknown[] = []
    forwarder.on('connect:fail', (event) => failures.push(event))
    const closed = once(forwarder, 'connection:close') as Promise<[ConnectionLog]>
    const socket = await connectTo(port)
    const reply = readAll(socket)
    // the connect to the backend is issued, its completion not yet read: stall here
    await whileConnecting(forwarder)
    blockEventLoop(BLOCK_MS)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(forwarder.connections()[0]?.server).toBe(`127.0.0.1:${backend.port}`)
    socket.end()
    await reply
    const [log] = await closed
    expect(log.end).toBe('closed')
    expect(log.attempts.map((attempt) => attempt.error)).toEqual([undefined])
    expect(failures).toEqual([])
    await forwarder.close({ deadlineMs: 1_000 })
  })
})
