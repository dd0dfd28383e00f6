import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { Forwarder } from '@gslb/forwarder'
import { waitFor } from '../../../test/support/wait.js'
import { configFingerprint } from '../src/config/fleet.js'
import { nodeConfigFrom } from '../src/config/resolve.js'
import { validateConfig } from '../src/config/validate.js'
import { HANDOVER_QUIET_MAX_MS } from '../src/constants.js'
import { createLogger } from '../src/log.js'
import type { ResolverSet } from '../src/node/address-sources.js'
import type { EngineHandle } from '../src/node/engine.js'
import { createNode, createNodeFromFile } from '../src/node/node.js'
import { checkNode, type Observable } from '../src/node/observe.js'
import { PEER_MISMATCH_MS, PEER_STALE_MS, PeerView, pairPeers } from '../src/node/peer-view.js'
import { VipWatcher } from '../src/node/vips.js'
import { formatStatus } from '../src/status-format.js'
import type { Json } from './helpers.js'
import { closeFixture, createFixture, type Fixture, openTo, roundTrip } from './node-fixture.js'

const EXAMPLE = join(__dirname, '..', '..', '..', 'examples', 'two-site', 'fleet.json')
function withExampleFleet(edit: (fleet: Json) => void): Json {
  const fleet = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as Json
  edit(fleet)
  return fleet
}

/** A node as `checkNode` reads it: two services on two VIPs, listeners and servers as each case sets them. */
interface ObservedView {
  running: boolean
  stopping: boolean
  engineListening: boolean
  services: Record<
    string,
    { listeners: number; servers: { id: string; state: string; weight?: number; lastResort?: boolean }[] }
  >
}

function observed(edit: (view: ObservedView) => void): Observable {
  const view: ObservedView = {
    running: true,
    stopping: false,
    engineListening: true,
    services: {
      DICOM_DNS_PROXY: { listeners: 1, servers: [{ id: '10.1.0.100:104', state: 'up' }] },
      DICOM_CLUSTER: { listeners: 1, servers: [{ id: '10.1.1.11:104', state: 'up' }] },
    },
  }
  edit(view)
  const config = validateConfig({
    node: { name: 'lb-a1', site: 'A' },
    topology: { datacenters: { A: { cidrs: ['10.1.0.0/16'] } } },
    monitors: { echo: { type: 'dicom' } },
    gslb: {
      listen: [{ address: '127.0.0.1', port: 53 }],
      zones: [{ name: 'dicom.mysite.com', nameservers: ['ns.mysite.com'] }],
    },
    resolvers: { r: { nameservers: ['engine'] } },
    services: {
      DICOM_DNS_PROXY: {
        listen: [{ address: '10.1.0.50', port: 104 }],
        backends: [{ name: 'dicom.mysite.com', port: 104, resolver: 'r' }],
      },
      DICOM_CLUSTER: {
        listen: [{ address: '10.1.0.100', port: 104 }],
        backends: [{ address: '10.1.1.11', port: 104 }],
        monitor: 'echo',
      },
    },
  })
  const endpoint = { address: '10.1.0.1', port: 104 }
  return {
    config,
    running: view.running,
    stopping: view.stopping,
    engine: { addresses: () => (view.engineListening ? [endpoint] : []) } as unknown as EngineHandle,
    forwarder: {
      stats: () =>
        Object.entries(view.services).map(([name, s]) => ({
          name,
          listeners: Array.from({ length: s.listeners }, () => endpoint),
          // As the forwarder says it (ServerStats.available): not down or draining, weight above 0.
          servers: s.servers.map((server) => ({
            ...server,
            available: (server.weight ?? 1) > 0 && (server.state === 'up' || server.state === 'unknown'),
          })),
        })),
    } as unknown as Forwarder,
    health: undefined as never,
    resolvers: undefined as unknown as ResolverSet,
  }
}

