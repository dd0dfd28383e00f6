/**
 * The pure translation of a node config into each library's options: the engine's config, the forwarder's
 * services, the resolvers' options and the health monitors. Nothing here opens a socket or reads a file.
 */

import type { EngineConfig } from '@gslb/engine'
import type { ServiceConfig as ForwarderService } from '@gslb/forwarder'
import type { HealthCheckerOptions, MonitorSpec, Target } from '@gslb/health'
import type { ResolverOptions } from '@gslb/resolver'
import { formatCidr, parseCidr } from '@gslb/topology'
import { HEALTH_PROFILES, LOCAL_ENGINE_NAMESERVER } from '../constants.js'
import { formatEndpoint } from './addresses.js'
import {
  type Config,
  type Endpoint,
  isNameBackend,
  type MonitorConfig,
  type ResolverConfig,
  type Thresholds,
} from './types.js'

/** Interval, timeout, rise and fall for a monitor: its own, else health.defaults, else the profile's. */
function thresholdsFor(config: Config, monitor: MonitorConfig | undefined): Required<Thresholds> {
  const profile = HEALTH_PROFILES[config.health?.profile ?? 'normal']
  const defaults = config.health?.defaults ?? {}
  const pick = <K extends keyof Thresholds>(key: K): number => monitor?.[key] ?? defaults[key] ?? profile[key]
  const interval = pick('interval')
  // A check must finish before the next one is due. Only an inherited timeout (the profile's) is shortened to fit
  // a short interval; one written in the file is passed on as written, so validation refuses it instead of the
  // node quietly running something else.
  const written = monitor?.timeout ?? defaults.timeout
  const timeout = written ?? Math.min(profile.timeout, Math.max(1, interval - 1))
  return { interval, timeout, rise: pick('rise'), fall: pick('fall') }
}

/**
 * The node's health checker options: the profile's timings as target defaults, in @gslb/health's …Ms names (each
 * monitor's own settings and health.defaults reach its targets through monitorCheck()).
 */
export function healthCheckerOptions(config: Config): HealthCheckerOptions {
  const profile = HEALTH_PROFILES[config.health?.profile ?? 'normal']
  return {
    defaults: {
      intervalMs: profile.interval,
      timeoutMs: profile.timeout,
      rise: profile.rise,
      fall: profile.fall,
    },
  }
}

/** A monitor of the config as @gslb/health's MonitorSpec. */
function monitorSpec(monitor: MonitorConfig): MonitorSpec {
  switch (monitor.type) {
    case 'tcp':
      return {
        type: 'tcp',
        ...(monitor.send !== undefined ? { send: monitor.send } : {}),
        ...(monitor.expect !== undefined ? { expect: monitor.expect } : {}),
      }
    case 'dicom':
      return {
        type: 'dicom',
        ...(monitor.callingAE !== undefined ? { callingAE: monitor.callingAE } : {}),
        ...(monitor.calledAE !== undefined ? { calledAE: monitor.calledAE } : {}),
      }
    case 'http':
    case 'https': {
      const { type, method, path, hostname, expectStatus, bodyMatch, verifyTls } = monitor
      return { type, ...defined({ method, path, hostname, expectStatus, bodyMatch, verifyTls }) }
    }
    case 'dns': {
      const { name, rrtype, expectRcode, expectAddress } = monitor
      return { type: 'dns', name, ...defined({ rrtype, expectRcode, expectAddress }) }
    }
    case 'external':
      return { type: 'external', command: monitor.command[0]!, args: monitor.command.slice(1) }
  }
}

/**
 * What a monitor of the config checks and how often, as the part of a @gslb/health target that the engine (per
 * pool member) and the forwarder (per server) complete with an id, an address and, for the engine, a port.
 */
export function monitorCheck(
  config: Config,
  monitor: MonitorConfig,
): Omit<Target, 'id' | 'address' | 'port'> {
  const t = thresholdsFor(config, monitor)
  return {
    monitor: monitorSpec(monitor),
    intervalMs: t.interval,
    timeoutMs: t.timeout,
    rise: t.rise,
    fall: t.fall,
  }
}

function defined<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>
}

/** The forwarder's service list. */
export function forwarderServices(config: Config): ForwarderService[] {
  return Object.entries(config.services ?? {}).map(([name, service]) => {
    const monitor = service.monitor === undefined ? undefined : config.monitors?.[service.monitor]
    const check = monitor === undefined ? undefined : monitorCheck(config, monitor)
    const limits = service.limits ?? {}
    const out: ForwarderService = {
      name,
      listen: service.listen.map((l) => ({ address: l.address, port: l.port })),
      backends: service.backends.map((backend) => {
        if (isNameBackend(backend)) {
          const { name: host, port, weight, backup, family, prefer } = backend
          return { name: host, port, ...defined({ weight, backup, family, prefer }) }
        }
        const { address, port, weight, backup } = backend
        return { address, port, ...defined({ weight, backup }) }
      }),
      ...defined({
        balance: service.balance,
        retries: service.retries,
        connectTimeoutMs: limits.connectTimeout,
        firstResponseTimeoutMs: limits.firstResponseTimeout,
        idleTimeoutMs: limits.idleTimeout,
        finTimeoutMs: limits.finTimeout,
        keepAliveDelayMs: limits.keepAlive,
        maxConnections: limits.maxConnections,
        maxConnectionsPerClient: limits.maxConnectionsPerClient,
        allow: service.allow,
        onMarkedDown: service.onMarkedDown,
        sniffDicom: service.sniffDicom,
        retryOnEmpty: service.retryOnEmpty,
        proxyProtocol: service.proxyProtocol,
        check,
      }),
    }
    if (service.passive) {
      out.passive = defined({ failures: service.passive.failures, holdMs: service.passive.hold })
    }
    return out
  })
}

