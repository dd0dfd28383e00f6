import { validateEngineConfig } from '@gslb/engine'
import { validateForwarderOptions } from '@gslb/forwarder'
import { validateTarget } from '@gslb/health'
import { validateResolverOptions } from '@gslb/resolver'
import type { ConfigIssue } from '../errors.js'
import {
  engineConfig,
  forwarderServices,
  monitorCheck,
  RESOLVER_CONFIG_KEYS,
  resolverOptions,
} from './library-options.js'
import type { Config, MonitorConfig } from './types.js'

/**
 * What each library refuses in the options this config translates to, asked of the libraries' own pure
 * validators (nothing is built, bound or scheduled), each problem at the path it is written at in the config.
 * So `gslb-lb validate` refuses everything `run` would.
 */
export function libraryIssues(config: Config): ConfigIssue[] {
  // A monitor the health checker refuses makes the engine and the forwarder refuse it too, with their own paths
  // (gslb.pools.X.monitors[0], services[1].check): report it once, where it is written.
  const issues = healthTargetIssues(config)
  if (issues.length > 0) return issues
  return [...engineIssues(config), ...resolverIssues(config), ...forwarderIssues(config)]
}

/**
 * The engine names pools, zones and names at the top level; in the node config they are under `gslb`. A pool's
 * monitor is judged where it is written (healthTargetIssues): the engine's copy of those problems
 * (`pools.x.monitors[0].…`, a path the file does not have) is left out, except its port, which is the pool's.
 */
function engineIssues(config: Config): ConfigIssue[] {
  if (!config.gslb) return []
  const issues: ConfigIssue[] = []
  for (const { path, message } of validateEngineConfig(engineConfig(config))) {
    const monitor = /^(pools\.[^.[]+)\.monitors\[\d+\](.*)$/.exec(path)
    if (monitor && monitor[2] !== '.port') continue
    issues.push({ path: nodeConfigPath(config, monitor ? `${monitor[1]}.port` : path), message })
  }
  return issues
}

/** Engine option names that the node config spells otherwise, within a zone. */
const ZONE_KEYS: [RegExp, string][] = [
  [/^\.ns\b/, '.nameservers'],
  [/^\.nsTtl\b/, '.ttl'],
]

/**
 * The engine's path of a problem as the node config's: zones and names are keyed by name in the engine
 * (`zones["a.example"]`, `names.x`) and listed in the file; a datacenter is a list of subnets in the engine and
 * `{ cidrs, resolvers }` in the file; `ns` and `nsTtl` are the file's `nameservers` and `ttl`.
 */
function nodeConfigPath(config: Config, enginePath: string): string {
  const subnets = /^topology\.(datacenters|resolvers)\.([^.[]+)(.*)$/.exec(enginePath)
  if (subnets) {
    const [, list, datacenter, rest] = subnets as unknown as [string, string, string, string]
    return `topology.datacenters.${datacenter}.${list === 'datacenters' ? 'cidrs' : 'resolvers'}${rest}`
  }
  if (enginePath.startsWith('topology')) return enginePath
  const keyed = /^(zones|names)(?:\[("(?:[^"\\]|\\.)*")\]|\.([A-Za-z_][A-Za-z0-9_-]*))(.*)$/.exec(enginePath)
  if (keyed) {
    const [, list, quoted, bare, rest] = keyed as unknown as [
      string,
      'zones' | 'names',
      string,
      string,
      string,
    ]
    const name = quoted === undefined ? bare : (JSON.parse(quoted) as string)
    const index = (config.gslb?.[list] ?? []).findIndex((entry) => entry.name === name)
    const inZone = list === 'zones' ? ZONE_KEYS.find(([key]) => key.test(rest)) : undefined
    const renamed = inZone ? rest.replace(inZone[0], inZone[1]) : rest
    if (index >= 0) return `gslb.${list}[${index}]${renamed}`
  }
  return `gslb.${enginePath}`
}

function resolverIssues(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  for (const [name, resolver] of Object.entries(config.resolvers ?? {})) {
    // 'engine' becomes the engine's bound address at start; any valid endpoint stands in for it here.
    const options = resolverOptions(resolver, { address: '127.0.0.1', port: 53 })
    for (const { path, message } of validateResolverOptions(options)) {
      const key = Object.hasOwn(RESOLVER_CONFIG_KEYS, path) ? RESOLVER_CONFIG_KEYS[path] : path
      issues.push({ path: `resolvers.${name}.${key}`, message })
    }
  }
  return issues
}

function forwarderIssues(config: Config): ConfigIssue[] {
  if (!config.services) return []
  const services = forwarderServices(config)
  return validateForwarderOptions({ services }).map((issue) => forwarderIssue(config, issue))
}

/** A @gslb/health target's timing fields (also a forwarder check's) and the monitor keys of the config they come from. */
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
function forwarderIssue(config: Config, issue: ConfigIssue): ConfigIssue {
  const position = /^services\[(\d+)\]\.(.+)$/.exec(issue.path)
  const names = Object.keys(config.services ?? {})
  const name = position ? names[Number(position[1])] : undefined
  if (!position || name === undefined) return issue
  const option = position[2] as string
  const problem = issue.message
  const monitorName = config.services?.[name]?.monitor
  const checkKey = /^check\.(\w+)$/.exec(option)?.[1]
  if (checkKey && monitorName && CHECK_KEYS[checkKey]) {
    const monitor = config.monitors?.[monitorName]
    const key = CHECK_KEYS[checkKey]!
    const path = monitor ? thresholdPath(config, monitorName, monitor, key) : `monitors.${monitorName}.${key}`
    return { path, message: `${problem} (in the checks of service ${name})` }
  }
  const key = Object.hasOwn(SERVICE_KEYS, option) ? SERVICE_KEYS[option] : option
  return { path: `services.${name}.${key}`, message: problem }
}

/** The forwarder's service options that the node config writes elsewhere in a service (durations under `limits`). */
const SERVICE_KEYS: Record<string, string> = {
  connectTimeoutMs: 'limits.connectTimeout',
  firstResponseTimeoutMs: 'limits.firstResponseTimeout',
  idleTimeoutMs: 'limits.idleTimeout',
  finTimeoutMs: 'limits.finTimeout',
  keepAliveDelayMs: 'limits.keepAlive',
  maxConnections: 'limits.maxConnections',
  maxConnectionsPerClient: 'limits.maxConnectionsPerClient',
  'passive.holdMs': 'passive.hold',
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
    const target = {
      id: name,
      address: '127.0.0.1',
      port: monitor.port ?? (port || 1),
      ...monitorCheck(config, monitor),
    }
    for (const issue of validateTarget(target)) {
      const key = issue.path.replace(/^(target|defaults)\./, '')
      const configKey = Object.hasOwn(CHECK_KEYS, key) ? CHECK_KEYS[key] : undefined
      const path = key.startsWith('monitor.')
        ? monitorFieldPath(name, key.slice('monitor.'.length))
        : configKey !== undefined
          ? thresholdPath(config, name, monitor, configKey)
          : `monitors.${name}`
      issues.push({ path, message: issue.message })
    }
  }
  return issues
}

/** A health monitor field's path in the config: an external monitor's `args[i]` is the file's `command[i + 1]`. */
function monitorFieldPath(name: string, field: string): string {
  const arg = /^args\[(\d+)\](.*)$/.exec(field)
  return `monitors.${name}.${arg ? `command[${Number(arg[1]) + 1}]${arg[2]}` : field}`
}
