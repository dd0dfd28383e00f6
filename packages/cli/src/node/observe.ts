import type { Forwarder } from '@gslb/forwarder'
import type { HealthChecker, TargetStatus } from '@gslb/health'
import type { Config } from '../config/types.js'
import { CliError } from '../errors.js'
import { VERSION } from '../version.js'
import type { ResolverSet } from './address-sources.js'
import type { EngineHandle } from './engine.js'
import type { PeerView } from './peer-view.js'
import type { NodeStatus, TargetView } from './status.js'

/** The parts of a running node that status and check read. */
export interface Observable {
  config: Config
  health: HealthChecker
  engine: EngineHandle | undefined
  forwarder: Forwarder | undefined
  resolvers: ResolverSet
  readonly running: boolean
  /** A planned stop has begun (the node reports itself unfit while the VIP moves). */
  readonly stopping: boolean
  /** The pair peers' view, when their admin APIs can be asked (a fleet file with reachable admin listeners). */
  readonly peers?: PeerView | undefined
}

function targetView(status: TargetStatus | undefined): Omit<TargetView, 'id' | 'address' | 'port'> {
  if (!status) return { state: 'unknown', observed: 'unknown', admin: null, lastCheck: null }
  const last = status.lastCheck
  return {
    state: status.effective,
    observed: status.observed,
    admin: status.admin,
    since: status.since,
    lastCheck: last
      ? { ok: last.ok, message: last.message, at: last.startedAt, durationMs: Math.round(last.durationMs) }
      : null,
  }
}

export function buildStatus(
  node: Observable,
  meta: {
    startedAt: number
    configFile: string | undefined
    configLoadedAt: number
    reloads: { applied: number; rejected: number; lastError?: string | undefined }
    stopping?: boolean
    /** The service VIPs this node holds now. */
    vips?: string[]
  },
): NodeStatus {
  const { config, health } = node
  const pools = Object.entries(config.gslb?.pools ?? {}).map(([name, pool]) => ({
    name,
    method: pool.method ?? 'failover',
    members: pool.members.map((member) => {
      const ids = node.engine?.targetIds(name, member.name) ?? []
      const view = targetView(ids[0] === undefined ? undefined : health.get(ids[0]))
      const state = node.engine?.memberState(name, member.name) ?? view.state
      return {
        id: `${name}/${member.name}`,
        name: member.name,
        address: member.address,
        port: config.gslb?.pools?.[name]?.port ?? 0,
        ...(member.datacenter ? { datacenter: member.datacenter } : {}),
        ...view,
        state,
      }
    }),
  }))
  const sites = Object.entries(config.topology?.datacenters ?? {}).map(([name, dc]) => ({
    name,
    self: config.node.site === name,
    subnets: dc.cidrs.length,
    members: pools.flatMap((pool) =>
      pool.members
        .filter((m) => m.datacenter === name)
        .map((m) => ({ pool: pool.name, member: m.name, address: m.address, state: m.state })),
    ),
  }))
  const resolvers = node.resolvers.entries().map(([name, resolver]) => ({
    name,
    nameservers: config.resolvers?.[name]?.nameservers ?? [],
    names: resolver.snapshot().names.map((n) => ({
      name: n.name,
      state: n.state,
      addresses: n.addresses,
      // The error of the latest lookup only: one that a later success answered is history, not state.
      lastError: n.lastError && n.lastError.at >= (n.lastSuccess ?? 0) ? n.lastError.message : null,
      nameserver: n.nameserver,
      lastSuccess: n.lastSuccess,
      lastGood: n.lastGood,
    })),
  }))
  const stats = node.forwarder?.stats() ?? []
  const services = Object.entries(config.services ?? {}).map(([name, service]) => {
    const s = stats.find((entry) => entry.name === name)
    return {
      name,
      listen: s?.listeners ?? service.listen,
      listening: (s?.listeners.length ?? 0) > 0,
      connections: { active: s?.active ?? 0, total: s?.total ?? 0 },
      limits: {
        maxConnections: service.limits?.maxConnections ?? 0,
        maxConnectionsPerClient: service.limits?.maxConnectionsPerClient ?? 0,
      },
      servers: (s?.servers ?? []).map((server) => {
        const view = targetView(health.get(`${name}/${server.id}`))
        return {
          id: server.id,
          address: server.address,
          port: server.port,
          ...view,
          state: server.state,
          connections: server.active,
        }
      }),
    }
  })
  return {
    node: {
      name: config.node.name,
      ...(config.node.site ? { site: config.node.site } : {}),
      version: VERSION,
      pid: process.pid,
      startedAt: new Date(meta.startedAt).toISOString(),
      uptimeMs: Date.now() - meta.startedAt,
      ...(meta.configFile ? { configFile: meta.configFile } : {}),
      configLoadedAt: new Date(meta.configLoadedAt).toISOString(),
      ...(config.fleet ? { configFingerprint: config.fleet.fingerprint } : {}),
      ...(meta.stopping ? { stopping: true } : {}),
      reloads: {
        applied: meta.reloads.applied,
        rejected: meta.reloads.rejected,
        ...(meta.reloads.lastError ? { lastError: meta.reloads.lastError } : {}),
      },
    },
    ...(config.fleet
      ? {
          fleet: {
            ...(config.fleet.name ? { name: config.fleet.name } : {}),
            fingerprint: config.fleet.fingerprint,
            nodes: config.fleet.nodes.map((n) => ({ ...n, self: n.name === config.fleet!.node })),
          },
        }
      : {}),
    vips: meta.vips ?? [],
    engine: node.engine ? { listening: node.engine.addresses() } : null,
    sites,
    pools,
    resolvers,
    services,
  }
}

