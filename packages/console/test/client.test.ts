import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ConsoleErrorCode, type ConsoleEvent, createAdminClient } from '../src/index.js'
import { association, FAKE_TOKEN, type FakeAdmin, startFakeAdmin } from './support/fake-admin.js'

let admin: FakeAdmin

beforeEach(async () => {
  admin = await startFakeAdmin()
})
afterEach(() => admin.close())

/** A one-route server for answers the fake admin never gives. */
async function answering(
  handler: Parameters<typeof createServer>[1],
): Promise<{ url: string; server: Server }> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })

describe('createAdminClient', () => {
  test('reads the status without a token', async () => {
    const client = createAdminClient({ baseUrl: admin.url })
    const status = await client.status()
    expect(status.node.name).toBe('demo')
    expect(status.sites.map((s) => s.name)).toEqual(['A', 'B'])
    expect(status.sites[0]!.members[0]).toMatchObject({ pool: 'dicom', member: 'siteA', state: 'up' })
  })

  test('a write without a token is refused with GSLB_CONSOLE_UNAUTHORIZED and changes nothing', async () => {
    const client = createAdminClient({ baseUrl: admin.url })
    await expect(client.member('dicom', 'siteA', 'force-down')).rejects.toMatchObject({
      code: ConsoleErrorCode.UNAUTHORIZED,
      status: 401,
    })
    expect(admin.writes).toEqual([])
    expect(admin.status.pools[0]!.members[0]!.state).toBe('up')
  })

  test('a write with the token is applied; the token is sent on writes only', async () => {
    const seen: { method: string; authorization: string | null }[] = []
    const client = createAdminClient({
      baseUrl: `${admin.url}/`,
      token: () => FAKE_TOKEN,
      fetch: (input, init) => {
        seen.push({
          method: init?.method ?? 'GET',
          authorization: new Headers(init?.headers).get('authorization'),
        })
        return fetch(input, init)
      },
    })
    await client.status()
    const result = await client.member('dicom', 'siteA', 'force-down')
    expect(result).toEqual({ pool: 'dicom', member: 'siteA', admin: 'force-down', state: 'down' })
    expect(seen).toEqual([
      { method: 'GET', authorization: null },
      { method: 'POST', authorization: `Bearer ${FAKE_TOKEN}` },
    ])
    expect(admin.writes).toEqual(['/members/dicom/siteA/force-down'])
  })

  test('path parts are encoded: a slash in a server id stays one path part', async () => {
    const client = createAdminClient({ baseUrl: admin.url, token: FAKE_TOKEN })
    await expect(client.member('dicom', 'a/b', 'drain')).rejects.toMatchObject({
      code: ConsoleErrorCode.REFUSED,
      status: 404,
    })
    expect(admin.writes).toEqual(['/members/dicom/a%2Fb/drain'])
  })

  test('an unknown action is refused before anything is sent', () => {
    const client = createAdminClient({ baseUrl: admin.url, token: FAKE_TOKEN })
    expect(() => client.member('dicom', 'siteA', 'explode' as 'drain')).toThrow(
      expect.objectContaining({ code: ConsoleErrorCode.OPTIONS_INVALID, path: 'action' }),
    )
  })

  test('check answers on 503 and reload on 422 (the node said no; that is a result, not a failure)', async () => {
    const { url, server } = await answering((req, res) => {
      const body =
        req.url === '/check'
          ? { healthy: false, reasons: ['service X has no up server'] }
          : { applied: false, error: 'invalid configuration', issues: [{ path: 'services', message: 'bad' }] }
      res.writeHead(req.url === '/check' ? 503 : 422, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    })
    try {
      const client = createAdminClient({ baseUrl: url })
      await expect(client.check()).resolves.toEqual({
        healthy: false,
        reasons: ['service X has no up server'],
      })
      await expect(client.reload()).resolves.toMatchObject({ applied: false, error: 'invalid configuration' })
    } finally {
      await closeServer(server)
    }
  })

  test('nothing listening: GSLB_CONSOLE_UNREACHABLE naming the URL', async () => {
    const { url, server } = await answering(() => {})
    await closeServer(server)
    const client = createAdminClient({ baseUrl: url })
    const error = await client.status().catch((e: unknown) => e)
    expect(error).toMatchObject({ code: ConsoleErrorCode.UNREACHABLE })
    expect((error as Error).message).toContain(url)
  })

  test('a node that never answers: bounded by timeoutMs', async () => {
    const { url, server } = await answering(() => {})
    try {
      const client = createAdminClient({ baseUrl: url, timeoutMs: 200 })
      await expect(client.status()).rejects.toMatchObject({ code: ConsoleErrorCode.UNREACHABLE })
    } finally {
      await closeServer(server)
    }
  })

  test('an answer that is not JSON, or too large, is GSLB_CONSOLE_BAD_RESPONSE', async () => {
    const { url, server } = await answering((req, res) => {
      if (req.url === '/status') {
        res.writeHead(200, { 'content-type': 'text/html' })
        res.end('<html>proxy login</html>')
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      // 9 MiB without a content-length: the client must stop reading at its bound.
      const chunk = Buffer.alloc(1024 * 1024, 0x20)
      let sent = 0
      const pump = () => {
        while (sent < 9 && res.write(chunk)) sent++
        if (sent < 9) res.once('drain', pump)
        else res.end()
      }
      pump()
    })
    try {
      const client = createAdminClient({ baseUrl: url })
      await expect(client.status()).rejects.toMatchObject({ code: ConsoleErrorCode.BAD_RESPONSE })
      await expect(client.check()).rejects.toMatchObject({ code: ConsoleErrorCode.BAD_RESPONSE })
    } finally {
      await closeServer(server)
    }
  })

  test('bad options name the option', () => {
    for (const [options, option] of [
      [{ baseUrl: '' }, 'baseUrl'],
      [{ baseUrl: 'not a url' }, 'baseUrl'],
      [{ baseUrl: 'ftp://x' }, 'baseUrl'],
      [{ baseUrl: 'http://x', timeoutMs: 0 }, 'timeoutMs'],
      [{ baseUrl: 'http://x', fetch: 'no' }, 'fetch'],
      [{ baseUrl: 'http://x', token: 5 }, 'token'],
    ] as const) {
      expect(() => createAdminClient(options as never)).toThrow(
        expect.objectContaining({
          code: ConsoleErrorCode.OPTIONS_INVALID,
          path: option,
          message: expect.stringContaining(option),
        }),
      )
    }
  })

  test('explain and timeline', async () => {
    const client = createAdminClient({ baseUrl: admin.url })
    const explanation = await client.explain({ name: 'dicom.demo.test', client: '10.1.0.7' })
    expect(explanation.answers.map((a) => a.data)).toEqual(['127.0.0.11', '127.0.0.12'])
    admin.addTimeline({ kind: 'health', subject: 'dicom/siteA', message: 'up → down' })
    admin.addTimeline({ kind: 'reload', subject: 'config', message: 'applied' })
    const all = await client.timeline()
    expect(all.entries.map((e) => e.kind)).toEqual(['health', 'reload'])
    const reloads = await client.timeline({ kind: 'reload' })
    expect(reloads.entries.map((e) => e.seq)).toEqual([2])
  })

  test('events: typed events until aborted; unknown event types are passed over', async () => {
    const client = createAdminClient({ baseUrl: admin.url })
    const controller = new AbortController()
    const received: ConsoleEvent[] = []
    const following = client.events(
      (event) => {
        received.push(event)
        if (received.length === 2) controller.abort()
      },
      { signal: controller.signal },
    )
    for (let i = 0; i < 100 && admin.streams() === 0; i++) await new Promise((r) => setTimeout(r, 10))
    expect(admin.streams()).toBe(1)
    admin.emit({ type: 'unknown-kind', data: {} } as unknown as ConsoleEvent)
    admin.emit({ type: 'association', data: association() })
    admin.addTimeline({ kind: 'vip', subject: '10.1.0.50', message: 'taken' })
    await expect(following).resolves.toBeUndefined()
    expect(received.map((e) => e.type)).toEqual(['association', 'timeline'])
    expect(received[0]!.data).toMatchObject({ callingAE: 'CT_SCANNER_3', site: 'B' })
  })

  test('events: a node without the stream is GSLB_CONSOLE_REFUSED with status 404', async () => {
    const { url, server } = await answering((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end('{"error":"no route GET /events"}')
    })
    try {
      await expect(createAdminClient({ baseUrl: url }).events(() => {})).rejects.toMatchObject({
        code: ConsoleErrorCode.REFUSED,
        status: 404,
      })
    } finally {
      await closeServer(server)
    }
  })
})
