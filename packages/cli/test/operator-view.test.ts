import { Writable } from 'node:stream'
import { echo } from '@gslb/dicom'
import type { Explanation } from '@gslb/engine'
import { activeResources, leakedSince } from '../../../test/support/handles.js'
import { waitFor } from '../../../test/support/wait.js'
import { formatExplanation } from '../src/commands/explain.js'
import { createLogger } from '../src/log.js'
import { ResolverSet } from '../src/node/address-sources.js'
import { createNode, type GslbNode } from '../src/node/node.js'
import { buildStatus } from '../src/node/observe.js'
import { ProbeClassifier } from '../src/node/telemetry.js'
import { formatStatus } from '../src/status-format.js'
import type { Json } from './helpers.js'
import { closeFixture, createFixture, type Fixture, NAME, validate } from './node-fixture.js'

/** What an operator sees of a running node: its log lines, reload messages, `explain`, `status`, `/metrics`. */

let fixture: Fixture
let node: GslbNode
let lines: Json[] = []
let before: Record<string, number>
// PLAIN's server: forcing it down changes nothing else (a CLUSTER server would take the pool member down too).
const plainServer = () => `127.0.0.1:${fixture.tcpEcho.port}`

const edit = (c: Json) => {
  c.services.PROXY.sniffDicom = true
  c.logging = { level: 'debug', format: 'json' }
}

beforeAll(async () => {
  before = activeResources()
  fixture = await createFixture()
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line))
      done()
    },
  })
  const config = validate(fixture.raw(edit))
  node = createNode({ config, logger: createLogger(config.logging, sink), adminListen: false })
  await node.start()
  await waitFor(() => node.check().healthy && node.status().pools[0]!.members[0]!.state === 'up', {
    what: 'the node is healthy and its pool member up',
  })
})

afterAll(async () => {
  await node.close({ deadlineMs: 0 })
  await closeFixture(fixture)
  expect(await leakedSince(before, 2_000)).toEqual({})
})

const LEVEL = { debug: 20, info: 30, warn: 40 } as const
const STATE_LINES = new Set(['health changed', 'member changed', 'server state changed', 'server state'])
/** The lines an operator at level info sees about state changes. */
const stateLines = (from: Json[]) =>
  from.filter((line) => line.level >= LEVEL.info && STATE_LINES.has(line.msg))