describe('fit to hold the VIP', () => {
  test('everything up: fit and healthy', () => {
    expect(checkNode(observed(() => {}))).toEqual({
      fit: true,
      healthy: true,
      reasons: [],
      shared: [],
      services: ['DICOM_DNS_PROXY', 'DICOM_CLUSTER'],
      usable: { DICOM_DNS_PROXY: 1, DICOM_CLUSTER: 1 },
    })
  })

  test('a dead PACS (every server of the cluster down) is shared with the peer: still fit', () => {
    const result = checkNode(
      observed((v) => (v.services.DICOM_CLUSTER!.servers = [{ id: '10.1.1.11:104', state: 'down' }])),
      { vips: ['10.1.0.100'] },
    )
    expect(result).toMatchObject({ fit: true, healthy: false, reasons: [] })
    expect(result.shared).toEqual(['service DICOM_CLUSTER has no up server (10.1.1.11:104 down)'])
  })

  test('a server weighted 0 is up but takes no connection: the service has no usable server', () => {
    const result = checkNode(
      observed(
        (v) => (v.services.DICOM_CLUSTER!.servers = [{ id: '10.1.1.11:104', state: 'up', weight: 0 }]),
      ),
      { vips: ['10.1.0.100'] },
    )
    expect(result).toMatchObject({ fit: true, healthy: false, usable: { DICOM_CLUSTER: 0 } })
  })

  test('a monitored server not checked yet is not usable; an unchecked name-backed address is', () => {
    const result = checkNode(
      observed((v) => {
        v.services.DICOM_CLUSTER!.servers = [{ id: '10.1.1.11:104', state: 'unknown' }]
        v.services.DICOM_DNS_PROXY!.servers = [{ id: '10.1.0.100:104', state: 'unknown' }]
      }),
    )
    expect(result.usable).toEqual({ DICOM_DNS_PROXY: 1, DICOM_CLUSTER: 0 })
  })

  test('regression (lab wan-cut): addresses held out only by a passive mark-down still count for an unmonitored service', () => {
    // the VIP holder marked both sites down after a WAN cut; its idle pair peer has them 'unknown': comparing the two
    // must not make the holder unfit, since the forwarder still tries held-out servers when nothing else is left
    const view = observed((v) => {
      v.services.DICOM_DNS_PROXY!.servers = [
        { id: '10.1.0.100:104', state: 'down', lastResort: true },
        { id: '10.2.0.100:104', state: 'down', lastResort: true },
      ]
    })
    expect(checkNode(view).usable).toMatchObject({ DICOM_DNS_PROXY: 2 })
    const drained = observed((v) => {
      v.services.DICOM_DNS_PROXY!.servers = [{ id: '10.1.0.100:104', state: 'down', lastResort: false }]
    })
    expect(checkNode(drained).usable).toMatchObject({ DICOM_DNS_PROXY: 0 })
  })

  test('a DNS outage (the proxy has no addresses at all) is shared: still fit', () => {
    const result = checkNode(
      observed((v) => (v.services.DICOM_DNS_PROXY!.servers = [])),
      { vips: ['10.1.0.50'] },
    )
    expect(result).toMatchObject({ fit: true, healthy: false, reasons: [] })
    expect(result.shared).toEqual(['service DICOM_DNS_PROXY has no servers (no addresses resolved yet?)'])
  })

  test("its own broken listener makes the node unfit, for that VIP's services only", () => {
    const node = observed((v) => (v.services.DICOM_CLUSTER!.listeners = 0))
    expect(checkNode(node, { vips: ['10.1.0.100'] })).toMatchObject({
      fit: false,
      reasons: ['service DICOM_CLUSTER is not listening'],
    })
    expect(checkNode(node, { vips: ['10.1.0.50'] }).fit).toBe(true)
    expect(checkNode(node, { services: ['DICOM_DNS_PROXY'] }).fit).toBe(true)
    expect(checkNode(node).fit).toBe(false)
  })

  test('its own engine not listening makes it unfit for every VIP', () => {
    const node = observed((v) => (v.engineListening = false))
    expect(checkNode(node, { vips: ['10.1.0.50'] })).toMatchObject({
      fit: false,
      reasons: ['the engine is not listening'],
    })
  })

  test('stopping (planned stop) and not running are unfit', () => {
    expect(checkNode(observed((v) => (v.stopping = true))).reasons).toEqual([
      'stopping: a planned stop is handing the VIP to the peer',
    ])
    expect(checkNode(observed((v) => (v.running = false))).reasons).toEqual(['the node is not running'])
  })

  test('an unknown VIP or service is an error (HTTP 404), never a silent "fit"', () => {
    expect(() =>
      checkNode(
        observed(() => {}),
        { vips: ['10.1.0.77'] },
      ),
    ).toThrow(expect.objectContaining({ code: 'GSLB_NODE_STATE' }))
    expect(() =>
      checkNode(
        observed(() => {}),
        { services: ['NOPE'] },
      ),
    ).toThrow(/no service 'NOPE'/)
  })
})

