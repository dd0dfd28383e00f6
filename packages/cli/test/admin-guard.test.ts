import { request } from 'node:http'
import { type AdminServer, createAdminServer, hostAllowed } from '../src/admin/server.js'

/** An admin API with no token on loopback (the default), whose reload only counts. */
let server: AdminServer
let port: number
let reloads = 0
let tokenServer: AdminServer
let tokenPort: number
const TOKEN = 'guard-token-0123456789'

const handlers = {
  status: () => ({ ok: true }),
  check: () => ({ fit: true, healthy: true, reasons: [], shared: [], services: [], usable: {} }),
  metrics: async () => ({ contentType: 'text/plain', body: '' }),
  reload: async () => {
    reloads++
    return { applied: true }
  },
  explain: () => ({}),
  act: () => ({}),
}

beforeAll(async () => {
  server = createAdminServer({
    listen: { address: '127.0.0.1', port: 0 },
    allowedHosts: ['lb-a1.mysite.com'],
    handlers,
  })
  await server.start()
  port = server.address()!.port
  tokenServer = createAdminServer({ listen: { address: '127.0.0.1', port: 0 }, token: TOKEN, handlers })
  await tokenServer.start()
  tokenPort = tokenServer.address()!.port
})

afterAll(async () => {
  await server.close()
  await tokenServer.close()
})

function call(
  method: string,
  path: string,
  headers: Record<string, string>,
  to = port,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: to, method, path, headers, setHost: false }, (res) => {
      let text = ''
      res.on('data', (chunk) => {
        text += String(chunk)
      })
      res.on('end', () => resolve({ status: res.statusCode!, text }))
    })
    req.on('error', reject)
    req.end()
  })
}

test('a write with a foreign Origin is refused (CSRF from a browser on the node), before it runs', async () => {
  const before = reloads
  const host = `127.0.0.1:${port}`
  const csrf = await call('POST', '/reload', { host, origin: 'http://evil.example' })
  expect(csrf.status).toBe(403)
  expect(JSON.parse(csrf.text).error).toContain('cross-origin write refused')
  expect((await call('POST', '/reload', { host, origin: 'null' })).status).toBe(403)
  expect(reloads).toBe(before)
  expect((await call('POST', '/reload', { host, origin: `http://${host}` })).status).toBe(200)
  expect((await call('POST', '/reload', { host })).status).toBe(200) // curl sends no Origin
  // the console behind a TLS-terminating reverse proxy that keeps the Host header
  expect((await call('POST', '/reload', { host, origin: `https://${host}` })).status).toBe(200)
  expect((await call('POST', '/reload', { host, origin: `https://evil.example` })).status).toBe(403)
  expect(reloads).toBe(before + 3)
})

test('an unknown Host is refused on every route (DNS rebinding); known names are answered', async () => {
  const rebound = await call('GET', '/status', { host: `attacker.example:${port}` })
  expect(rebound.status).toBe(403)
  expect(JSON.parse(rebound.text).error).toContain('admin.allowedHosts')
  expect((await call('POST', '/reload', { host: `attacker.example:${port}` })).status).toBe(403)
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `LB-A1.mysite.com:${port}`]) {
    expect({ host, status: (await call('GET', '/status', { host })).status }).toEqual({ host, status: 200 })
  }
  expect((await call('GET', '/status', { host: `127.0.0.1:${port + 1}` })).status).toBe(403)
})

test('hostAllowed: the listen address, loopback names, IP literals on a wildcard listener, configured names', () => {
  const loopback = { address: '127.0.0.1', port: 9180 }
  const wildcard = { address: '0.0.0.0', port: 9180 }
  expect(hostAllowed('[::1]:9180', loopback, [])).toBe(true)
  expect(hostAllowed('10.1.0.11:9180', loopback, [])).toBe(false)
  expect(hostAllowed('10.1.0.11:9180', wildcard, [])).toBe(true)
  expect(hostAllowed('rebind.example:9180', wildcard, [])).toBe(false)
  expect(hostAllowed('lb-a1.:9180', wildcard, ['lb-a1'])).toBe(true)
  expect(hostAllowed('a:b:c', loopback, [])).toBe(false)
  expect(hostAllowed(undefined, loopback, [])).toBe(true)
})

test('the Bearer scheme is accepted in any letter case', async () => {
  const host = `127.0.0.1:${tokenPort}`
  for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
    const result = await call('POST', '/reload', { host, authorization: `${scheme} ${TOKEN}` }, tokenPort)
    expect({ scheme, status: result.status }).toEqual({ scheme, status: 200 })
  }
  expect((await call('POST', '/reload', { host, authorization: `Basic ${TOKEN}` }, tokenPort)).status).toBe(
    401,
  )
})
