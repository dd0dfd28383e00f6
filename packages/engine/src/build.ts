import { createPrefixSet, createTopology, type Topology, type TopologyOptions } from '@gslb/topology'
import { buildPools } from './build-pools.js'
import { buildZones } from './build-zones.js'
import { configError } from './errors.js'
import type { HealthTargetSpec, MemberHealth, Model } from './model.js'
import { type SoaSerialState, zoneSerial } from './serial.js'
import {
  isPlainObject,
  keyPath,
  knownList,
  optionalBoolean,
  Problems,
  rejectUnknownKeys,
  requireArray,
  requireObject,
  requireString,
} from './validate.js'

export const CONFIG_KEYS = ['zones', 'pools', 'names', 'topology', 'ecs']

export interface BuildContext {
  previous: Model | undefined
  /** The live health object of a member id (existing, or a fresh one). */
  healthFor(id: string): MemberHealth
  /** Builds the site map from `config.topology` (undefined when the config has none). */
  sitesFor(topology: unknown): Topology | undefined
  /** The last serial state of each zone: from before this process, then from the previous builds. */
  soaState: Readonly<Record<string, SoaSerialState>> | undefined
  random: () => number
}

/** Validates `config` and compiles it into a Model. Throws GSLB_ENGINE_INVALID_CONFIG naming the path at fault. */
export function buildModel(config: unknown, context: BuildContext): Model {
  const problems = new Problems()
  const model = compileModel(config, context, problems)
  const [first] = problems.errors
  if (first !== undefined || model === undefined) throw first
  return model
}

/**
 * Compiles `config`, checking each independent part on its own and recording every problem in `problems`: the
 * model when there is none. A part that refers to a part at fault (a name on a broken pool) is not reported again.
 */
export function compileModel(config: unknown, context: BuildContext, problems: Problems): Model | undefined {
  const root = problems.check(undefined, () => requireObject(config, 'config'))
  if (root === undefined) return undefined
  rejectUnknownKeys(root, 'config', CONFIG_KEYS, problems)
  const { sitesOptions, resolversOption } = splitTopology(root.topology)
  const beforeTopology = problems.count
  const sites = problems.check(undefined, () => context.sitesFor(sitesOptions))
  const topologyBroken = problems.count > beforeTopology
  const resolvers = topologyBroken ? undefined : buildResolvers(resolversOption, sites, problems)
  const targets = new Map<string, HealthTargetSpec>()
  const { pools, broken } = buildPools(
    root.pools,
    {
      healthFor: context.healthFor,
      datacenters: sites ? new Set(sites.datacenters) : undefined,
      targets,
    },
    problems,
  )
  for (const pool of pools.values()) {
    if (pool.method !== 'topology' || sites) continue
    pools.delete(pool.name)
    broken.add(pool.name)
    if (topologyBroken) continue // the topology's own problem is reported
    problems.add(
      configError(
        `${keyPath('pools', pool.name)}.method`,
        "'topology' needs a topology (config.topology or the topology option)",
      ),
    )
  }
  const ecs = buildEcs(root.ecs, problems)
  const serialFor = (zone: string, fingerprint: string): number =>
    zoneSerial(context.soaState?.[zone], fingerprint)
  const { zones, nodes, globals } = buildZones(root.zones, root.names, { pools, broken }, serialFor, problems)
  if (problems.count > 0) return undefined
  let maxZoneLabels = 0
  for (const name of zones.keys()) maxZoneLabels = Math.max(maxZoneLabels, name.split('.').length)
  return {
    zones,
    nodes,
    pools,
    globals,
    targets,
    ecs,
    sites,
    resolvers,
    random: context.random,
    maxZoneLabels,
  }
}

/** `topology.resolvers` is the engine's own key; the rest of `topology` goes to @gslb/topology as it is. */
export function splitTopology(raw: unknown): { sitesOptions: unknown; resolversOption: unknown } {
  if (!isPlainObject(raw) || !('resolvers' in raw)) return { sitesOptions: raw, resolversOption: undefined }
  const { resolvers, ...rest } = raw
  return { sitesOptions: rest, resolversOption: resolvers }
}

export function buildResolvers(
  raw: unknown,
  sites: Topology | undefined,
  problems: Problems,
): Topology | undefined {
  if (raw === undefined) return undefined
  const path = 'topology.resolvers'
  const byDatacenter = problems.check(undefined, () => requireObject(raw, path))
  if (byDatacenter === undefined) return undefined
  const known = new Set(sites?.datacenters ?? [])
  const before = problems.count
  for (const [datacenter, list] of Object.entries(byDatacenter)) {
    const where = keyPath(path, datacenter)
    if (!known.has(datacenter))
      problems.add(
        configError(
          where,
          `'${datacenter}' is not a datacenter of topology.datacenters (datacenters: ${knownList(known)})`,
        ),
      )
    const addresses = problems.check([], () => requireArray(list, where))
    for (const [index, entry] of addresses.entries())
      problems.check(undefined, () => requireString(entry, `${where}[${index}]`))
  }
  if (problems.count > before) return undefined
  return problems.check(undefined, () => {
    try {
      return createTopology({ datacenters: byDatacenter as Record<string, string[]> })
    } catch (error) {
      const where = (error as { path?: unknown }).path
      const reason = (error as { reason?: unknown }).reason ?? (error as Error).message
      const inner = typeof where === 'string' ? where.replace(/^datacenters\.?/, '') : ''
      throw configError(inner === '' ? path : `${path}.${inner}`, String(reason))
    }
  })
}

export function buildEcs(raw: unknown, problems: Problems): Model['ecs'] {
  const fallback: Model['ecs'] = { enabled: true, trusted: undefined }
  if (raw === undefined) return fallback
  const ecs = problems.check(undefined, () => requireObject(raw, 'ecs'))
  if (ecs === undefined) return fallback
  rejectUnknownKeys(ecs, 'ecs', ['enabled', 'trusted'], problems)
  const enabled = problems.check(true, () => optionalBoolean(ecs.enabled, 'ecs.enabled', true))
  if (ecs.trusted === undefined) return { enabled, trusted: undefined }
  const list = problems.check(undefined, () => requireArray(ecs.trusted, 'ecs.trusted'))
  if (list === undefined) return fallback
  const before = problems.count
  for (const [index, entry] of list.entries())
    problems.check(undefined, () => requireString(entry, `ecs.trusted[${index}]`))
  if (problems.count > before) return fallback
  return problems.check(fallback, () => {
    try {
      return { enabled, trusted: createPrefixSet(list as string[], 'ecs.trusted') }
    } catch (error) {
      const where = (error as { path?: unknown }).path
      const reason = (error as { reason?: unknown }).reason ?? (error as Error).message
      throw configError(typeof where === 'string' ? where : 'ecs.trusted', String(reason))
    }
  })
}

/** The site map of `config.topology` (without `resolvers`), or undefined when there is none. */
export function topologyFromConfig(raw: unknown): Topology | undefined {
  if (raw === undefined) return undefined
  try {
    return createTopology(raw as TopologyOptions)
  } catch (error) {
    const path = (error as { path?: unknown }).path
    const reason = (error as { reason?: unknown }).reason
    const where = typeof path === 'string' && path !== '' ? `topology.${path}` : 'topology'
    throw configError(where, typeof reason === 'string' ? reason : (error as Error).message)
  }
}
