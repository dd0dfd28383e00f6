import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ConsoleErrorCode, type ConsoleEvent, createAdminClient, type NodeStatus } from '@gslb/console'
import { echo, encodeAssociateRq, IMPLICIT_VR_LITTLE_ENDIAN, VERIFICATION_SOP_CLASS } from '@gslb/dicom'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { waitFor } from '../../../test/support/wait.js'
import { createFleetReporter } from '../src/admin/fleet.js'
import type { GslbNode } from '../src/node/node.js'
import { Timeline } from '../src/node/timeline.js'
import { closeFixture, createFixture, type Fixture, openTo, startNode, validate } from './node-fixture.js'

// The console's side of the admin API on a running node: the page and its files at /, GET /timeline, GET /events,
// GET /fleet, read through @gslb/console's own client.

const TOKEN = 'console-token-0123456789'
let fixture: Fixture
let node: GslbNode
let before: Record<string, number>

beforeAll(async () => {
  before = activeResources()
  fixture = await createFixture()
  node = await startNode(
    validate(
      fixture.raw((c) => {
        c.admin.token = TOKEN
        c.services.PROXY.sniffDicom = true
      }),
    ),
  )
})

afterAll(async () => {
  await node.close({ deadlineMs: 0 })
  await closeFixture(fixture)
  expect(await leakedSince(before, 2_000)).toEqual({})
})

const baseUrl = () => `http://127.0.0.1:${node.adminAddress()!.port}`

function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>(
    (resolve, reject) => {
      const req = request(`${baseUrl()}${path}`, { method, headers }, (res) => {
        let text = ''
        res.on('data', (chunk) => {
          text += String(chunk)
        })
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }))
      })
      req.on('error', reject)
      req.end()
    },
  )
}

test('GET / is the console page, under a strict CSP; its script and style sheet are under /console/', async () => {
  const page = await get('/')
  expect(page.status).toBe(200)
  expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
  expect(page.headers['content-security-policy']).toContain("script-src 'self'")
  expect(page.text).toContain('src="console/console.js"')
  const script = await get('/console/console.js')
  expect(script.status).toBe(200)
  expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8')
  expect((await get('/console/console.css')).status).toBe(200)
  const again = await get('/', { 'if-none-match': String(page.headers.etag) })
  expect(again.status).toBe(304)
  expect((await get('/console/other.js')).status).toBe(404)
  expect((await get('/', {}, 'POST')).status).toBe(405)
  // The page obeys the same Host rule as the API (DNS rebinding).
  expect((await get('/', { host: 'attacker.example' })).status).toBe(403)
})

test("the console's typed client reads the node's real status", async () => {
  const status: NodeStatus = await createAdminClient({ baseUrl: baseUrl() }).status()
  const member = status.pools[0]!.members[0]!
  expect(member).toMatchObject({ id: 'dicom/siteA', state: 'up', observed: 'up', admin: null })
  expect(member.lastCheck?.message).toMatch(/C-ECHO ok/)
  expect(status.sites.map((s) => s.name)).toEqual(['A'])
})

test('an override is in GET /timeline and live on GET /events; a write without the token is refused', async () => {
  const reader = createAdminClient({ baseUrl: baseUrl() })
  await expect(reader.server('PLAIN', `127.0.0.1:${fixture.tcpEcho.port}`, 'drain')).rejects.toMatchObject({
    code: ConsoleErrorCode.UNAUTHORIZED,
  })
  const events: ConsoleEvent[] = []
  const stop = new AbortController()
  const following = reader.events((event) => events.push(event), { signal: stop.signal })
  try {
    // A stream starts with a snapshot of the open associations: after it, the stream is following.
    await waitFor(() => events.some((e) => e.type === 'associations'), { what: 'the stream is open' })
    const writer = createAdminClient({ baseUrl: baseUrl(), token: TOKEN })
    await writer.member('dicom', 'siteA', 'force-down')
    await waitFor(
      () =>
        events.some(
          (e) => e.type === 'timeline' && e.data.kind === 'override' && e.data.subject === 'dicom/siteA',
        ),
      { what: 'the override is on the stream' },
    )
    const timeline = await reader.timeline()
    expect(timeline.capacity).toBe(500)
    const mine = timeline.entries.filter((e) => e.subject === 'dicom/siteA')
    expect(mine.map((e) => e.kind)).toEqual(expect.arrayContaining(['override', 'health']))
    expect(mine.filter((e) => e.kind === 'health').at(-1)!.message).toMatch(
      /^up → down \(override force-down\)/,
    )
    expect((await reader.timeline({ kind: 'override' })).entries.every((e) => e.kind === 'override')).toBe(
      true,
    )
    await writer.member('dicom', 'siteA', 'clear')
  } finally {
    stop.abort()
    await following
  }
  expect((await get('/timeline?kind=nonsense')).status).toBe(400)
})

