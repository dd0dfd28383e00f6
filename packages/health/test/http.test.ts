import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { waitFor } from '../../../test/support/wait.js'
import { checkOnce } from './support/once.js'
import { selfSignedCert } from './support/tls.js'

const address = '127.0.0.1'

function handler(request: IncomingMessage, response: ServerResponse): void {
  const url = request.url ?? '/'
  if (url === '/ok') {
    response.end(
      `healthy host=${request.headers.host} method=${request.method} x=${request.headers['x-probe'] ?? ''}`,
    )
  } else if (url === '/fail') {
    response.statusCode = 500
    response.end('broken')
  } else if (url === '/slow') {
    response.writeHead(200, { 'content-type': 'text/plain' })
    response.write('starting…') // and never finishes
  } else if (url === '/big') {
    response.write('x'.repeat(70_000))
    response.end('healthy')
  } else {
    response.statusCode = 404
    response.end()
  }
}

async function listen(
  server: Server,
): Promise<{ port: number; close(): Promise<void>; connections: () => number; open: () => number }> {
  const sockets = new Set<Socket>()
  let total = 0
  server.on('connection', (socket: Socket) => {
    total++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('secureConnection', () => {})
  await new Promise<void>((resolve) => server.listen(0, address, resolve))
  const { port } = server.address() as { port: number }
  return {
    port,
    connections: () => total,
    open: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

describe('http monitor', () => {
  let before: Record<string, number>
  let server: Awaited<ReturnType<typeof listen>>
  beforeEach(async () => {
    before = activeResources()
    server = await listen(createHttpServer({ keepAliveTimeout: 60_000 }, handler))
  })
  afterEach(async () => {
    await server.close()
    expect(await leakedSince(before)).toEqual({})
  })

  test('200 is up; Host header, method and extra headers are sent', async () => {
    const result = await checkOnce({
      address,
      port: server.port,
      monitor: {
        type: 'http',
        path: '/ok',
        method: 'GET',
        hostname: 'pacs.example',
        headers: { 'x-probe': '1' },
        bodyMatch: `host=pacs.example:${server.port} method=GET x=1`,
      },
    })
    expect(result).toMatchObject({ ok: true, code: 'ok' })
  })

  test('500 is down with code status; expectStatus can accept it', async () => {
    const down = await checkOnce({ address, port: server.port, monitor: { type: 'http', path: '/fail' } })
    expect(down).toMatchObject({
      ok: false,
      code: 'status',
      message: 'HTTP 500 not in the expected status codes',
    })
    const accepted = await checkOnce({
      address,
      port: server.port,
      monitor: { type: 'http', path: '/fail', expectStatus: [500] },
    })
    expect(accepted.ok).toBe(true)
  })

  test('a slow body times out while looking for bodyMatch; without bodyMatch the status is enough', async () => {
    const slow = await checkOnce({
      address,
      port: server.port,
      timeoutMs: 200,
      monitor: { type: 'http', path: '/slow', bodyMatch: 'ready' },
    })
    expect(slow).toMatchObject({ ok: false, code: 'timeout' })
    const statusOnly = await checkOnce({
      address,
      port: server.port,
      timeoutMs: 200,
      monitor: { type: 'http', path: '/slow' },
    })
    expect(statusOnly).toMatchObject({ ok: true })
  })

  test('the body is read only up to maxBodyBytes', async () => {
    const result = await checkOnce({
      address,
      port: server.port,
      monitor: { type: 'http', path: '/big', bodyMatch: /healthy/ },
    })
    expect(result).toMatchObject({
      ok: false,
      code: 'mismatch',
      message: 'HTTP 200, body did not match within 65536 bytes',
    })
  })

  test('each check uses a fresh connection and closes it, even against a keep-alive server', async () => {
    for (let i = 0; i < 3; i++)
      await checkOnce({ address, port: server.port, monitor: { type: 'http', path: '/ok' } })
    expect(server.connections()).toBe(3)
    await waitFor(() => server.open() === 0, {
      timeoutMs: 2_000,
      intervalMs: 5,
      what: 'the server to see every connection closed',
    })
    expect(server.open()).toBe(0)
  })

  test('a closed port is refused', async () => {
    const port = server.port
    await server.close()
    server = await listen(createHttpServer(handler))
    const result = await checkOnce({ address, port, monitor: { type: 'http' } })
    expect(result).toMatchObject({ ok: false, code: 'refused' })
  })
})

describe('https monitor', () => {
  const { key, cert } = selfSignedCert()
  let before: Record<string, number>
  let server: Awaited<ReturnType<typeof listen>>
  let servernames: (string | false | null)[]
  beforeEach(async () => {
    before = activeResources()
    servernames = []
    const https = createHttpsServer({ key, cert }, handler)
    https.on('secureConnection', (socket: TLSSocket) => servernames.push(socket.servername))
    server = await listen(https)
  })
  afterEach(async () => {
    await server.close()
    expect(await leakedSince(before)).toEqual({})
  })

  test('a self-signed certificate fails when verified', async () => {
    const result = await checkOnce({
      address,
      port: server.port,
      monitor: { type: 'https', path: '/ok', hostname: 'pacs.example' },
    })
    expect(result).toMatchObject({ ok: false, code: 'tls' })
    expect(result.message).toMatch(/self.signed/i)
  })

  test('passes with verifyTls off and sends the hostname as SNI', async () => {
    const result = await checkOnce({
      address,
      port: server.port,
      monitor: {
        type: 'https',
        path: '/ok',
        hostname: 'pacs.example',
        verifyTls: false,
        bodyMatch: 'healthy',
      },
    })
    expect(result).toMatchObject({ ok: true })
    expect(servernames).toEqual(['pacs.example'])
  })
})
