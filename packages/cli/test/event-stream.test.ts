import { createServer, type Server } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import type { ConsoleEvent } from '@gslb/console'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { waitFor } from '../../../test/support/wait.js'
import { EventStreams, type LiveSource } from '../src/admin/event-stream.js'

/** A live source the test drives by hand. */
function source(): LiveSource & { emit(event: ConsoleEvent): void; listeners: number } {
  const listeners = new Set<(event: ConsoleEvent) => void>()
  return {
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    associations: () => [],
    emit: (event) => {
      for (const listener of listeners) listener(event)
    },
    get listeners() {
      return listeners.size
    },
  }
}

async function serve(streams: EventStreams): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (!streams.open(req, res)) {
      res.writeHead(503).end('too many')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as AddressInfo).port }
}

async function close(server: Server, streams: EventStreams): Promise<void> {
  streams.close()
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}

let before: Record<string, number>
beforeEach(() => {
  before = activeResources()
})
afterEach(async () => {
  expect(await leakedSince(before, 2_000)).toEqual({})
})

test('at most maxClients streams; the source is followed only while one is open', async () => {
  const live = source()
  const streams = new EventStreams(live, { maxClients: 2 })
  const { server, port } = await serve(streams)
  const controllers = [new AbortController(), new AbortController()]
  try {
    const open = await Promise.all(
      controllers.map((c) => fetch(`http://127.0.0.1:${port}/`, { signal: c.signal })),
    )
    expect(open.map((r) => r.status)).toEqual([200, 200])
    expect(streams.size).toBe(2)
    expect(live.listeners).toBe(1)
    const third = await fetch(`http://127.0.0.1:${port}/`)
    expect(third.status).toBe(503)
    await third.text()
    // The first frame of a stream is the snapshot of open associations.
    const reader = open[0]!.body!.getReader()
    const first = new TextDecoder().decode((await reader.read()).value)
    expect(first).toContain(': gslb-lb events')
    for (const c of controllers) c.abort()
    await waitFor(() => streams.size === 0, { what: 'both streams are gone' })
    expect(live.listeners).toBe(0)
  } finally {
    for (const c of controllers) c.abort()
    await close(server, streams)
  }
})

test('a reader that does not read is disconnected once maxBufferedBytes pile up, not buffered without end', async () => {
  const live = source()
  const streams = new EventStreams(live, { maxBufferedBytes: 64 * 1024 })
  const { server, port } = await serve(streams)
  const socket = connect({ host: '127.0.0.1', port })
  try {
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
    socket.pause()
    await waitFor(() => streams.size === 1, { what: 'the stream is open' })
    const entry = { seq: 1, at: 0, kind: 'health' as const, subject: 'x', message: 'y'.repeat(16 * 1024) }
    let sent = 0
    // Bounded: the kernel's socket buffers take a few MB at most before the server side has to queue.
    while (streams.size > 0 && sent < 5_000) {
      live.emit({ type: 'timeline', data: { ...entry, seq: ++sent } })
      if (sent % 50 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    expect(streams.size).toBe(0)
    expect(sent).toBeLessThan(5_000)
    expect(live.listeners).toBe(0)
  } finally {
    socket.destroy()
    await close(server, streams)
  }
})
