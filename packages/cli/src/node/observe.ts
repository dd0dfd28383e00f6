import type { Forwarder } from '@gslb/forwarder'
import type { HealthChecker, TargetStatus } from '@gslb/health'
import type { Config } from '../config/types.js'
import { VERSION } from '../version.js'
import type { ResolverSet } from './address-sources.js'
import type { EngineHandle } from './engine.js'
import type { NodeStatus, TargetView } from './status.js'

/** The parts of a running node that status and check read. */
export interface Observable {
  config: Config
  health: HealthChecker
  engine: EngineHandle | undefined
  forwarder: Forwarder | undefined
  resolvers: ResolverSet
  readonly running: boolean
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
      servers: (s?.servers ?? []).map((server) => {
        const view = targetView(health.get(`${name}/${server.id}`))
        return {
          id: server.id,
          address: server.address,
          port: server.port,
          ...view,
          state: server.state === 'draining' ? 'drain' : server.state,
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
      reloads: {
        applied: meta.reloads.applied,
        rejected: meta.reloads.rejected,
        ...(meta.reloads.lastError ? { lastError: meta.reloads.lastError } : {}),
      },
    },
    engine: node.engine ? { listening: node.engine.addresses() } : null,
    sites,
    pools,
    resolvers,
    services,
  }
}

/**
 * Healthy = running, the engine (when configured) is listening, and every service is listening with at least one
 * server it can send new connections to (up; or not known yet when the service has no active checks).
 */
export function checkNode(node: Observable): { healthy: boolean; reasons: string[] } {
  const reasons: string[] = []
  if (!node.running) reasons.push('the node is not running')
  if (node.config.gslb && (node.engine?.addresses().length ?? 0) === 0)
    reasons.push('the engine is not listening')
  const stats = node.forwarder?.stats() ?? []
  for (const [name, service] of Object.entries(node.config.services ?? {})) {
    const s = stats.find((entry) => entry.name === name)
    if (!s || s.listeners.length === 0) {
      reasons.push(`service ${name} is not listening`)
      continue
    }
    const usable = s.servers.filter(
      (server) => server.state === 'up' || (server.state === 'unknown' && service.monitor === undefined),
    )
    if (usable.length === 0) {
      reasons.push(
        s.servers.length === 0
          ? `service ${name} has no servers (no addresses resolved yet?)`
          : `service ${name} has no up server (${s.servers.map((server) => `${server.id} ${server.state}`).join(', ')})`,
      )
    }
  }
  return { healthy: reasons.length === 0, reasons }
}
