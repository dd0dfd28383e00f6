import { once } from 'node:events'
import type { Socket } from 'node:net'
import { expectNoLeaks } from '../../../test/support/handles.js'
import { waitFor } from '../../../test/support/wait.js'
import type { ForwarderEvents } from '../src/index.js'
import { connectTo, echo, readAll, startBackend, startForwarder } from './helpers.js'

type Reject = ForwarderEvents['connection:reject'][0]

/** Opens a connection and proves it is proxied by an echo round trip. */
async function openProxied(port: number, localAddress: string): Promise<Socket> {
  const socket = await connectTo(port, '127.0.0.1', localAddress)
  socket.write('?')
  await once(socket, 'data')
  return socket
}

/** A rejected connection is accepted by the kernel and then closed by the forwarder without a byte. */
async function expectRejected(port: number, localAddress: string): Promise<void> {
  const socket = await connectTo(port, '127.0.0.1', localAddress)
  const result = await readAll(socket)
  expect(result.data.length).toBe(0)
}

describe('limits', () => {
  expectNoLeaks()

  test('maxConnectionsPerClient limits each client IP on its own', async () => {
    const backend = await startBackend(echo)
    const { forwarder, port } = await startForwarder([
      { name: 'svc', maxConnectionsPerClient: 2, backends: [{ address: '127.0.0.1', port: backend.port }] },
    ])
    const rejects: Reject[] = []
    forwarder.on('connection:reject', (event) => rejects.push(event))
    const open = [await openProxied(port, '127.0.0.10'), await openProxied(port, '127.0.0.10')]
    await expectRejected(port, '127.0.0.10')
    expect(rejects).toEqual([
      {
        service: 'svc',
        client: { address: '127.0.0.10', port: expect.any(Number) },
        reason: 'max-connections-per-client',
      },
    ])
    open.push(await openProxied(port, '127.0.0.11'), await openProxied(port, '127.0.0.11'))
    // a slot freed by one client is usable again
    open[0]!.end()
    await readAll(open[0]!)
    await waitFor(() => forwarder.stats()[0]!.active === 3, { timeoutMs: 2_000, what: 'freed slot' })
    open.push(await openProxied(port, '127.0.0.10'))
    expect(forwarder.stats()[0]).toMatchObject({ active: 4, rejected: 1 })
    for (const socket of open) socket.destroy()
    await forwarder.close({ deadlineMs: 0 })
    await backend.close()
  })

  test('maxConnections limits the whole service', async () => {
    const backend = await startBackend(echo)
    const { forwarder, port } = await startForwarder([
      { name: 'svc', maxConnections: 3, backends: [{ address: '127.0.0.1', port: backend.port }] },
    ])
    const rejects: Reject[] = []
    forwarder.on('connection:reject', (event) => rejects.push(event))
    const open = [
      await openProxied(port, '127.0.0.12'),
      await openProxied(port, '127.0.0.13'),
      await openProxied(port, '127.0.0.14'),
    ]
    await expectRejected(port, '127.0.0.15')
    expect(rejects.map((event) => event.reason)).toEqual(['max-connections'])
    for (const socket of open) socket.destroy()
    await forwarder.close({ deadlineMs: 0 })
    await backend.close()
  })

  test('an allow-list serves only clients in its subnets', async () => {
    const backend = await startBackend(echo)
    const { forwarder, port } = await startForwarder([
      {
        name: 'svc',
        allow: ['127.0.0.16/30', '::1'],
        backends: [{ address: '127.0.0.1', port: backend.port }],
      },
    ])
    const rejects: ForwarderEvents['connection:reject'][0][] = []
    forwarder.on('connection:reject', (event) => rejects.push(event))
    const allowed = await openProxied(port, '127.0.0.17')
    await expectRejected(port, '127.0.0.20')
    expect(rejects).toEqual([
      { service: 'svc', client: { address: '127.0.0.20', port: expect.any(Number) }, reason: 'not-allowed' },
    ])
    allowed.destroy()
    await forwarder.close({ deadlineMs: 0 })
    await backend.close()
  })

  test('an IPv6 listener serves ::1 and applies its allow-list to IPv6 clients', async () => {
    const backend = await startBackend(echo)
    const { forwarder } = await startForwarder([
      {
        name: 'v6',
        listen: ['[::1]:0'],
        allow: ['::1/128'],
        backends: [{ address: '127.0.0.1', port: backend.port }],
      },
    ])
    const [bound] = forwarder.addresses('v6')
    expect(bound!.address).toBe('::1')
    const closed = once(forwarder, 'connection:close') as Promise<[ForwarderEvents['connection:close'][0]]>
    const socket = await connectTo(bound!.port, '::1')
    socket.write('six')
    const [data] = (await once(socket, 'data')) as [Buffer]
    expect(data.toString()).toBe('six')
    socket.end()
    await readAll(socket)
    const [log] = await closed
    expect(log.client.address).toBe('::1')
    await forwarder.close({ deadlineMs: 0 })
    await backend.close()
  })
})
