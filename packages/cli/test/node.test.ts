import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { echo } from '@gslb/dicom'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { waitFor } from '../../../test/support/wait.js'
import type { GslbNode } from '../src/node/node.js'
import {
  closeFixture,
  createFixture,
  type Fixture,
  openTo,
  roundTrip,
  startNode,
  validate,
} from './node-fixture.js'

let fixture: Fixture
let node: GslbNode
let dir: string
let file: string
let before: Record<string, number>

beforeAll(async () => {
  before = activeResources()
  fixture = await createFixture()
  dir = mkdtempSync(join(tmpdir(), 'gslb-node-'))
  file = join(dir, 'config.json')
  writeFileSync(file, JSON.stringify(fixture.raw()))
  node = await startNode(validate(fixture.raw()), file)
})

afterAll(async () => {
  await node.close({ deadlineMs: 0 })
  await closeFixture(fixture)
  rmSync(dir, { recursive: true })
  expect(await leakedSince(before, 2_000)).toEqual({})
})

const vip = (service: string) => node.serviceAddresses(service)[0]!

test('a C-ECHO through the DNS-proxy VIP reaches the PACS behind the name the engine answers', async () => {
  const { address, port } = vip('PROXY')
  const result = await echo({
    host: address,
    port,
    callingAE: 'MODALITY',
    calledAE: 'PACS_TEST',
    timeoutMs: 3_000,
  })
  expect(result).toMatchObject({ ok: true, status: 0 })
  const status = node.status()
  expect(status.resolvers[0]!.names[0]).toMatchObject({
    name: 'dicom.test.lan',
    state: 'online',
    addresses: ['127.0.0.1'],
  })
  expect(status.pools[0]!.members[0]).toMatchObject({ name: 'siteA', state: 'up' })
  expect(status.services.find((s) => s.name === 'PROXY')!.connections.total).toBeGreaterThanOrEqual(1)
})

test('a reload applies the difference without dropping an established connection or resetting health', async () => {
  const socket = await openTo(vip('PLAIN').port)
  let closed = false
  socket.on('close', () => {
    closed = true
  })
  expect(await roundTrip(socket, 'before')).toBe('before')
  const member = node.health.get('dicom/siteA')!
  const server = node.health.get(`PLAIN/127.0.0.1:${fixture.tcpEcho.port}`)!
  expect(member.effective).toBe('up')

  writeFileSync(
    file,
    JSON.stringify(
      fixture.raw((c) => {
        c.services.PLAIN.limits = { idleTimeout: '10m' }
        c.services.EXTRA = {
          listen: [{ address: '127.0.0.1', port: 0 }],
          backends: [{ address: '127.0.0.1', port: fixture.tcpEcho.port }],
        }
        c.gslb.names[0].ttl = 2
        c.resolvers.local.interval = '300ms'
      }),
    ),
  )
  const result = await node.reload()
  expect(result.applied).toBe(true)
  expect(result.changes).toEqual(
    expect.arrayContaining([
      'engine: zones, pools and names updated',
      'resolver local: replaced',
      'service PLAIN: updated',
      'service EXTRA: added',
    ]),
  )
  expect(await roundTrip(socket, 'after')).toBe('after')
  expect(closed).toBe(false)
  expect(node.health.get('dicom/siteA')).toMatchObject({ effective: 'up', since: member.since })
  expect(node.health.get(`PLAIN/127.0.0.1:${fixture.tcpEcho.port}`)).toMatchObject({
    effective: 'up',
    since: server.since,
  })
  expect(node.serviceAddresses('EXTRA')).toHaveLength(1)
  const { address, port } = vip('PROXY')
  expect((await echo({ host: address, port, timeoutMs: 3_000 })).ok).toBe(true)
  socket.destroy()
})

test('an invalid config at reload changes nothing and says why', async () => {
  writeFileSync(file, JSON.stringify(fixture.raw((c) => (c.gslb.names[0].pool = 'missing'))))
  const result = await node.reload()
  expect(result).toMatchObject({ applied: false, error: `invalid configuration ${file}` })
  expect(result.issues).toEqual([
    { path: 'gslb.names[0].pool', message: "'missing' is not a pool in pools (pools: dicom)" },
  ])
  expect(node.status().node.reloads).toMatchObject({ rejected: 1 })
  const { address, port } = vip('PROXY')
  expect((await echo({ host: address, port, timeoutMs: 3_000 })).ok).toBe(true)
  writeFileSync(file, 'not json')
  expect((await node.reload()).applied).toBe(false)
})

test('resolver settings that get no answer are not applied: the running resolver keeps its addresses', async () => {
  writeFileSync(
    file,
    JSON.stringify(
      fixture.raw((c) => (c.resolvers.local = { nameservers: ['192.0.2.1'], timeout: '200ms' })),
    ),
  )
  const result = await node.reload()
  expect(result.applied).toBe(true)
  expect(result.changes).toContain(
    'resolver local: NOT replaced (the new settings got no answer; the running resolver stays)',
  )
  expect(node.status().resolvers[0]!.names[0]!.addresses).toEqual(['127.0.0.1'])
  const { address, port } = vip('PROXY')
  expect((await echo({ host: address, port, timeoutMs: 3_000 })).ok).toBe(true)
})

test('a connect failure checks the engine members at that address at once (fast failover)', async () => {
  // checkNow() joins a check of the member already in flight (then no "manual" record is added): what the node must
  // do is ask, and the answer must come
  const asked = jest.spyOn(node.health, 'checkNow')
  try {
    node.forwarder!.emit('connect:fail', {
      service: 'PROXY',
      server: '127.0.0.1:1',
      address: '127.0.0.1',
      port: 1,
      error: new Error('ECONNREFUSED'),
    })
    expect(asked.mock.calls.map(([id]) => id)).toContain('dicom/siteA')
    const call = asked.mock.calls.findIndex(([id]) => id === 'dicom/siteA')
    const result = await (asked.mock.results[call]!.value as ReturnType<typeof node.health.checkNow>)
    expect(typeof result.ok).toBe('boolean')
  } finally {
    asked.mockRestore()
  }
})

test('member and server overrides through the node', async () => {
  const server = `127.0.0.1:${fixture.pacsPort}`
  expect(node.act('servers', 'CLUSTER', server, 'force-down')).toMatchObject({
    admin: 'force-down',
    state: 'down',
  })
  await waitFor(() => !node.check().healthy, { what: 'the node reports the service unhealthy' })
  expect(node.check()).toMatchObject({
    fit: true,
    reasons: [],
    shared: [`service CLUSTER has no up server (${server} down)`],
  })
  node.act('servers', 'CLUSTER', server, 'clear')
  await waitFor(() => node.check().healthy, { what: 'the node is healthy again' })
  expect(node.act('members', 'dicom', 'siteA', 'drain')).toMatchObject({ admin: 'drain', state: 'drain' })
  node.act('members', 'dicom', 'siteA', 'clear')
  expect(() => node.act('members', 'dicom', 'siteZ', 'drain')).toThrow(
    expect.objectContaining({ code: 'GSLB_NODE_STATE' }),
  )
  expect(() => node.act('servers', 'NOPE', 'x', 'drain')).toThrow(
    expect.objectContaining({ code: 'GSLB_NODE_STATE' }),
  )
  expect(() => node.act('servers', 'PROXY', '127.0.0.1:1', 'drain')).toThrow(
    /no server '127.0.0.1:1' in service 'PROXY'/,
  )
})
