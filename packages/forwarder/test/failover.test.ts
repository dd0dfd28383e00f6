import { once } from 'node:events'
import { expectNoLeaks } from '../../../test/support/handles.js'
import { freePort } from '../../../test/support/ports.js'
import { waitFor } from '../../../test/support/wait.js'
import type { ConnectionLog, ForwarderEvents } from '../src/index.js'
import { startBlackhole } from './blackhole.js'
import { connectTo, echo, FakeAddressSource, readAll, startBackend, startForwarder } from './helpers.js'

async function roundTrip(port: number, text = 'hello'): Promise<string> {
  const socket = await connectTo(port)
  const reply = readAll(socket)
  socket.end(text)
  const { data, error } = await reply
  if (error) throw error
  return data.toString()
}

describe('failover between servers', () => {
  expectNoLeaks()

  test('a refused connect is retried on the next server before the client notices', async () => {
    const dead = await freePort()
    const live = await startBackend(echo)
    const { forwarder, port } = await startForwarder([
      {
        name: 'svc',
        backends: [
          { address: '127.0.0.1', port: dead },
          { address: '127.0.0.1', port: live.port },
        ],
      },
    ])
    const failures: ForwarderEvents['connect:fail'][0][] = []
    forwarder.on('connect:fail', (event) => failures.push(event))
    const closed = once(forwarder, 'connection:close') as Promise<[ConnectionLog]>
    expect(await roundTrip(port)).toBe('hello')
    const [log] = await closed
    expect(log.end).toBe('closed')
    expect(log.server).toBe(`127.0.0.1:${live.port}`)
    expect(log.attempts.map((attempt) => attempt.error)).toEqual(['ECONNREFUSED', undefined])
    expect(failures).toHaveLength(1)
    expect(failures[0]).toMatchObject({ service: 'svc', server: `127.0.0.1:${dead}`, port: dead })
    expect((failures[0]!.error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED')
    await forwarder.close({ deadlineMs: 0 })
    await live.close()
  })

  test('a blackholed server (connect timeout) falls over to the next server', async () => {
    const hole = await startBlackhole()
    const live = await startBackend(echo)
    const { forwarder, port } = await startForwarder([
      {
        name: 'svc',
        connectTimeoutMs: 200,
        backends: [
          { address: '127.0.0.1', port: hole.port },
          { address: '127.0.0.1', port: live.port },
        ],
      },
    ])
    const closed = once(forwarder, 'connection:close') as Promise<[ConnectionLog]>
    const started = Date.now()
    expect(await roundTrip(port)).toBe('hello')
    expect(Date.now() - started).toBeGreaterThanOrEqual(180)
    const [log] = await closed
    expect(log.attempts[0]).toMatchObject({
      server: `127.0.0.1:${hole.port}`,
      error: 'GSLB_FORWARDER_CONNECT_TIMEOUT',
    })
    expect(log.server).toBe(`127.0.0.1:${live.port}`)
    await forwarder.close({ deadlineMs: 0 })
    await live.close()
    await hole.close()
  })

  test('consecutive connect failures mark a server down passively for the hold time', async () => {
    const dead = await freePort()
    const live = await startBackend(echo)
    const { forwarder, port } = await startForwarder([
      {
        name: 'svc',
        passive: { failures: 2, holdMs: 1_500 },
        backends: [
          { address: '127.0.0.1', port: dead },
          { address: '127.0.0.1', port: live.port },
        ],
      },
    ])
    const changes: ForwarderEvents['server:change'][0][] = []
    forwarder.on('server:change', (change) => changes.push(change))
    const logs: ConnectionLog[] = []
    forwarder.on('connection:close', (log) => logs.push(log))
    for (let i = 0; i < 4; i++) expect(await roundTrip(port)).toBe('hello')
    await waitFor(() => logs.length === 4, { timeoutMs: 2_000, what: 'logs' })
    // two failures mark it down; the next connections go straight to the live server
    expect(logs.map((log) => log.attempts.length)).toEqual([2, 2, 1, 1])
    const ofDead = () => changes.filter((change) => change.server === `127.0.0.1:${dead}`)
    expect(ofDead()[0]).toMatchObject({ previous: 'unknown', current: 'down' })
    const state = () => forwarder.stats()[0]!.servers.find((server) => server.port === dead)!.state
    expect(state()).toBe('down')
    await waitFor(() => state() === 'unknown', { timeoutMs: 5_000, what: 'hold over' })
    expect(ofDead()[1]).toMatchObject({ previous: 'down', current: 'unknown', reason: 'passive hold over' })
    await forwarder.close({ deadlineMs: 0 })
    await live.close()
  })

  test('servers held out only by a passive mark-down are still tried when nothing else is left (a WAN that came back)', async () => {
    const siteA = await freePort()
    const siteB = await freePort()
    const { forwarder, port } = await startForwarder([
      {
        name: 'svc',
        retries: 3,
        passive: { failures: 1, holdMs: 60_000 },
        backends: [
          { address: '127.0.0.1', port: siteA },
          { address: '127.0.0.1', port: siteB },
        ],
      },
    ])
    const logs: ConnectionLog[] = []
    forwarder.on('connection:close', (log) => logs.push(log))
    const state = (p: number) => forwarder.stats()[0]!.servers.find((server) => server.port === p)!.state
    // both sites unreachable: the association fails and both are held down
    expect(await roundTrip(port).catch(() => '')).toBe('')
    await waitFor(() => state(siteA) === 'down' && state(siteB) === 'down', {
      timeoutMs: 5_000,
      what: 'both held down',
    })
    // the link to site B is back, the hold has 60 s to go: the next association must not wait for it
    const back = await startBackend(echo, { port: siteB })
    expect(await roundTrip(port)).toBe('hello')
    await waitFor(() => logs.length === 2, { timeoutMs: 2_000, what: 'logs' })
    expect(logs[1]!.server).toBe(`127.0.0.1:${siteB}`)
    expect(state(siteA)).toBe('down')
    await forwarder.close({ deadlineMs: 0 })
    await back.close()
  })

  test('with every server failing the client is closed after retries, and the log says why', async () => {
    const deadA = await freePort()
    const deadB = await freePort()
    const { forwarder, port } = await startForwarder([
      {
        name: 'svc',
        retries: 5,
        backends: [
          { address: '127.0.0.1', port: deadA },
          { address: '127.0.0.1', port: deadB },
        ],
      },
    ])
    const closed = once(forwarder, 'connection:close') as Promise<[ConnectionLog]>
    const socket = await connectTo(port)
    const result = await readAll(socket)
    expect(result.data.length).toBe(0)
    const [log] = await closed
    expect(log.end).toBe('connect-failed')
    expect(log.server).toBeNull()
    // each server is tried once per connection
    expect(log.attempts).toHaveLength(2)
    await forwarder.close({ deadlineMs: 0 })
  })

  test('retries are bounded by `retries`', async () => {
    const dead = await Promise.all([freePort(), freePort(), freePort()])
    const live = await startBackend(echo)
    const { forwarder, port } = await startForwarder([
      {
        name: 'svc',
        retries: 1,
        backends: [
          ...dead.map((p) => ({ address: '127.0.0.1', port: p })),
          { address: '127.0.0.1', port: live.port },
        ],
      },
    ])
    const closed = once(forwarder, 'connection:close') as Promise<[ConnectionLog]>
    const socket = await connectTo(port)
    await readAll(socket)
    const [log] = await closed
    expect(log.end).toBe('connect-failed')
    expect(log.attempts).toHaveLength(2)
    await forwarder.close({ deadlineMs: 0 })
    await live.close()
  })

  test('backup servers take connections only when no primary is up', async () => {
    const dead = await freePort()
    const primary = await startBackend((socket) => socket.end('primary'))
    const backup = await startBackend((socket) => socket.end('backup'))
    const { forwarder, port } = await startForwarder([
      {
        name: 'svc',
        balance: 'roundrobin',
        backends: [
          { address: '127.0.0.1', port: backup.port, backup: true },
          { address: '127.0.0.1', port: primary.port },
          { address: '127.0.0.1', port: dead },
        ],
      },
    ])
    const seen = new Set<string>()
    for (let i = 0; i < 6; i++) seen.add(await roundTrip(port, ''))
    expect([...seen]).toEqual(['primary'])
    await primary.close()
    expect(await roundTrip(port, '')).toBe('backup')
    await forwarder.close({ deadlineMs: 0 })
    await backup.close()
  })

  test('a name-backed service follows its address source; vanished servers drain', async () => {
    const source = new FakeAddressSource()
    const first = await startBackend(echo, { host: '127.0.0.2' })
    const second = await startBackend(echo, { host: '127.0.0.3', port: first.port })
    source.set('dicom.example.test', ['127.0.0.2'])
    const { forwarder, port } = await startForwarder(
      [{ name: 'dns', backends: [{ name: 'dicom.example.test', port: first.port }] }],
      { addressSource: source },
    )
    expect(source.tracked.has('dicom.example.test')).toBe(true)
    const logs: ConnectionLog[] = []
    forwarder.on('connection:close', (log) => logs.push(log))
    // a long association on the first address
    const long = await connectTo(port)
    long.write('a')
    await once(long, 'data')
    source.set('dicom.example.test', ['127.0.0.3'])
    const stats = () => forwarder.stats()[0]!.servers
    expect(stats().map((server) => [server.address, server.state])).toEqual([
      ['127.0.0.3', 'unknown'],
      ['127.0.0.2', 'drain'],
    ])
    expect(await roundTrip(port)).toBe('hello')
    await waitFor(() => logs.length === 1, { timeoutMs: 2_000, what: 'log' })
    expect(logs[0]!.server).toBe(`127.0.0.3:${first.port}`)
    // the draining connection still works, and the server is forgotten when it ends
    long.write('b')
    const [b] = (await once(long, 'data')) as [Buffer]
    expect(b.toString()).toBe('b')
    long.end()
    await readAll(long)
    await waitFor(() => stats().length === 1, { timeoutMs: 2_000, what: 'drained server forgotten' })
    // an empty answer (offline) leaves no server: the client is closed and the log says so
    source.set('dicom.example.test', [])
    const socket = await connectTo(port)
    await readAll(socket)
    await waitFor(() => logs.length === 3, { timeoutMs: 2_000, what: 'log' })
    expect(logs[2]!.end).toBe('no-server')
    await forwarder.close({ deadlineMs: 0 })
    expect(source.tracked.size).toBe(0)
    expect(source.subscribers).toBe(0)
    await first.close()
    await second.close()
  })

  test('a failed connect to a name-backed server asks the address source to resolve now', async () => {
    const source = new FakeAddressSource()
    const dead = await freePort()
    source.set('gone.example.test', ['127.0.0.4'])
    const { forwarder, port } = await startForwarder(
      [{ name: 'dns', backends: [{ name: 'gone.example.test', port: dead }] }],
      { addressSource: source },
    )
    const failed = once(forwarder, 'connect:fail')
    const socket = await connectTo(port)
    await readAll(socket)
    await failed
    expect(source.resolveCalls).toEqual(['gone.example.test'])
    await forwarder.close({ deadlineMs: 0 })
  })

  test('first: a name answer with several addresses is used in answer order', async () => {
    const source = new FakeAddressSource()
    const a = await startBackend((socket) => socket.end('a'), { host: '127.0.0.5' })
    const b = await startBackend((socket) => socket.end('b'), { host: '127.0.0.6', port: a.port })
    source.set('multi.example.test', ['127.0.0.6', '127.0.0.5'])
    const { forwarder, port } = await startForwarder(
      [{ name: 'dns', balance: 'first', backends: [{ name: 'multi.example.test', port: a.port }] }],
      { addressSource: source },
    )
    expect(await roundTrip(port, '')).toBe('b')
    source.set('multi.example.test', ['127.0.0.5', '127.0.0.6'])
    expect(await roundTrip(port, '')).toBe('a')
    await forwarder.close({ deadlineMs: 0 })
    await a.close()
    await b.close()
  })
})
