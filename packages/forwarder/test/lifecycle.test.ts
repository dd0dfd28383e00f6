import { once } from 'node:events'
import { readdirSync } from 'node:fs'
import type { Socket } from 'node:net'
import { activeResources, expectNoLeaks, leakedSince } from '../../../test/support/handles.js'
import { waitFor } from '../../../test/support/wait.js'
import { type ConnectionLog, createForwarder, ForwarderError, type ServiceConfig } from '../src/index.js'
import { connectTo, echo, FakeAddressSource, readAll, startBackend, startForwarder } from './helpers.js'

function expectConfigError(services: unknown, option: string): void {
  try {
    createForwarder({ services } as { services: ServiceConfig[] })
  } catch (error) {
    expect(error).toBeInstanceOf(ForwarderError)
    expect((error as ForwarderError).code).toBe('GSLB_FORWARDER_OPTIONS_INVALID')
    expect((error as ForwarderError).path).toBe(option)
    expect((error as Error).message).toContain(option)
    return
  }
  throw new Error(`expected a config error for ${option}`)
}

async function ping(socket: Socket, text: string): Promise<string> {
  socket.write(text)
  const [data] = (await once(socket, 'data')) as [Buffer]
  return data.toString()
}

describe('options', () => {
  const ok = { name: 'svc', listen: ['127.0.0.1:0'], backends: [{ address: '127.0.0.1', port: 1 }] }

  test.each([
    [null, 'services'],
    [[{ ...ok, name: 'a/b' }], 'services[0].name'],
    [[ok, ok], 'services[1].name'],
    [[{ ...ok, listen: [] }], 'services[0].listen'],
    [[{ ...ok, listen: ['::1:104'] }], 'services[0].listen[0]'],
    [[{ ...ok, listen: ['127.0.0.1:70000'] }], 'services[0].listen[0]'],
    [[{ ...ok, backends: [{ address: 'pacs', port: 104 }] }], 'services[0].backends[0].address'],
    [[{ ...ok, backends: [{ name: 'bad name', port: 104 }] }], 'services[0].backends[0].name'],
    [[{ ...ok, backends: [{ address: '10.0.0.1', port: 0 }] }], 'services[0].backends[0].port'],
    [
      [{ ...ok, backends: [{ address: '10.0.0.1', port: 104, weight: 999 }] }],
      'services[0].backends[0].weight',
    ],
    [[{ ...ok, balance: 'random' }], 'services[0].balance'],
    [[{ ...ok, retries: -1 }], 'services[0].retries'],
    [[{ ...ok, connectTimeoutMs: 0 }], 'services[0].connectTimeoutMs'],
    [[{ ...ok, firstResponseTimeoutMs: -1 }], 'services[0].firstResponseTimeoutMs'],
    [[{ ...ok, firstResponseTimeoutMs: '3s' }], 'services[0].firstResponseTimeoutMs'],
    [[{ ...ok, allow: ['10.0.0.0/33'] }], 'services[0].allow[0]'],
    [[{ ...ok, proxyProtocol: 3 }], 'services[0].proxyProtocol'],
    [[{ ...ok, onMarkedDown: 'kill' }], 'services[0].onMarkedDown'],
    [[{ ...ok, check: { type: 'tcp' } }], 'services[0].check.monitor'],
    [
      [{ ...ok, check: { monitor: { type: 'tcp' }, intervalMs: 100, timeoutMs: 100 } }],
      'services[0].check.timeoutMs',
    ],
    [
      [{ ...ok, check: { monitor: { type: 'dicom', calledAE: 'A_TITLE_LONGER_THAN_16' } } }],
      'services[0].check.monitor.calledAE',
    ],
    [[{ ...ok, passive: { failures: 0 } }], 'services[0].passive.failures'],
  ])('%j is rejected naming %s', (services, option) => {
    expectConfigError(services, option)
  })

  test('name backends need an address source', () => {
    expect(() =>
      createForwarder({ services: [{ ...ok, backends: [{ name: 'pacs.example.test', port: 104 }] }] }),
    ).toThrow(expect.objectContaining({ code: 'GSLB_FORWARDER_OPTIONS_INVALID', path: 'addressSource' }))
  })

  test('a listener that cannot bind fails start() with GSLB_FORWARDER_LISTEN_FAILED and leaves nothing open', async () => {
    const before = activeResources()
    const taken = await startBackend(() => {})
    const forwarder = createForwarder({
      services: [{ ...ok, listen: ['127.0.0.1:0', `127.0.0.1:${taken.port}`] }],
    })
    await expect(forwarder.start()).rejects.toMatchObject({ code: 'GSLB_FORWARDER_LISTEN_FAILED' })
    await taken.close()
    expect(await leakedSince(before)).toEqual({})
  })
})

