import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  type AssociationView,
  type ConsoleEvent,
  consoleAssets,
  type Explanation,
  type FinishedAssociationView,
  type FleetReport,
  type MemberView,
  type NodeStatus,
  siteState,
  type TimelineEntry,
} from '../../src/index.js'

export const FAKE_TOKEN = 'console-test-token'
const FINGERPRINT = '3f9a1c0b7e21'

function member(name: string, address: string, datacenter: string, since: number): MemberView {
  return {
    id: `dicom/${name}`,
    name,
    address,
    port: 104,
    datacenter,
    state: 'up',
    observed: 'up',
    admin: null,
    since,
    lastCheck: { ok: true, message: 'C-ECHO ok in 3 ms', at: since, durationMs: 3 },
  }
}

/** The demo's shape (two sites, a DNS-proxy service and one cluster service per site), as GET /status shows it. */
export function demoStatus(now = Date.now()): NodeStatus {
  const siteA = member('siteA', '127.0.0.11', 'A', now - 60_000)
  const siteB = member('siteB', '127.0.0.12', 'B', now - 60_000)
  const server = (address: string) => ({
    id: `${address}:104`,
    address,
    port: 104,
    state: 'up',
    observed: 'up',
    admin: null,
    since: now - 60_000,
    lastCheck: { ok: true, message: 'C-ECHO ok in 2 ms', at: now - 1000, durationMs: 2 },
    connections: 0,
  })
  return {
    node: {
      name: 'demo',
      site: 'A',
      version: '0.1.0',
      pid: 4242,
      startedAt: new Date(now - 120_000).toISOString(),
      uptimeMs: 120_000,
      configLoadedAt: new Date(now - 120_000).toISOString(),
      reloads: { applied: 0, rejected: 0 },
    },
    fleet: {
      name: 'hospital',
      fingerprint: FINGERPRINT,
      nodes: [
        { name: 'demo', site: 'A', admin: { address: '127.0.0.1', port: 9180 }, self: true },
        { name: 'a2', site: 'A', admin: { address: '10.1.0.3', port: 9180 }, self: false },
        { name: 'b1', site: 'B', admin: { address: '10.2.0.2', port: 9180 }, self: false },
      ],
    },
    vips: ['10.1.0.50'],
    engine: { listening: [{ address: '127.0.0.1', port: 5353 }] },
    sites: [
      { name: 'A', self: true, subnets: 1, members: [] },
      { name: 'B', self: false, subnets: 1, members: [] },
    ],
    pools: [{ name: 'dicom', method: 'topology', members: [siteA, siteB] }],
    resolvers: [
      {
        name: 'local',
        nameservers: ['engine'],
        names: [
          {
            name: 'dicom.demo.test',
            state: 'online',
            addresses: ['127.0.0.11', '127.0.0.12'],
            lastError: null,
            nameserver: '127.0.0.1:5353',
            lastSuccess: now - 1000,
            lastGood: null,
          },
        ],
      },
    ],
    services: [
      {
        name: 'DICOM_DNS_PROXY',
        listen: [{ address: '127.0.0.1', port: 11112 }],
        listening: true,
        connections: { active: 0, total: 3 },
        limits: { maxConnections: 1000, maxConnectionsPerClient: 0 },
        servers: [server('127.0.0.11'), server('127.0.0.12')],
      },
    ],
  }
}

/** Keeps `sites[].members` in step with the pools, as the node's buildStatus does. */
function withSites(status: NodeStatus): NodeStatus {
  for (const site of status.sites) {
    site.members = status.pools.flatMap((pool) =>
      pool.members
        .filter((m) => m.datacenter === site.name)
        .map((m) => ({ pool: pool.name, member: m.name, address: m.address, state: m.state })),
    )
  }
  return status
}

