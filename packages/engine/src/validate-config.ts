import type { Topology } from '@gslb/topology'
import {
  buildEcs,
  buildModel,
  buildResolvers,
  CONFIG_KEYS,
  splitTopology,
  topologyFromConfig,
} from './build.js'
import { buildPools } from './build-pools.js'
import { buildZones } from './build-zones.js'
import { EngineErrorCode } from './errors.js'
import type { HealthTargetSpec, MemberHealth, PoolModel } from './model.js'
import { isPlainObject, keyPath, rejectUnknownKeys, requireObject } from './validate.js'

/** One problem with an engine config: the path of the value at fault (`pools.pacs.members[1].address`) and why. */
export interface EngineConfigIssue {
  path: string
  message: string
}

const freshHealth = (): MemberHealth => ({
  observed: 'unknown',
  effective: 'unknown',
  drained: false,
  source: 'none',
})

/**
 * Every problem with an engine config, without building an engine: the top-level keys, the topology, each pool
 * on its own, `ecs`, and the zones with their names (whose first problem is reported: a record depends on the
 * zones and pools around it). A name whose pool is itself at fault is not reported again. When no part is at
 * fault, the whole config is built once as `createEngine` and `update` build it, so an empty list means they
 * accept it.
 */
export function validateEngineConfig(config: unknown): EngineConfigIssue[] {
  const issues: EngineConfigIssue[] = []
  const attempt = <T>(fallback: T, build: () => T): T => {
    try {
      return build()
    } catch (error) {
      issues.push(issueOf(error))
      return fallback
    }
  }
  const root = attempt(undefined, () => {
    const root = requireObject(config, 'config')
    rejectUnknownKeys(root, 'config', CONFIG_KEYS)
    return root
  })
  if (root === undefined) return issues

  const { sitesOptions, resolversOption } = splitTopology(root.topology)
  const sites = attempt<Topology | undefined>(undefined, () => topologyFromConfig(sitesOptions))
  if (sites || sitesOptions === undefined) attempt(undefined, () => buildResolvers(resolversOption, sites))

  const pools = new Map<string, PoolModel>()
  const brokenPools = new Set<string>()
  const poolContext = {
    healthFor: freshHealth,
    datacenters: sites ? new Set(sites.datacenters) : undefined,
    targets: new Map<string, HealthTargetSpec>(),
  }
  if (isPlainObject(root.pools)) {
    for (const [name, raw] of Object.entries(root.pools)) {
      const built = attempt(undefined, () => buildPools({ [name]: raw }, poolContext).get(name))
      if (!built) brokenPools.add(name)
      else if (built.method === 'topology' && !sites && sitesOptions === undefined)
        issues.push({
          path: `${keyPath('pools', name)}.method`,
          message: "'topology' needs a topology (config.topology or the topology option)",
        })
      else pools.set(name, built)
    }
  } else attempt(undefined, () => buildPools(root.pools, poolContext))

  attempt(undefined, () => buildEcs(root.ecs))
  const names = Array.isArray(root.names)
    ? root.names
    : isPlainObject(root.names)
      ? Object.fromEntries(
          Object.entries(root.names).filter(
            ([, entry]) => !(isPlainObject(entry) && brokenPools.has(String(entry.pool))),
          ),
        )
      : root.names
  attempt(undefined, () => buildZones(root.zones, names, pools, () => 1))

  if (issues.length === 0) {
    attempt(undefined, () =>
      buildModel(config, {
        previous: undefined,
        healthFor: freshHealth,
        sitesFor: topologyFromConfig,
        soaState: undefined,
        random: Math.random,
      }),
    )
  }
  return issues
}

function issueOf(error: unknown): EngineConfigIssue {
  const { code, path } = error as { code?: unknown; path?: unknown }
  if (code !== EngineErrorCode.INVALID_CONFIG || typeof path !== 'string') throw error
  const message = (error as Error).message
  // configError writes `${path}: ${why}`.
  return { path, message: message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message }
}
