import { createServer as createHttpServer } from 'node:http'
import { createServer as createTcpServer } from 'node:net'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { fakeDns } from './support/fake-dns.js'
import { checkOnce } from './support/once.js'

describe('monitors over IPv6 loopback (::1)', () => {
  test('tcp and http reach a server on ::1 (URL brackets, Host header)', async () => {
    const before = activeResources()
    const tcp = createTcpServer((socket) => socket.end('READY'))
    const hosts: (string | undefined)[] = []
    const http = createHttpServer((request, response) => {
      hosts.push(request.headers.host)
      response.end('ok')
    })
    await new Promise<void>((resolve) => tcp.listen(0, '::1', resolve))
    await new Promise<void>((resolve) => http.listen(0, '::1', resolve))
    const tcpPort = (tcp.address() as { port: number }).port
    const httpPort = (http.address() as { port: number }).port
    try {
      const viaTcp = await checkOnce({
        address: '::1',
        port: tcpPort,
        monitor: { type: 'tcp', expect: 'READY' },
      })
      const viaHttp = await checkOnce({
        address: '::1',
        port: httpPort,
        monitor: { type: 'http', bodyMatch: 'ok' },
      })
      expect([viaTcp.ok, viaHttp.ok]).toEqual([true, true])
      expect(hosts).toEqual([`[::1]:${httpPort}`])
    } finally {
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
      await new Promise<void>((resolve) => tcp.close(() => resolve()))
    }
    expect(await leakedSince(before)).toEqual({})
  })

  test('dns asks a server on [::1]', async () => {
    const before = activeResources()
    const dns = await fakeDns({ 'pacs.test': { rcode: 'NOERROR', addresses: ['192.0.2.7'] } }, '::1')
    try {
      const result = await checkOnce({
        address: '::1',
        port: dns.port,
        monitor: { type: 'dns', name: 'pacs.test', expectAddress: '192.0.2.7' },
      })
      expect(result).toMatchObject({ ok: true })
      expect(dns.queries).toEqual(['pacs.test'])
    } finally {
      await dns.close()
    }
    expect(await leakedSince(before)).toEqual({})
  })
})