describe('the VIP watcher', () => {
  test('reports taken and released as the interfaces change; ignores a failing source', () => {
    let addresses = ['10.1.0.11']
    let broken = false
    const watcher = new VipWatcher({
      vips: () => new Map([['10.1.0.50', ['DICOM_DNS_PROXY']]]),
      source: () => {
        if (broken) throw new Error('EPERM')
        return addresses
      },
    })
    const events: string[] = []
    watcher.on('vip:taken', (e) => events.push(`taken ${e.address} ${e.services}`))
    watcher.on('vip:released', (e) => events.push(`released ${e.address}`))
    expect(watcher.poll()).toEqual([])
    addresses = ['10.1.0.11', '10.1.0.50']
    expect(watcher.poll()).toEqual(['10.1.0.50'])
    broken = true
    expect(watcher.poll()).toEqual(['10.1.0.50'])
    broken = false
    addresses = ['10.1.0.11']
    expect(watcher.poll()).toEqual([])
    expect(events).toEqual(['taken 10.1.0.50 DICOM_DNS_PROXY', 'released 10.1.0.50'])
  })
})

describe('a planned stop', () => {
  let fixture: Fixture
  beforeAll(async () => {
    fixture = await createFixture()
  })
  afterAll(async () => {
    await closeFixture(fixture)
  })

  /** A node whose loopback services count as VIPs, on a host whose interfaces the test decides. */
  async function startWithVip(interfaces: { addresses: string[] }) {
    let log = ''
    const out = new Writable({
      write(chunk, _encoding, done) {
        log += String(chunk)
        done()
      },
    })
    const config = validateConfig(
      fixture.raw((c: Json) => {
        c.node.stopGrace = '3s'
        c.node.drainTimeout = '2s'
      }),
    )
    const node = createNode({
      config,
      logger: createLogger({ level: 'info', format: 'json' }, out),
      interfaceAddresses: () => interfaces.addresses,
      vipPollMs: 20,
      vipsOf: (c) => new Map([['127.0.0.1', Object.keys(c.services ?? {})]]),
    })
    const events: string[] = []
    node.on('vip:taken', (e) => events.push(`taken ${e.address}`))
    node.on('vip:released', (e) => events.push(`released ${e.address}`))
    node.on('node:stopping', (e) => events.push(`stopping ${e.vips.join(',')}`))
    await node.start()
    await waitFor(() => node.check().healthy, { what: 'the node is healthy' })
    return { node, events, log: () => log }
  }

  test('reports unfit, keeps accepting until the VIP leaves, then drains; no health warning', async () => {
    const interfaces = { addresses: ['127.0.0.1'] }
    const { node, events, log } = await startWithVip(interfaces)
    expect(events).toEqual(['taken 127.0.0.1'])
    const proxyPort = node.serviceAddresses('PLAIN')[0]!.port
    const established = await openTo(proxyPort)
    const closing = node.close()
    expect(events.at(-1)).toBe('stopping 127.0.0.1')
    expect(node.check()).toMatchObject({
      fit: false,
      reasons: ['stopping: a planned stop is handing the VIP to the peer'],
    })
    // Still holding the VIP: new associations are still accepted and forwarded.
    const late = await openTo(proxyPort)
    expect(await roundTrip(late, 'hello')).toBe('hello')
    late.destroy()
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(node.running).toBe(true)
    interfaces.addresses = [] // keepalived moved the VIP to the peer
    await waitFor(() => node.serviceAddresses('PLAIN').length === 0 || !node.running, {
      what: 'the listeners closed',
    })
    // Draining: long enough for health checks of the node's own closed listeners to fail, were they still running.
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    established.destroy()
    await closing
    expect(events).toContain('released 127.0.0.1')
    const lines = log()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; msg: string })
    expect(lines.filter((line) => line.level >= 40).map((line) => line.msg)).toEqual([])
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining([
        'stopping: reporting unfit; waiting for the VIPs to move',
        'VIPs left this host',
        'draining connections',
        'node stopped',
      ]),
    )
  })

  test("keepalived's check during a planned stop answers between two connections, so the VIP moves with none in flight", async () => {
    const interfaces = { addresses: ['127.0.0.1'] }
    const { node, log } = await startWithVip(interfaces)
    const proxyPort = node.serviceAddresses('PLAIN')[0]!.port
    const closing = node.close()
    // no connection in flight: unfit at once
    expect(await node.handoverCheck()).toMatchObject({ fit: false })
    // one association in flight: the answer waits for it to end
    const inFlight = await openTo(proxyPort)
    expect(await roundTrip(inFlight, 'hello')).toBe('hello')
    let answered = false
    const held = node.handoverCheck().then((result) => {
      answered = true
      return result
    })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(answered).toBe(false)
    inFlight.destroy()
    expect(await held).toMatchObject({ fit: false })
    expect(log()).toContain(
      'stopping: answering unfit between two connections, so the VIP moves with none in flight',
    )
    // a connection that never ends: the answer comes anyway, after HANDOVER_QUIET_MAX_MS
    const stuck = await openTo(proxyPort)
    expect(await roundTrip(stuck, 'hi')).toBe('hi')
    const startedAt = Date.now()
    expect(await node.handoverCheck()).toMatchObject({ fit: false })
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(HANDOVER_QUIET_MAX_MS - 20)
    expect(log()).toContain(
      'stopping: answering unfit with connections still in flight (no quiet moment in time)',
    )
    stuck.destroy()
    interfaces.addresses = []
    await closing
  })

  test('a running node answers keepalived at once, connections in flight or not', async () => {
    const { node } = await startWithVip({ addresses: ['127.0.0.1'] })
    const open = await openTo(node.serviceAddresses('PLAIN')[0]!.port)
    expect(await roundTrip(open, 'x')).toBe('x')
    const startedAt = Date.now()
    expect(await node.handoverCheck()).toMatchObject({ fit: true })
    expect(Date.now() - startedAt).toBeLessThan(HANDOVER_QUIET_MAX_MS)
    open.destroy()
    await node.close({ stopGraceMs: 0 })
  })

  test('does not wait when this node does not hold the VIP', async () => {
    const { node, events } = await startWithVip({ addresses: [] })
    const started = Date.now()
    await node.close()
    expect(Date.now() - started).toBeLessThan(2_500) // well under stopGrace (3 s) + drainTimeout (2 s)
    expect(events).toEqual(['stopping '])
  })

  test('the wait is bounded by node.stopGrace when the VIP never leaves; a second close waits for the first', async () => {
    const { node, log } = await startWithVip({ addresses: ['127.0.0.1'] })
    const first = node.close({ stopGraceMs: 300 })
    const second = node.close()
    await Promise.all([first, second])
    expect(node.running).toBe(false)
    expect(log()).toContain('the VIPs are still here after node.stopGrace: closing the listeners anyway')
  })

  test('destroy() during the wait ends it at once', async () => {
    const { node } = await startWithVip({ addresses: ['127.0.0.1'] })
    const closing = node.close({ stopGraceMs: 60_000 })
    await new Promise((resolve) => setTimeout(resolve, 100))
    node.destroy()
    await closing
    expect(node.running).toBe(false)
  })

  test("close()'s signal, aborted during the wait, ends it at once", async () => {
    const { node, log } = await startWithVip({ addresses: ['127.0.0.1'] })
    const abort = new AbortController()
    const closing = node.close({ stopGraceMs: 60_000, signal: abort.signal })
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(node.running).toBe(true)
    abort.abort(new Error('operator gave up'))
    await closing
    expect(node.running).toBe(false)
    expect(log()).toContain('operator gave up')
  })
})