/** Which resolver keeps which backend name fresh (name → resolver). */
export function nameRoutes(config: Config): Map<string, string> {
  const routes = new Map<string, string>()
  for (const service of Object.values(config.services ?? {})) {
    for (const backend of service.backends)
      if (isNameBackend(backend)) routes.set(backend.name, backend.resolver)
  }
  return routes
}

/** The config file's resolver keys whose @gslb/resolver option is named with its unit (the file keeps its names). */
export const RESOLVER_CONFIG_KEYS: Readonly<Record<string, keyof ResolverConfig>> = {
  intervalMs: 'interval',
  timeoutMs: 'timeout',
  lastGoodMaxAgeMs: 'lastGoodMaxAge',
}

/** @gslb/resolver options; `engine` entries become the engine's bound address. */
export function resolverOptions(resolver: ResolverConfig, engine: Endpoint | undefined): ResolverOptions {
  const nameservers = resolver.nameservers.map((entry) => {
    if (entry !== LOCAL_ENGINE_NAMESERVER) return entry
    if (!engine) throw new Error(`nameserver '${LOCAL_ENGINE_NAMESERVER}': the engine is not listening`)
    const address =
      engine.address === '0.0.0.0' ? '127.0.0.1' : engine.address === '::' ? '::1' : engine.address
    return formatEndpoint(address, engine.port)
  })
  return {
    nameservers,
    ...defined({
      intervalMs: resolver.interval,
      timeoutMs: resolver.timeout,
      failThreshold: resolver.failThreshold,
      lastGoodMaxAgeMs: resolver.lastGoodMaxAge,
      negativePolicy: resolver.negativePolicy,
      respectTtl: resolver.respectTtl,
    }),
  }
}

/** The engine's config, from the gslb, topology, monitors and health parts of a node config. */
export function engineConfig(config: Config): EngineConfig {
  const gslb = config.gslb
  if (!gslb) return { zones: {} }
  const out: EngineConfig = { zones: {} }
  for (const zone of gslb.zones) {
    out.zones[zone.name] = {
      ns: zone.nameservers.map((ns) =>
        typeof ns === 'string' ? { name: ns } : { name: ns.name, addresses: ns.addresses },
      ),
      ...(zone.soa ? { soa: { ...zone.soa } } : {}),
      ...(zone.ttl !== undefined ? { nsTtl: zone.ttl } : {}),
      ...(zone.records ? { records: zone.records.map((r) => ({ ...r })) } : {}),
    }
  }
  if (gslb.pools) {
    out.pools = {}
    for (const [name, pool] of Object.entries(gslb.pools)) {
      const monitor = pool.monitor === undefined ? undefined : config.monitors?.[pool.monitor]
      const monitors: Omit<Target, 'id' | 'address'>[] = []
      if (monitor) {
        // Validation guarantees one of the two ports.
        monitors.push({ port: pool.port ?? monitor.port ?? 0, ...monitorCheck(config, monitor) })
      }
      out.pools[name] = {
        members: pool.members.map((m) => ({ ...m })),
        ...(pool.method ? { method: pool.method } : {}),
        ...(pool.maxAnswers !== undefined ? { maxAnswers: pool.maxAnswers } : {}),
        ...(pool.maxAnswersViaResolver !== undefined
          ? { maxAnswersViaResolver: pool.maxAnswersViaResolver }
          : {}),
        ...(pool.allDown !== undefined ? { allDown: pool.allDown } : {}),
        ...(pool.unknownAs !== undefined ? { unknownAs: pool.unknownAs } : {}),
        ...(monitors.length > 0 ? { monitors } : {}),
      }
    }
  }
  if (gslb.names) {
    out.names = {}
    for (const entry of gslb.names)
      out.names[entry.name] = { pool: entry.pool, ...(entry.ttl !== undefined ? { ttl: entry.ttl } : {}) }
  }
  if (config.topology) {
    const datacenters = Object.fromEntries(
      Object.entries(config.topology.datacenters).map(([dc, { cidrs }]) => [dc, cidrs]),
    )
    out.topology = {
      datacenters: withOwnLoopback(datacenters, config.node.site),
      ...(config.topology.preferences ? { preferences: config.topology.preferences } : {}),
    }
    const resolvers = Object.entries(config.topology.datacenters).filter(([, dc]) => dc.resolvers?.length)
    if (resolvers.length > 0) {
      out.topology.resolvers = Object.fromEntries(
        resolvers.map(([dc, { resolvers }]) => [dc, resolvers ?? []]),
      )
    }
  }
  if (gslb.ecs) out.ecs = { ...gslb.ecs }
  return out
}

const LOOPBACK_PREFIXES = ['127.0.0.0/8', '::1/128']

/**
 * This node's own resolver asks its engine over loopback (nameserver 127.0.0.1 or `engine`), so those queries
 * come from this node's site: loopback belongs to `node.site` unless the topology places loopback itself.
 * Without this, a topology pool could not tell which site the DNS-proxy service is in.
 */
export function withOwnLoopback(datacenters: Record<string, string[]>, site: string | undefined) {
  const own = site === undefined || !Object.hasOwn(datacenters, site) ? undefined : datacenters[site]
  if (own === undefined) return datacenters
  const normal = (cidr: string) => {
    try {
      return formatCidr(parseCidr(cidr))
    } catch {
      return cidr
    }
  }
  const listed = new Set(Object.values(datacenters).flat().map(normal))
  const missing = LOOPBACK_PREFIXES.filter((prefix) => !listed.has(normal(prefix)))
  return missing.length === 0 ? datacenters : { ...datacenters, [site as string]: [...own, ...missing] }
}