describe('lifecycle', () => {
  expectNoLeaks()

  test('update() keeps listeners and established connections, diffs servers and adds/removes services', async () => {
    const a = await startBackend((socket) => socket.pipe(socket))
    const b = await startBackend((socket) => {
      socket.on('data', (chunk: Buffer) => socket.write(`b:${chunk}`))
      socket.on('end', () => socket.end())
    })
    const source = new FakeAddressSource()
    source.set('other.example.test', ['127.0.0.1'])
    const base = { name: 'svc', listen: ['127.0.0.1:0'] }
    const { forwarder, port } = await startForwarder(
      [{ ...base, backends: [{ address: '127.0.0.1', port: a.port }] }],
      {
        addressSource: source,
      },
    )
    const established = await connectTo(port)
    expect(await ping(established, 'one')).toBe('one')
    await forwarder.update([{ ...base, backends: [{ address: '127.0.0.1', port: b.port }] }])
    // the listener is the same port, the old connection still talks to a, new ones go to b
    expect(forwarder.addresses('svc')[0]!.port).toBe(port)
    expect(await ping(established, 'two')).toBe('two')
    const fresh = await connectTo(port)
    expect(await ping(fresh, 'three')).toBe('b:three')
    // no active checks: b is up because a connection went through it
    expect(forwarder.stats()[0]!.servers.map((server) => [server.port, server.state])).toEqual([
      [b.port, 'up'],
      [a.port, 'drain'],
    ])
    // a new service with a name backend is tracked; a removed one is untracked and drains
    await forwarder.update([
      { ...base, backends: [{ address: '127.0.0.1', port: b.port }] },
      { name: 'extra', listen: ['127.0.0.1:0'], backends: [{ name: 'other.example.test', port: a.port }] },
    ])
    expect(source.tracked.has('other.example.test')).toBe(true)
    const extra = await connectTo(forwarder.addresses('extra')[0]!.port)
    expect(await ping(extra, 'four')).toBe('four')
    const extraClosed = readAll(extra)
    const removal = forwarder.update([{ ...base, backends: [{ address: '127.0.0.1', port: b.port }] }])
    extra.end()
    await extraClosed
    await removal
    expect(source.tracked.size).toBe(0)
    expect(forwarder.stats().map((service) => service.name)).toEqual(['svc'])
    for (const socket of [established, fresh]) socket.destroy()
    await forwarder.close({ deadlineMs: 0 })
    await a.close()
    await b.close()
  })

  test('close() stops accepting, waits for connections until the deadline, then closes the rest', async () => {
    const backend = await startBackend(echo)
    const { forwarder, port } = await startForwarder([
      { name: 'svc', backends: [{ address: '127.0.0.1', port: backend.port }] },
    ])
    const logs: ConnectionLog[] = []
    forwarder.on('connection:close', (log) => logs.push(log))
    const finishing = await connectTo(port)
    const lingering = await connectTo(port)
    expect(await ping(finishing, 'x')).toBe('x')
    expect(await ping(lingering, 'y')).toBe('y')
    const lingeringDone = readAll(lingering)
    const started = Date.now()
    const closing = forwarder.close({ deadlineMs: 300 })
    await expect(connectTo(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    finishing.end()
    await readAll(finishing)
    await closing
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    await lingeringDone
    expect(logs.map((log) => log.end).sort()).toEqual(['closed', 'shutdown'])
    await expect(forwarder.start()).rejects.toMatchObject({ code: 'GSLB_FORWARDER_CLOSED' })
    await backend.close()
  })

  test("a throwing event handler is reported as 'handler:error' and the connection still completes", async () => {
    const backend = await startBackend(echo)
    const { forwarder, port } = await startForwarder([
      { name: 'svc', backends: [{ address: '127.0.0.1', port: backend.port }] },
    ])
    const bug = new Error('handler bug')
    forwarder.on('connection:close', () => {
      throw bug
    })
    const reported: Array<{ event: string; error: Error }> = []
    forwarder.on('handler:error', (event) => reported.push(event))
    const socket = await connectTo(port)
    const reply = readAll(socket)
    socket.end('still works')
    expect((await reply).data.toString()).toBe('still works')
    await waitFor(() => reported.length === 1, { timeoutMs: 2_000, what: 'reported' })
    expect(reported[0]).toEqual({ event: 'connection:close', error: bug })
    expect(forwarder.stats()[0]!.active).toBe(0)
    await forwarder.close({ deadlineMs: 0 })
    await backend.close()
  })

  test('10,000 connections churned leave no file descriptors or handles behind', async () => {
    const countFds = () => readdirSync('/proc/self/fd').length
    const backend = await startBackend(echo)
    const { forwarder, port } = await startForwarder([
      { name: 'svc', backends: [{ address: '127.0.0.1', port: backend.port }] },
    ])
    const resources = activeResources()
    const fds = countFds()
    let done = 0
    const one = async () => {
      const socket = await connectTo(port)
      const result = readAll(socket)
      socket.end('z')
      const { data } = await result
      if (data.toString() !== 'z') throw new Error(`bad echo ${data}`)
      done++
    }
    for (let batch = 0; batch < 100; batch++) await Promise.all(Array.from({ length: 100 }, one))
    expect(done).toBe(10_000)
    await waitFor(() => forwarder.stats()[0]!.active === 0, { timeoutMs: 5_000, what: 'all closed' })
    expect(forwarder.stats()[0]).toMatchObject({ total: 10_000, active: 0, bytesFromClient: 10_000 })
    expect(await leakedSince(resources, 2_000)).toEqual({})
    await waitFor(() => countFds() <= fds, { timeoutMs: 2_000, what: `fds back to ${fds}` })
    await forwarder.close({ deadlineMs: 0 })
    await backend.close()
  }, 120_000)
})
