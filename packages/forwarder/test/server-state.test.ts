import { expectNoLeaks } from '../../../test/support/handles.js'
import { waitFor } from '../../../test/support/wait.js'
import { connectTo, echo, FakeAddressSource, readAll, startBackend, startForwarder } from './helpers.js'

async function roundTrip(port: number): Promise<string> {
  const socket = await connectTo(port)
  const reply = readAll(socket)
  socket.end('hello')
  return (await reply).data.toString()
}

// Issue #12: a name backend's servers (the DNS-proxy service, usually without active checks) stayed 'unknown'
// forever, so the CLI's gslb_server_up was -1 and "a service has no server up" could never be alerted on.
describe('server state without active checks', () => {
  expectNoLeaks()

  test('issue #12 regression: a name backend’s servers are up after traffic, down when passive health says so, and counted as available', async () => {
    const live = await startBackend(echo)
    const dead = await startBackend(echo)
    const deadPort = dead.port
    await dead.close()
    const source = new FakeAddressSource()
    source.set('dicom.example.test', ['127.0.0.1', '127.0.0.2'])
    const { forwarder, port } = await startForwarder(
      [
        {
          name: 'DICOM_DNS_PROXY',
          passive: { failures: 1, holdMs: 60_000 },
          backends: [
            { name: 'dicom.example.test', port: deadPort },
            { address: '127.0.0.1', port: live.port },
          ],
        },
      ],
      { addressSource: source },
    )
    const view = () =>
      forwarder
        .stats()[0]!
        .servers.map((server) => [server.id, server.source, server.state, server.available])
    const deadA = `127.0.0.1:${deadPort}`
    const deadB = `127.0.0.2:${deadPort}`
    const liveId = `127.0.0.1:${live.port}`
    expect(view()).toEqual([
      [deadA, 'dicom.example.test', 'unknown', true],
      [deadB, 'dicom.example.test', 'unknown', true],
      [liveId, null, 'unknown', true],
    ])
    expect(forwarder.stats()[0]!.available).toBe(3)
    expect(await roundTrip(port)).toBe('hello')
    await waitFor(() => forwarder.stats()[0]!.active === 0, {
      timeoutMs: 2_000,
      what: 'the connection to close',
    })
    // both resolved addresses refused the connect: down; the static server carried it: up
    expect(view()).toEqual([
      [deadA, 'dicom.example.test', 'down', false],
      [deadB, 'dicom.example.test', 'down', false],
      [liveId, null, 'up', true],
    ])
    expect(forwarder.stats()[0]!.available).toBe(1)
    // the name resolves elsewhere: the old addresses drain, the new one is unknown until traffic says more
    source.set('dicom.example.test', ['127.0.0.3'])
    expect(view()).toEqual([
      [`127.0.0.3:${deadPort}`, 'dicom.example.test', 'unknown', true],
      [liveId, null, 'up', true],
    ])
    // a name with no address at all: nothing of it is available
    source.set('dicom.example.test', [])
    expect(forwarder.stats()[0]!.available).toBe(1)
    await forwarder.close({ deadlineMs: 1_000 })
    await live.close()
  })

  test('with active checks, traffic does not decide the state', async () => {
    const live = await startBackend(echo)
    const { forwarder, port } = await startForwarder([
      {
        name: 'svc',
        check: { monitor: { type: 'tcp' }, intervalMs: 60_000, timeoutMs: 1_000 },
        backends: [{ address: '127.0.0.1', port: live.port }],
      },
    ])
    expect(await roundTrip(port)).toBe('hello')
    expect(forwarder.stats()[0]!.servers.map((server) => server.state)).toEqual(['unknown'])
    await forwarder.close({ deadlineMs: 1_000 })
    await live.close()
  })
})
