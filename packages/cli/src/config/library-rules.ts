import { createEngine } from '@gslb/engine'
import { createForwarder } from '@gslb/forwarder'
import { resolveTarget } from '@gslb/health'
import { createResolver } from '@gslb/resolver'
import type { ConfigIssue } from '../errors.js'
import { ResolverSet } from '../node/address-sources.js'
import {
  engineConfig,
  forwarderServices,
  monitorSpec,
  resolverOptions,
  thresholdsFor,
} from './library-options.js'
import type { Config, MonitorConfig } from './types.js'

/** Where an engine config path lives in the node config. */
function enginePath(path: string): string {
  if (path.startsWith('topology')) return path
  if (path.startsWith('ecs')) return `gslb.${path}`
  return `gslb.${path}`
}

/**
 * Builds (without starting) the engine, the forwarder and each resolver from the config, so that every rule the
 * libraries enforce is checked by `gslb-lb validate` too, not first at `run`. Nothing listens; nothing is scheduled.
 */
export function libraryIssues(config: Config): ConfigIssue[] {
  // A monitor the health checker refuses makes the engine and the forwarder refuse it too, with their own paths
  // (gslb.pools.X.monitors[0], services[1].check): report it once, where it is written.
  const issues = healthTargetIssues(config)
  if (issues.length > 0) return issues
  const record = (where: string, error: unknown, path?: string) => {
    const message = error instanceof Error ? error.message : String(error)
    issues.push({
      path: path ?? where,
      message: path ? message.replace(`${path.replace(/^gslb\./, '')}: `, '') : message,
    })
  }
  if (config.gslb) {
    try {
      void createEngine({ config: engineConfig(config) }).close()
    } catch (error) {
      const path = (error as { path?: unknown }).path
      record('gslb', error, typeof path === 'string' && path ? enginePath(path) : undefined)
    }
  }
  for (const [name, resolver] of Object.entries(config.resolvers ?? {})) {
    try {
      // 'engine' becomes the engine's bound address at start; any valid endpoint stands in for it here.
      createResolver(resolverOptions(resolver, { address: '127.0.0.1', port: 53 }))
    } catch (error) {
      record(`resolvers.${name}`, error)
    }
  }
  if (config.services) {
    try {
      createForwarder({ services: forwarderServices(config), addressSource: new ResolverSet() })
    } catch (error) {
      issues.push(forwarderIssue(config, error))
    }
  }
  return issues
}

const CHECK_KEYS: Record<string, string> = {
  intervalMs: 'interval',
  timeoutMs: 'timeout',
  rise: 'rise',
  fall: 'fall',
}

/**
 * The forwarder names its options by position (`services[2].check.timeoutMs`); say where that is in the node
 * config: the service by name, and for a check setting the monitor key it comes from.
 */
function forwarderIssue(config: Config, error: unknown): ConfigIssue {
  const message = error instanceof Error ? error.message : String(error)
  const match = /^invalid option 'services\[(\d+)\]\.([^']+)': (.*)$/s.exec(message)
  const names = Object.keys(config.services ?? {})
  const name = match ? names[Number(match[1])] : undefined
  if (!match || name === undefined) return { path: 'services', message }
  const [, , option, problem] = match as unknown as [string, string, string, string]
  const monitorName = config.services?.[name]?.monitor
  const checkKey = /^check\.(\w+)$/.exec(option)?.[1]
  if (checkKey && monitorName && CHECK_KEYS[checkKey]) {
    const monitor = config.monitors?.[monitorName]
    const key = CHECK_KEYS[checkKey]!
    const written = (c: object | undefined) => (c as Record<string, unknown> | undefined)?.[key] !== undefined
    if (key === 'timeout' && !written(monitor) && !written(config.health?.defaults)) {
      return {
        path: `monitors.${monitorName}.interval`,
        message: `too short for service ${name}'s checks: the profile's timeout, shortened to fit it, ${problem.replace(/^expected/, 'is not')}`,
      }
    }
    const path = monitor ? thresholdPath(config, monitorName, monitor, key) : `monitors.${monitorName}.${key}`
    return { path, message: `${problem} (in the checks of service ${name})` }
  }
  return { path: `services.${name}.${option}`, message: problem }
}

/** The config path a health-target field came from: the monitor's own key, else health.defaults. */
function thresholdPath(config: Config, monitorName: string, monitor: MonitorConfig, key: string): string {
  if ((monitor as unknown as Record<string, unknown>)[key] !== undefined)
    return `monitors.${monitorName}.${key}`
  if ((config.health?.defaults as Record<string, unknown> | undefined)?.[key] !== undefined)
    return `health.defaults.${key}`
  return `monitors.${monitorName}.${key}`
}

/**
 * The health checker registers its targets only once the node runs; every monitor a pool or a service uses is
 * put through @gslb/health's own target validation here, so `validate` refuses what `run` would.
 */
function healthTargetIssues(config: Config): ConfigIssue[] {
  const used = new Map<string, number>()
  for (const pool of Object.values(config.gslb?.pools ?? {})) {
    if (pool.monitor !== undefined) used.set(pool.monitor, pool.port ?? 0)
  }
  for (const service of Object.values(config.services ?? {})) {
    if (service.monitor !== undefined && !used.has(service.monitor))
      used.set(service.monitor, service.backends[0]?.port ?? 0)
  }
  const issues: ConfigIssue[] = []
  for (const [name, port] of used) {
    const monitor = config.monitors?.[name]
    if (!monitor) continue // cross-references report it
    const thresholds = thresholdsFor(config, monitor)
    try {
      resolveTarget({
        id: name,
        address: '127.0.0.1',
        port: monitor.port ?? (port || 1),
        monitor: monitorSpec(monitor),
        ...thresholds,
      })
    } catch (error) {
      const field = (error as { field?: unknown }).field
      const key = typeof field === 'string' ? field.replace(/^(target|defaults)\./, '') : ''
      const path = key.startsWith('monitor.')
        ? `monitors.${name}.${key.slice('monitor.'.length)}`
        : key in thresholds
          ? thresholdPath(config, name, monitor, key)
          : `monitors.${name}`
      const message = (error as Error).message.replace(/^invalid target: \S+ /, '')
      issues.push({ path, message })
    }
  }
  return issues
}