describe('a node run from a fleet file', () => {
  let fixture: Fixture
  let dir: string
  beforeAll(async () => {
    fixture = await createFixture()
    dir = mkdtempSync(join(tmpdir(), 'gslb-fleet-node-'))
  })
  afterAll(async () => {
    await closeFixture(fixture)
    rmSync(dir, { recursive: true, force: true })
  })

  /** The fixture's config as a fleet of two nodes at site A; `n1` is the one run here. */
  const fleetOf = (edit: (raw: Json) => void = () => {}) => {
    const raw = fixture.raw()
    const { name: _, site: __, ...shared } = raw.node
    raw.node = shared
    raw.fleet = {
      sites: { A: {} },
      nodes: { n1: { site: 'A', address: '10.1.0.11' }, n2: { site: 'A', address: '10.1.0.12' } },
    }
    edit(raw)
    return raw
  }

  test('status shows the fingerprint and the fleet; a reload of a changed file says the fingerprint changed', async () => {
    const file = join(dir, 'fleet.json')
    writeFileSync(file, JSON.stringify(fleetOf()))
    const node = await createNodeFromFile(file, {
      configNode: 'n1',
      logger: createLogger({ level: 'silent' }),
      interfaceAddresses: () => [],
    })
    try {
      await node.start()
      const status = node.status()
      expect(status.node).toMatchObject({
        name: 'n1',
        site: 'A',
        configFingerprint: configFingerprint(fleetOf()),
      })
      expect(status.fleet!.nodes.map((n) => [n.name, n.address, n.self])).toEqual([
        ['n1', '10.1.0.11', true],
        ['n2', '10.1.0.12', false],
      ])
      expect(formatStatus(status)).toContain(
        `config fingerprint ${configFingerprint(fleetOf())}; fleet: n1 (A) *, n2 (A)`,
      )
      const changed = fleetOf((raw) => (raw.fleet.nodes.n2.address = '10.1.0.13'))
      writeFileSync(file, JSON.stringify(changed))
      const result = await node.reload()
      expect(result.applied).toBe(true)
      expect(result.changes).toEqual([
        `config fingerprint: ${configFingerprint(fleetOf())} → ${configFingerprint(changed)}`,
      ])
      expect(node.status().node.configFingerprint).toBe(configFingerprint(changed))
      expect(node.config.node.name).toBe('n1')
    } finally {
      await node.close({ deadlineMs: 0 })
    }
  })
})