export interface FakeAdmin {
  url: string
  status: NodeStatus
  /** Writes that reached the node with a valid token. */
  writes: string[]
  timeline: TimelineEntry[]
  /** Sends an event to every open /events stream (and records timeline entries). */
  emit(event: ConsoleEvent): void
  addTimeline(entry: Omit<TimelineEntry, 'seq' | 'at'>): TimelineEntry
  /** Open /events streams right now. */
  streams(): number
  close(): Promise<void>
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function explanation(status: NodeStatus, name: string, client: string): Explanation {
  const pool = status.pools[0]!
  const eligible = pool.members.filter((m) => m.state === 'up')
  return {
    query: { name, type: 'A' },
    client: { address: client, ecs: null, ecsUsed: false, ecsIgnored: null, datacenter: 'A', ecsScope: null },
    zone: 'dicom.demo.test',
    rcode: 'NOERROR',
    authoritative: true,
    answers: eligible.map((m) => ({ name: `${name}.`, type: 'A', ttl: 1, data: m.address })),
    authority: [],
    additional: [],
    decisions: [
      {
        name,
        pool: pool.name,
        method: 'topology',
        family: 4,
        maxAnswers: 2,
        allDown: 'any',
        unknownAs: 'up',
        outcome: 'healthy',
        datacenterOrder: ['A', 'B'],
        candidates: pool.members.map((m) => ({
          member: m.name,
          address: m.address,
          datacenter: m.datacenter ?? null,
          weight: 1,
          priority: 0,
          enabled: true,
          observed: m.observed as 'up',
          effective: (m.state === 'drain' ? 'up' : m.state) as 'up',
          drained: m.state === 'drain',
          healthSource: 'checker',
          eligible: m.state === 'up',
          position: eligible.indexOf(m) === -1 ? null : eligible.indexOf(m) + 1,
        })),
        reason: "topology: client in datacenter 'A'; datacenters tried in order A > B",
      },
    ],
    reason: "topology: client in datacenter 'A'; datacenters tried in order A > B",
  }
}

/** A fleet of three: this node, a peer that drifted, and one whose admin API does not answer. */
function fleetReport(status: NodeStatus): FleetReport {
  const sites = status.sites.map((site) => ({ name: site.name, state: siteState(site) }))
  const now = Date.now()
  return {
    name: 'hospital',
    fingerprint: FINGERPRINT,
    nodes: [
      {
        name: 'demo',
        site: 'A',
        admin: { address: '127.0.0.1', port: 9180 },
        self: true,
        reachable: true,
        configFingerprint: FINGERPRINT,
        vips: ['10.1.0.50'],
        sites,
        askedAt: now,
      },
      {
        name: 'a2',
        site: 'A',
        admin: { address: '10.1.0.3', port: 9180 },
        self: false,
        reachable: true,
        configFingerprint: '0000aaaa1111',
        vips: [],
        sites,
        askedAt: now,
      },
      {
        name: 'b1',
        site: 'B',
        admin: { address: '10.2.0.2', port: 9180 },
        self: false,
        reachable: false,
        error: 'no answer within 1500 ms',
        askedAt: now,
      },
    ],
  }
}

/**
 * A stand-in for a node's admin API on loopback port 0: the console's real assets, the real JSON shapes, writes
 * behind a bearer token. Actions change `status` as a node would, so the page shows their effect.
 */
export async function startFakeAdmin(): Promise<FakeAdmin> {
  const assets = consoleAssets()
  const status = withSites(demoStatus())
  const writes: string[] = []
  const timeline: TimelineEntry[] = []
  const clients = new Set<ServerResponse>()
  let seq = 0

  const send = (event: ConsoleEvent) => {
    for (const res of clients) res.write(`event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`)
  }
  const addTimeline = (entry: Omit<TimelineEntry, 'seq' | 'at'>) => {
    const full = { ...entry, seq: ++seq, at: Date.now() }
    timeline.push(full)
    send({ type: 'timeline', data: full })
    return full
  }

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake')
    const asset = req.method === 'GET' ? assets.get(url.pathname) : undefined
    if (asset) {
      res.writeHead(200, asset.headers)
      res.end(asset.body)
      return
    }
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
    if (req.method === 'GET' && url.pathname === '/status') return json(res, 200, withSites(status))
    if (req.method === 'GET' && url.pathname === '/fleet') return json(res, 200, fleetReport(status))
    if (req.method === 'GET' && url.pathname === '/timeline') {
      const kind = url.searchParams.get('kind')
      return json(res, 200, { capacity: 500, entries: timeline.filter((e) => !kind || e.kind === kind) })
    }
    if (req.method === 'GET' && url.pathname === '/explain') {
      const name = url.searchParams.get('name')
      const client = url.searchParams.get('client')
      if (!name || !client) return json(res, 400, { error: 'explain needs ?name=<name>&client=<address>' })
      return json(res, 200, explanation(status, name, client))
    }
    if (req.method === 'GET' && url.pathname === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' })
      res.write(': hello\n\n')
      clients.add(res)
      req.on('close', () => clients.delete(res))
      return
    }
    if (req.method === 'POST') {
      if (req.headers.authorization !== `Bearer ${FAKE_TOKEN}`)
        return json(res, 401, { error: 'a valid bearer token is required' })
      writes.push(url.pathname)
      if (url.pathname === '/reload') return json(res, 200, { applied: true, changes: [] })
      const [kind, group, id, action] = parts
      if (kind === 'members' && group && id && action) {
        const target = status.pools.find((p) => p.name === group)?.members.find((m) => m.name === id)
        if (!target) return json(res, 404, { error: `no member '${id}' in pool '${group}'` })
        target.admin = action === 'clear' ? null : action
        target.state = action === 'clear' ? target.observed : action === 'drain' ? 'drain' : action.slice(6)
        target.since = Date.now()
        addTimeline({
          kind: 'override',
          subject: target.id,
          message: `${action} applied; now ${target.state}`,
        })
        return json(res, 200, { pool: group, member: id, admin: target.admin, state: target.state })
      }
    }
    return json(res, 404, { error: `no route ${req.method} ${url.pathname}` })
  }

  const server: Server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    status,
    writes,
    timeline,
    emit: send,
    addTimeline,
    streams: () => clients.size,
    async close() {
      for (const res of clients) res.end()
      clients.clear()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}

export function association(overrides: Partial<FinishedAssociationView> = {}): FinishedAssociationView {
  return {
    id: 1,
    service: 'DICOM_DNS_PROXY',
    client: { address: '127.0.0.1', port: 50_123 },
    callingAE: 'CT_SCANNER_3',
    calledAE: 'PACS',
    server: '127.0.0.12:104',
    site: 'B',
    bytesFromClient: 2048,
    bytesFromServer: 512,
    startedAt: Date.now() - 40,
    end: 'closed',
    durationMs: 40,
    ...overrides,
  }
}

export function openAssociation(overrides: Partial<AssociationView> = {}): AssociationView {
  const { end: _end, durationMs: _duration, ...open } = association(overrides)
  return open
}