describe('logs', () => {
  test("the node's own health checks through its cluster service are logged at debug, not info", async () => {
    // The pool member is the CLUSTER VIP on this node: every C-ECHO check of it is a connection through CLUSTER.
    lines = []
    await waitFor(
      () => lines.some((line) => line.msg === 'connection closed' && line.service === 'CLUSTER'),
      { what: 'a few checks of the member went through the cluster service' },
    )
    await new Promise((resolve) => setTimeout(resolve, 600))
    const closed = lines.filter((line) => line.msg === 'connection closed' && line.service === 'CLUSTER')
    expect(closed.length).toBeGreaterThan(0)
    expect(closed.filter((line) => line.level >= LEVEL.info)).toEqual([])
    expect(closed.every((line) => line.level === LEVEL.debug && line.probe === true)).toBe(true)
  })

  test('a C-ECHO from a modality is logged at info, and counted as an association of its site', async () => {
    lines = []
    const { address, port } = node.serviceAddresses('PROXY')[0]!
    const result = await echo({
      host: address,
      port,
      callingAE: 'MODALITY',
      calledAE: 'PACS_TEST',
      timeoutMs: 3_000,
    })
    expect(result.ok).toBe(true)
    await waitFor(() => lines.find((line) => line.msg === 'connection closed' && line.service === 'PROXY'), {
      what: 'the connection is logged',
    })
    const line = lines.find((l) => l.msg === 'connection closed' && l.service === 'PROXY')!
    expect(line).toMatchObject({ level: LEVEL.info, callingAE: 'MODALITY' })
    const metrics = await node.metrics.registry.metrics()
    expect(metrics).toContain('gslb_associations_total{service="PROXY",site="A"} 1')
  })

  test('a server forced down is one line, not one per component that noticed', async () => {
    lines = []
    node.act('servers', 'PLAIN', plainServer(), 'force-down')
    await waitFor(
      () =>
        node
          .forwarder!.stats()
          .find((s) => s.name === 'PLAIN')!
          .servers.every((s) => s.state === 'down'),
      { what: 'the forwarder took the server out' },
    )
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(stateLines(lines)).toEqual([
      expect.objectContaining({ level: LEVEL.warn, msg: 'health changed', target: `PLAIN/${plainServer()}` }),
    ])
    node.act('servers', 'PLAIN', plainServer(), 'clear')
    await waitFor(() => node.check().healthy, { what: 'the service is healthy again' })
  })

  test('a pool member forced down is one line', async () => {
    lines = []
    node.act('members', 'dicom', 'siteA', 'force-down')
    await waitFor(() => node.engine!.memberState('dicom', 'siteA') === 'down', {
      what: 'the engine answers without it',
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(stateLines(lines)).toEqual([
      expect.objectContaining({ level: LEVEL.warn, msg: 'health changed', target: 'dicom/siteA' }),
    ])
  })
})

test("another node's check is recognised by its monitor's calling AE title; a modality's association is not", () => {
  const probes = new ProbeClassifier(() => ({
    node: { name: 'lb-a1' },
    monitors: { echo: { type: 'dicom', callingAE: 'GSLB_LB' } },
  }))
  const peer = { address: '10.1.0.12', port: 40000 }
  expect(probes.isProbe({ client: peer, callingAE: 'GSLB_LB' })).toBe(true)
  expect(probes.isProbe({ client: peer, callingAE: 'GSLB_HEALTH' })).toBe(true) // the checker's default
  expect(probes.isProbe({ client: peer, callingAE: 'CT_SCANNER' })).toBe(false)
  // Without the AE title (no sniffDicom) only this host's own addresses count.
  expect(probes.isProbe({ client: peer })).toBe(false)
  expect(probes.isProbe({ client: { address: '127.0.0.1', port: 40000 } })).toBe(true)
})

describe('explain', () => {
  test('a forced-down member shows its effective and observed state, as status does', () => {
    // (the member is still forced down by the test above)
    const text = formatExplanation(node.explain({ name: NAME, client: '127.0.0.1' }) as Explanation)
    expect(text).toMatch(/siteA\s+127\.0\.0\.1\s+A\s+down \(force-down; checks say up\)\s+not eligible/)
    expect(formatStatus(node.status())).toContain('down (force-down; checks say up)')
    node.act('members', 'dicom', 'siteA', 'clear')
    const cleared = formatExplanation(node.explain({ name: NAME, client: '127.0.0.1' }) as Explanation)
    expect(cleared).toMatch(/siteA\s+127\.0\.0\.1\s+A\s+up\s+eligible/)
  })
})

describe('reload messages', () => {
  test('a gslb.listen put back to what is bound is not reported as a change', async () => {
    const moved = await node.reload(
      validate(
        fixture.raw((c) => {
          edit(c)
          c.gslb.listen = [{ address: '127.0.0.1', port: 5399 }]
        }),
      ),
    )
    expect(moved.changes).toContain(
      'gslb.listen: changed in the file; the engine keeps its listeners until a restart',
    )
    const back = await node.reload(validate(fixture.raw(edit)))
    expect(back.applied).toBe(true)
    expect(back.changes).not.toContain(
      'gslb.listen: changed in the file; the engine keeps its listeners until a restart',
    )
    expect(back.changes).toContain('gslb.listen: back to what is listening (no restart needed)')
    const again = await node.reload(validate(fixture.raw(edit)))
    expect(again.changes).toEqual([])
  })

  test('a subnet with host bits set is a warning in the reload result and the log', async () => {
    lines = []
    const result = await node.reload(
      validate(
        fixture.raw((c) => {
          edit(c)
          c.topology.datacenters.A.cidrs = ['127.0.0.5/8']
        }),
      ),
    )
    expect(result.warnings).toEqual([
      { path: 'topology.datacenters.A.cidrs[0]', message: expect.stringContaining('read as 127.0.0.0/8') },
    ])
    expect(lines).toContainEqual(
      expect.objectContaining({ level: LEVEL.warn, path: 'topology.datacenters.A.cidrs[0]' }),
    )
    expect((await node.reload(validate(fixture.raw(edit)))).warnings).toBeUndefined()
  })

  test('a health.profile change is listed', async () => {
    const fast = await node.reload(
      validate(
        fixture.raw((c) => {
          edit(c)
          c.health = { profile: 'fast' }
        }),
      ),
    )
    expect(fast.changes).toContain('health.profile: normal → fast (checks use the new timings)')
    const back = await node.reload(validate(fixture.raw(edit)))
    expect(back.changes).toContain('health.profile: fast → normal (checks use the new timings)')
  })
})

describe('status', () => {
  test('a resolver error that a later lookup answered is not shown next to "online"', () => {
    const resolvers = new ResolverSet()
    const at = Date.now()
    const name = (lastErrorAt: number, lastSuccess: number | null) => ({
      name: NAME,
      state: 'online',
      addresses: ['127.0.0.1'],
      lastSuccess,
      lastError: { code: 'GSLB_DNS_TIMEOUT', message: 'no answer from 10.0.0.2:53', at: lastErrorAt },
    })
    // biome-ignore lint/suspicious/noExplicitAny: only snapshot() is read
    const fake = (names: unknown[]) => ({ snapshot: () => ({ names }), subscribe: () => () => {} }) as any
    resolvers.set('recovered', fake([name(at - 5_000, at)]))
    resolvers.set('failing', fake([name(at, at - 5_000)]))
    const status = buildStatus(
      {
        ...node,
        config: node.config,
        health: node.health,
        engine: node.engine,
        forwarder: node.forwarder,
        resolvers,
        running: true,
        stopping: false,
      },
      { startedAt: at, configFile: undefined, configLoadedAt: at, reloads: { applied: 0, rejected: 0 } },
    )
    expect(status.resolvers.find((r) => r.name === 'recovered')!.names[0]!.lastError).toBeNull()
    expect(status.resolvers.find((r) => r.name === 'failing')!.names[0]!.lastError).toBe(
      'no answer from 10.0.0.2:53',
    )
  })
})

describe('metrics', () => {
  test('the servers of a name backend are 1 (usable), not -1; latency histograms and process metrics', async () => {
    const text = await node.metrics.registry.metrics()
    const proxyServer = new RegExp(
      `gslb_server_up\\{service="PROXY",server="127\\.0\\.0\\.1:${fixture.clusterPort}"\\} 1`,
    )
    expect(text).toMatch(proxyServer)
    expect(text).toContain('gslb_service_servers{service="PROXY"} 1')
    expect(text).toMatch(/gslb_resolver_name_online\{resolver="local",name="dicom\.test\.lan"\} 1/)
    expect(text).toMatch(
      /gslb_resolver_last_success_timestamp_seconds\{resolver="local",name="dicom\.test\.lan"\} \d/,
    )
    expect(text).toMatch(/gslb_connect_duration_seconds_count\{service="CLUSTER"\} [1-9]/)
    expect(text).toContain('gslb_site_members_up{site="A"} 1')
    expect(text).toContain('gslb_config_reloads_total{result="rejected"} 0')
    for (const series of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'process_open_fds',
    ]) {
      expect(text).toContain(`# TYPE ${series}`)
    }
    // The resolver asks the engine every 200 ms: after 16 queries one has been timed.
    await waitFor(
      async () => /gslb_dns_answer_duration_seconds_count [1-9]/.test(await node.metrics.registry.metrics()),
      { what: 'a DNS answer was timed' },
    )
  })
})

describe('gslb_service_servers_available', () => {
  const available = async (service: string) => {
    const text = await node.metrics.registry.metrics()
    const match = new RegExp(`^gslb_service_servers_available\\{service="${service}"\\} (\\d+)$`, 'm').exec(
      text,
    )
    return match ? Number(match[1]) : undefined
  }

  test("counts the servers the forwarder would send to: a name backend's address, not a server forced down", async () => {
    expect(await available('PROXY')).toBe(1)
    expect(await available('PLAIN')).toBe(1)
    node.act('servers', 'PLAIN', plainServer(), 'force-down')
    try {
      await waitFor(
        () =>
          node
            .forwarder!.stats()
            .find((s) => s.name === 'PLAIN')!
            .servers.every((s) => s.state === 'down'),
        { what: 'the forwarder took the server out' },
      )
      expect(await available('PLAIN')).toBe(0)
      expect(await available('PROXY')).toBe(1)
    } finally {
      node.act('servers', 'PLAIN', plainServer(), 'clear')
    }
    await waitFor(() => node.check().healthy, { what: 'the service is healthy again' })
    expect(await available('PLAIN')).toBe(1)
  })
})