describe("the pair peer's view: this node's own problem when the peer can forward and it cannot", () => {
  const clock = { now: 0 }
  function peerView(
    answers: { fit: boolean; usable: Record<string, number> } | 'unreachable',
    own: { n: number },
  ) {
    const calls: string[] = []
    const view = new PeerView({
      peers: () => [{ name: 'lb-a2', url: 'http://10.1.0.12:9180/check' }],
      ownUsable: () => ({ DICOM_CLUSTER: own.n }),
      now: () => clock.now,
      fetch: (async (url: string) => {
        calls.push(url)
        if (answers === 'unreachable') throw new Error('ECONNREFUSED')
        return new Response(JSON.stringify({ ...answers, reasons: [], shared: [] }))
      }) as unknown as typeof fetch,
    })
    return { view, calls }
  }

  test('only after the difference has lasted PEER_MISMATCH_MS, and only while the peer is fit and fresh', async () => {
    clock.now = 0
    const own = { n: 0 }
    const { view, calls } = peerView({ fit: true, usable: { DICOM_CLUSTER: 2 } }, own)
    await view.poll()
    expect(calls).toEqual(['http://10.1.0.12:9180/check'])
    expect(view.advantage('DICOM_CLUSTER', 0)).toBeUndefined() // both nodes' checks may just be out of step
    clock.now = PEER_MISMATCH_MS
    await view.poll()
    expect(view.advantage('DICOM_CLUSTER', 0)).toEqual({ peer: 'lb-a2', usable: 2, forMs: PEER_MISMATCH_MS })
    expect(view.advantage('DICOM_CLUSTER', 1)).toBeUndefined() // a server here again ends it at once
    clock.now += PEER_STALE_MS + 1 // the peer stopped answering
    expect(view.advantage('DICOM_CLUSTER', 0)).toBeUndefined()
  })

  test('a shared outage (the peer has nothing either), an unfit peer or an unreachable one never counts', async () => {
    for (const answer of [
      { fit: true, usable: { DICOM_CLUSTER: 0 } },
      { fit: false, usable: { DICOM_CLUSTER: 2 } },
      'unreachable' as const,
    ]) {
      clock.now = 0
      const { view } = peerView(answer, { n: 0 })
      await view.poll()
      clock.now = 60_000
      await view.poll()
      expect(view.advantage('DICOM_CLUSTER', 0)).toBeUndefined()
    }
  })

  test('checkNode makes it a reason (unfit) instead of a shared cause', async () => {
    clock.now = 0
    const { view } = peerView({ fit: true, usable: { DICOM_CLUSTER: 2 } }, { n: 0 })
    await view.poll()
    clock.now = 6_000
    await view.poll()
    const node = observed(
      (v) => (v.services.DICOM_CLUSTER!.servers = [{ id: '10.1.1.11:104', state: 'down' }]),
    )
    expect(checkNode({ ...node, peers: view }, { vips: ['10.1.0.100'] })).toMatchObject({
      fit: false,
      reasons: ['service DICOM_CLUSTER has no server to send to here, while peer lb-a2 has 2 (for 6 s)'],
      shared: [],
      usable: { DICOM_CLUSTER: 0 },
    })
  })

  test('the pair peers are the other nodes of the site whose admin API another host can reach', () => {
    const config = nodeConfigFrom(
      withExampleFleet((f) => {
        f.fleet.nodes['lb-a2'].admin = {
          listen: { address: '0.0.0.0', port: 9180 },
          token: 'a-long-enough-token-123',
        }
        f.fleet.nodes['lb-b1'].admin = {
          listen: { address: '10.2.0.11', port: 9180 },
          token: 'a-long-enough-token-123',
        }
      }),
      { node: 'lb-a1' },
    )
    expect(pairPeers(config)).toEqual([{ name: 'lb-a2', url: 'http://10.1.0.12:9180/check' }])
    expect(
      pairPeers(
        nodeConfigFrom(
          withExampleFleet((f) => {
            f.fleet.nodes['lb-a2'].admin = { listen: { address: '127.0.0.1', port: 9180 } }
          }),
          { node: 'lb-a1' },
        ),
      ),
    ).toEqual([]) // loopback admin
    // The example's own admin APIs listen on every address: the pair peer is asked at its fleet address.
    expect(
      pairPeers(
        nodeConfigFrom(
          withExampleFleet(() => {}),
          { node: 'lb-b2' },
        ),
      ),
    ).toEqual([{ name: 'lb-b1', url: 'http://10.2.0.11:9180/check' }])
  })
})