test('GET /events: an association open now, then finished, with its AE titles, server and site', async () => {
  const events: ConsoleEvent[] = []
  const stop = new AbortController()
  const following = createAdminClient({ baseUrl: baseUrl() }).events((event) => events.push(event), {
    signal: stop.signal,
  })
  const proxy = node.serviceAddresses('PROXY')[0]!
  const held = await openTo(proxy.port)
  try {
    held.write(
      encodeAssociateRq({
        calledAE: 'PACS_TEST',
        callingAE: 'MR_ROOM_2',
        presentationContexts: [
          { id: 1, abstractSyntax: VERIFICATION_SOP_CLASS, transferSyntaxes: [IMPLICIT_VR_LITTLE_ENDIAN] },
        ],
        userInformation: { maxLength: 0 },
      }),
    )
    const open = await waitFor(
      () =>
        events.find(
          (e) => e.type === 'associations' && e.data.active.some((a) => a.callingAE === 'MR_ROOM_2'),
        ),
      { what: 'the open association is in a snapshot' },
    )
    expect(
      open!.type === 'associations' && open!.data.active.find((a) => a.callingAE === 'MR_ROOM_2'),
    ).toMatchObject({
      service: 'PROXY',
      calledAE: 'PACS_TEST',
      server: `127.0.0.1:${fixture.clusterPort}`,
      site: 'A',
    })
    held.destroy()
    const result = await echo({
      host: '127.0.0.1',
      port: proxy.port,
      callingAE: 'CT_SCANNER_3',
      calledAE: 'PACS_TEST',
    })
    expect(result.ok).toBe(true)
    const association = await waitFor(
      () => events.find((e) => e.type === 'association' && e.data.callingAE === 'CT_SCANNER_3'),
      { what: 'the association is on the stream' },
    )
    expect(association!.data).toMatchObject({
      callingAE: 'CT_SCANNER_3',
      calledAE: 'PACS_TEST',
      server: `127.0.0.1:${fixture.clusterPort}`,
      site: 'A',
      end: 'closed',
    })
    // The node's own health checks through its services are not associations anyone sent.
    expect(events.filter((e) => e.type === 'association' && e.data.callingAE === 'GSLB_HEALTH')).toEqual([])
  } finally {
    held.destroy()
    stop.abort()
    await following
  }
})

test('GET /fleet without a fleet in the config is a 404 that says so', async () => {
  const fleet = await get('/fleet')
  expect(fleet.status).toBe(404)
  expect(JSON.parse(fleet.text).error).toMatch(/no fleet/)
})

describe('Timeline', () => {
  test('keeps the newest `capacity` entries, oldest first, filterable by kind', () => {
    const timeline = new Timeline(3)
    for (let i = 1; i <= 5; i++) timeline.add(i % 2 ? 'health' : 'reload', `s${i}`, `m${i}`)
    expect(timeline.view().entries.map((e) => e.seq)).toEqual([3, 4, 5])
    expect(timeline.view('reload').entries.map((e) => e.subject)).toEqual(['s4'])
    expect(() => timeline.view('other')).toThrow(expect.objectContaining({ code: 'GSLB_CLI_USAGE' }))
    expect(() => new Timeline(0)).toThrow(expect.objectContaining({ code: 'GSLB_CLI_USAGE' }))
  })
})

describe('fleet reporter', () => {
  test('asks every peer (bounded), says who is unreachable and why, and serves one report per cacheMs', async () => {
    await waitFor(() => node.status().pools[0]!.members[0]!.state === 'up', { what: 'siteA is up again' })
    const own = await createAdminClient({ baseUrl: baseUrl() }).status()
    const peerStatus: NodeStatus = {
      ...own,
      node: { ...own.node, name: 'b1', configFingerprint: 'other' },
      vips: ['10.2.0.50'],
    }
    let asked = 0
    const peer = createServer((_req, res) => {
      asked++
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(peerStatus))
    })
    const silent = createServer(() => {})
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const port = (server: typeof peer) => (server.address() as AddressInfo).port
    try {
      const self: NodeStatus = {
        ...own,
        node: { ...own.node, configFingerprint: 'abc' },
        vips: ['10.1.0.50'],
        fleet: {
          fingerprint: 'abc',
          nodes: [
            { name: 'test-node', site: 'A', admin: { address: '127.0.0.1', port: 9180 }, self: true },
            { name: 'b1', site: 'B', admin: { address: '127.0.0.1', port: port(peer) }, self: false },
            { name: 'b2', site: 'B', admin: { address: '127.0.0.1', port: port(silent) }, self: false },
            { name: 'c1', admin: { address: '0.0.0.0', port: 9180 }, self: false },
            // examples/two-site: every address, asked at the node's fleet address
            {
              name: 'c2',
              address: '127.0.0.1',
              admin: { address: '0.0.0.0', port: port(peer) },
              self: false,
            },
          ],
        },
      }
      const reporter = createFleetReporter({ status: () => self, timeoutMs: 300, cacheMs: 60_000 })
      const report = await reporter.report()
      expect(report.fingerprint).toBe('abc')
      const [me, b1, b2, c1, c2] = report.nodes
      expect(me).toMatchObject({ name: 'test-node', self: true, reachable: true, vips: ['10.1.0.50'] })
      expect(me!.sites).toEqual([{ name: 'A', state: 'up' }])
      expect(b1).toMatchObject({
        name: 'b1',
        reachable: true,
        configFingerprint: 'other',
        vips: ['10.2.0.50'],
      })
      expect(b2).toMatchObject({ name: 'b2', reachable: false })
      expect(b2!.error).toMatch(/no answer within 300 ms.*loopback only/)
      expect(c1).toMatchObject({ name: 'c1', reachable: false })
      expect(c1!.error).toMatch(/0\.0\.0\.0 and the fleet gives no address/)
      expect(c2).toMatchObject({ name: 'c2', reachable: true, vips: ['10.2.0.50'] })
      await reporter.report()
      expect(asked).toBe(2)
    } finally {
      for (const server of [peer, silent]) {
        server.closeAllConnections()
        await new Promise<void>((resolve) => server.close(() => resolve()))
      }
    }
  })
})