/** Which services a check is about: those on a VIP (`?vip=`), those named (`?service=`), or all of them. */
export interface CheckScope {
  vips?: readonly string[]
  services?: readonly string[]
}

/** What `GET /check` and `gslb-lb check` say. */
export interface CheckResult {
  /** Fit to hold the VIP(s): nothing is wrong here that the peer does not share. */
  fit: boolean
  /** Fit, and nothing shared is wrong either (every service has a server to send to). */
  healthy: boolean
  /** Why this node is unfit: its own process, listeners or state. */
  reasons: string[]
  /** What is wrong but the peer shares (a dead PACS, a DNS outage, an all-down pool): not a reason to move a VIP. */
  shared: string[]
  /** The services checked. */
  services: string[]
  /** Per service checked: servers this node can send new connections to (the peer compares its own with these). */
  usable: Record<string, number>
}

/** The services a scope covers; throws `GSLB_NODE_STATE` (HTTP 404) for a VIP or service this node does not have. */
export function servicesInScope(config: Config, scope: CheckScope): string[] {
  const all = Object.keys(config.services ?? {})
  if (!scope.vips?.length && !scope.services?.length) return all
  const chosen = new Set<string>()
  for (const name of scope.services ?? []) {
    if (!config.services?.[name])
      throw new CliError('GSLB_NODE_STATE', `no service '${name}' (services: ${all.join(', ') || 'none'})`)
    chosen.add(name)
  }
  const byAddress = new Map<string, string[]>()
  for (const [name, service] of Object.entries(config.services ?? {})) {
    for (const { address } of service.listen) {
      const key = address.toLowerCase()
      byAddress.set(key, [...(byAddress.get(key) ?? []), name])
    }
  }
  for (const vip of scope.vips ?? []) {
    const services = byAddress.get(vip.toLowerCase())
    if (!services)
      throw new CliError(
        'GSLB_NODE_STATE',
        `no service listens on '${vip}' (service addresses: ${[...byAddress.keys()].join(', ') || 'none'})`,
      )
    for (const name of services) chosen.add(name)
  }
  return [...chosen]
}

/**
 * Fit to hold a VIP = nothing is wrong that the peer does not share: the node runs and is not stopping, its engine
 * (when configured) listens, and every service in scope listens on all its addresses. A service with no server to
 * send to is reported as `shared` (both nodes of a pair check the same PACS and ask the same DNS): giving the VIP
 * away for it would only take it from both nodes — unless the pair peer, asked in the background, has had servers
 * for it all along (`PeerView`): then it is this node's own problem. Answered from memory.
 */
export function checkNode(node: Observable, scope: CheckScope = {}): CheckResult {
  const services = servicesInScope(node.config, scope)
  const reasons: string[] = []
  const shared: string[] = []
  const usable: Record<string, number> = {}
  if (node.stopping) reasons.push('stopping: a planned stop is handing the VIP to the peer')
  else if (!node.running) reasons.push('the node is not running')
  if (node.config.gslb && (node.engine?.addresses().length ?? 0) === 0)
    reasons.push('the engine is not listening')
  const stats = node.forwarder?.stats() ?? []
  for (const name of services) {
    const service = node.config.services![name]!
    const s = stats.find((entry) => entry.name === name)
    if (!s || s.listeners.length < service.listen.length) {
      reasons.push(
        !s || s.listeners.length === 0
          ? `service ${name} is not listening`
          : `service ${name} listens on ${s.listeners.length} of its ${service.listen.length} addresses`,
      )
      continue
    }
    const count = usableServers(s.servers, service.monitor !== undefined)
    usable[name] = count
    const peer = count === 0 ? node.peers?.advantage(name, count) : undefined
    if (peer) {
      reasons.push(
        `service ${name} has no server to send to here, while peer ${peer.peer} has ${peer.usable} (for ${Math.round(peer.forMs / 1000)} s)`,
      )
    } else if (count === 0) {
      shared.push(
        s.servers.length === 0
          ? `service ${name} has no servers (no addresses resolved yet?)`
          : `service ${name} has no up server (${s.servers.map((server) => `${server.id} ${server.state}`).join(', ')})`,
      )
    }
  }
  const fit = reasons.length === 0
  return { fit, healthy: fit && shared.length === 0, reasons, shared, services, usable }
}

/**
 * Servers a service can send new connections to, by the forwarder's own rule (`available`: not down, not draining,
 * weight above 0); of a monitored service only those checked up, since the fit check compares evidence and a server
 * not checked yet (the first seconds after a start) has given none. `gslb_service_servers_available` counts those too.
 * Of an unmonitored service, a server held out only by a passive mark-down counts as well: the forwarder still tries
 * it when nothing else is left, and the mark-down depends on which node carried the traffic — the pair's VIP holder
 * marks a site down after a WAN cut, its idle peer does not, and comparing the two would move the VIP for a cause
 * they share (lab drill wan-cut).
 */
export function usableServers(
  servers: readonly { state: string; available: boolean; lastResort?: boolean }[],
  monitored: boolean,
): number {
  return servers.filter((server) =>
    monitored ? server.available && server.state === 'up' : server.available || server.lastResort === true,
  ).length
}

/** This node's usable servers per service, now (what its pair peer compares against). */
export function usableByService(node: Pick<Observable, 'config' | 'forwarder'>): Record<string, number> {
  const stats = node.forwarder?.stats() ?? []
  const out: Record<string, number> = {}
  for (const [name, service] of Object.entries(node.config.services ?? {})) {
    const s = stats.find((entry) => entry.name === name)
    out[name] = s ? usableServers(s.servers, service.monitor !== undefined) : 0
  }
  return out
}
