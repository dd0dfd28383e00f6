import { createServer as createHttpServer, type ServerResponse } from 'node:http'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { createHealthChecker } from '../src/index.js'
import { fakeDns } from './support/fake-dns.js'
import { tcpServer } from './support/servers.js'

const address = '127.0.0.1'

describe('close({ deadlineMs: 0 }) with checks of every kind in flight', () => {
  test('cancels them and leaves no socket, timer or child process behind', async () => {
    const silentTcp = await tcpServer(() => {})
    const open = new Set<ServerResponse>()
    const http = createHttpServer((_request, response) => {
      open.add(response) // never answered
    })
    await new Promise<void>((resolve) => http.listen(0, address, resolve))
    const httpPort = (http.address() as { port: number }).port
    const dns = await fakeDns({})
    const before = activeResources()

    const health = createHealthChecker({ initialSpreadMs: 0 })
    const common = { address, intervalMs: 20_000, timeoutMs: 10_000 }
    health.add({ ...common, id: 'tcp', port: silentTcp.port, monitor: { type: 'tcp', expect: 'OK' } })
    health.add({ ...common, id: 'dicom', port: silentTcp.port, monitor: { type: 'dicom' } })
    health.add({ ...common, id: 'http', port: httpPort, monitor: { type: 'http' } })
    health.add({ ...common, id: 'dns', port: dns.port, monitor: { type: 'dns', name: 'silent.test' } })
    health.add({
      ...common,
      id: 'ext',
      port: 1,
      monitor: { type: 'external', command: 'sleep', args: ['30'] },
    })
    const results: string[] = []
    health.on('check:result', (event) => results.push(event.id))
    health.start()
    for (let i = 0; i < 200 && (health.snapshot().inFlight < 5 || dns.queries.length === 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(health.snapshot().inFlight).toBe(5)
    const started = performance.now()
    await health.close({ deadlineMs: 0 })
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(results).toEqual([]) // cancelled checks are not results
    expect(await leakedSince(before)).toEqual({})

    for (const response of open) response.destroy()
    http.closeAllConnections()
    await new Promise<void>((resolve) => http.close(() => resolve()))
    await silentTcp.close()
    await dns.close()
  })
})
