import type { ServiceConfig as ForwarderService, ServiceCheck } from '@gslb/forwarder'
import type { MonitorSpec } from '@gslb/health'
import type { ResolverOptions } from '@gslb/resolver'
import { formatEndpoint } from '../config/addresses.js'
import {
  type Config,
  type Endpoint,
  isNameBackend,
  type MonitorConfig,
  type ResolverConfig,
  type Thresholds,
} from '../config/types.js'
import { HEALTH_PROFILES, LOCAL_ENGINE_NAMESERVER } from '../constants.js'

/** Interval, timeout, rise and fall for a monitor: its own, else health.defaults, else the profile's. */
export function thresholdsFor(config: Config, monitor: MonitorConfig | undefined): Required<Thresholds> {
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

/** A monitor of the config as @gslb/health's MonitorSpec. */
export function monitorSpec(monitor: MonitorConfig): MonitorSpec {
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

function defined<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>
}

/** The forwarder's service list. */
export function forwarderServices(config: Config): ForwarderService[] {
  return Object.entries(config.services ?? {}).map(([name, service]) => {
    const monitor = service.monitor === undefined ? undefined : config.monitors?.[service.monitor]
    let check: ServiceCheck | undefined
    if (monitor && (monitor.type === 'tcp' || monitor.type === 'dicom')) {
      const t = thresholdsFor(config, monitor)
      check = { type: monitor.type, intervalMs: t.interval, timeoutMs: t.timeout, rise: t.rise, fall: t.fall }
      if (monitor.type === 'dicom') {
        if (monitor.callingAE !== undefined) check.callingAE = monitor.callingAE
        if (monitor.calledAE !== undefined) check.calledAE = monitor.calledAE
      }
    }
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
      interval: resolver.interval,
      timeout: resolver.timeout,
      failThreshold: resolver.failThreshold,
      lastGoodMaxAge: resolver.lastGoodMaxAge,
      negativePolicy: resolver.negativePolicy,
      respectTtl: resolver.respectTtl,
    }),
  }
}
