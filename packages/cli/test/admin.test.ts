import { request } from 'node:http'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import type { GslbNode } from '../src/node/node.js'
import type { Json } from './helpers.js'
import { closeFixture, createFixture, type Fixture, startNode, validate } from './node-fixture.js'

const TOKEN = 'test-token-0123456789'
let fixture: Fixture
let node: GslbNode
let before: Record<string, number>

beforeAll(async () => {
  before = activeResources()
  fixture = await createFixture()
  node = await startNode(validate(fixture.raw((c) => (c.admin.token = TOKEN))))
})

afterAll(async () => {
  await node.close({ deadlineMs: 0 })
  await closeFixture(fixture)
  expect(await leakedSince(before, 2_000)).toEqual({})
})

async function call(method: string, path: string, options: { token?: string; body?: string } = {}) {
  const { port } = node.adminAddress()!
  return new Promise<{ status: number; type: string; text: string; json: () => Json }>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
      },
      (res) => {
        let text = ''
        res.on('data', (chunk) => {
          text += String(chunk)
        })
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            type: String(res.headers['content-type']),
            text,
            json: () => JSON.parse(text),
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

test('GET /status needs no token and describes the node', async () => {
  const res = await call('GET', '/status')
  expect(res.status).toBe(200)
  const status = res.json()
  expect(status.node).toMatchObject({ name: 'test-node', site: 'A' })
  expect(status.pools[0].members[0]).toMatchObject({ name: 'siteA', state: 'up' })
  expect(status.services.map((s: { name: string }) => s.name)).toEqual(['PROXY', 'CLUSTER', 'PLAIN'])
})

test('GET /check is 200 when healthy', async () => {
  const res = await call('GET', '/check')
  expect(res.status).toBe(200)
  expect(res.json()).toEqual({
    fit: true,
    healthy: true,
    reasons: [],
    shared: [],
    services: ['PROXY', 'CLUSTER', 'PLAIN'],
    usable: { PROXY: 1, CLUSTER: 1, PLAIN: 1 },
  })
})

test('GET /check?service= and ?vip= scope the check; an unknown one is 404 (curl -f fails: unfit)', async () => {
  const scoped = await call('GET', '/check?service=CLUSTER&service=PLAIN')
  expect(scoped.status).toBe(200)
  expect(scoped.json().services).toEqual(['CLUSTER', 'PLAIN'])
  expect((await call('GET', '/check?vip=127.0.0.1')).json().services).toEqual(['PROXY', 'CLUSTER', 'PLAIN'])
  const unknownVip = await call('GET', '/check?vip=10.9.9.9')
  expect(unknownVip.status).toBe(404)
  expect(unknownVip.json()).toMatchObject({ code: 'GSLB_NODE_STATE' })
  expect((await call('GET', '/check?service=NOPE')).status).toBe(404)
})

test('writes need the bearer token when one is set', async () => {
  const path = '/members/dicom/siteA/drain'
  expect((await call('POST', path)).status).toBe(401)
  expect((await call('POST', path, { token: 'wrong-token-0123456789' })).status).toBe(401)
  expect((await call('POST', path, { token: TOKEN.slice(0, -1) })).status).toBe(401)
  const ok = await call('POST', path, { token: TOKEN })
  expect(ok.status).toBe(200)
  expect(ok.json()).toMatchObject({ pool: 'dicom', member: 'siteA', admin: 'drain', state: 'drain' })
  expect((await call('POST', '/members/dicom/siteA/clear', { token: TOKEN })).json()).toMatchObject({
    admin: null,
  })
  expect((await call('POST', '/reload')).status).toBe(401)
})

test('a server forced down is a shared cause: /check stays 200 (fit), not healthy, and says so', async () => {
  const server = encodeURIComponent(`127.0.0.1:${fixture.pacsPort}`)
  expect((await call('POST', `/servers/CLUSTER/${server}/force-down`, { token: TOKEN })).status).toBe(200)
  const check = await call('GET', '/check?service=CLUSTER')
  expect(check.status).toBe(200)
  expect(check.json()).toMatchObject({
    fit: true,
    healthy: false,
    reasons: [],
    shared: [`service CLUSTER has no up server (127.0.0.1:${fixture.pacsPort} down)`],
  })
  expect((await call('POST', `/servers/CLUSTER/${server}/clear`, { token: TOKEN })).status).toBe(200)
  expect((await call('GET', '/check')).json().healthy).toBe(true)
})

test('unknown routes, targets and actions are JSON errors', async () => {
  const notFound = await call('GET', '/nope')
  expect(notFound.status).toBe(404)
  expect(notFound.type).toContain('application/json')
  expect(notFound.json()).toEqual({ error: 'no route GET /nope' })
  expect((await call('POST', '/members/dicom/siteZ/drain', { token: TOKEN })).json()).toMatchObject({
    code: 'GSLB_NODE_STATE',
  })
  expect((await call('POST', '/members/dicom/siteA/explode', { token: TOKEN })).status).toBe(404)
  const wrongMethod = await call('POST', '/status', { token: TOKEN })
  expect(wrongMethod.status).toBe(405)
})

test('odd requests get 4xx JSON answers, never a 500', async () => {
  const odd: [string, string][] = [
    ['GET', '/members/%ZZ/x/drain'],
    ['POST', '/members/%ZZ/x/drain'],
    ['GET', '//status//'],
    ['DELETE', '/status'],
    ['GET', '/members'],
    ['POST', '/servers/CLUSTER'],
    ['GET', `/explain?name=${'a'.repeat(300)}&client=127.0.0.1`],
    ['GET', '/explain?name=&client='],
    ['PUT', '/reload'],
  ]
  for (const [method, path] of odd) {
    const res = await call(method, path, { token: TOKEN })
    expect([method, path, res.status < 500]).toEqual([method, path, true])
    expect(res.type).toContain('application/json')
  }
})

test('request bodies are bounded', async () => {
  const res = await call('POST', '/reload', { token: TOKEN, body: 'x'.repeat(64 * 1024) })
  expect(res.status).toBe(413)
})

test('GET /explain answers with live health; bad input is a 400', async () => {
  const res = await call('GET', '/explain?name=dicom.test.lan&client=127.0.0.1')
  expect(res.status).toBe(200)
  expect(res.json()).toMatchObject({ rcode: 'NOERROR', answers: [{ data: '127.0.0.1' }] })
  expect((await call('GET', '/explain?name=dicom.test.lan')).status).toBe(400)
  expect((await call('GET', '/explain?name=dicom.test.lan&client=not-an-ip')).status).toBe(400)
})

test('GET /metrics is Prometheus text with the expected series', async () => {
  const res = await call('GET', '/metrics')
  expect(res.status).toBe(200)
  expect(res.type).toContain('text/plain')
  for (const series of [
    'gslb_member_up{pool="dicom",member="siteA",address="127.0.0.1"} 1',
    `gslb_server_up{service="CLUSTER",server="127.0.0.1:${fixture.pacsPort}"} 1`,
    'gslb_health_checks_total{target="dicom/siteA",result="ok"}',
    'gslb_dns_queries_total{rcode="NOERROR"}',
    'gslb_resolver_addresses{name="dicom.test.lan"} 1',
    'gslb_connections_active{service="PROXY"} 0',
    'gslb_node_info{node="test-node",site="A",version=',
    'gslb_config_reloads_total',
  ]) {
    expect(res.text).toContain(series)
  }
})

test('POST /reload with the token re-applies; without a config file it is refused with the reason', async () => {
  const res = await call('POST', '/reload', { token: TOKEN })
  expect(res.status).toBe(422)
  expect(res.json()).toMatchObject({
    applied: false,
    error: 'this node was started without a config file to re-read',
  })
})
