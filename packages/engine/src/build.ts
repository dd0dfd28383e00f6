import { createPrefixSet, type Topology } from '@gslb/topology'
import { buildPools } from './build-pools.js'
import { buildZones } from './build-zones.js'
import { configError } from './errors.js'
import type { HealthTargetSpec, MemberHealth, Model } from './model.js'
import { optionalBoolean, rejectUnknownKeys, requireArray, requireObject, requireString } from './validate.js'

const CONFIG_KEYS = ['zones', 'pools', 'names', 'topology', 'ecs']

export interface BuildContext {
  previous: Model | undefined
  /** The live health object of a member id (existing, or a fresh one). */
  healthFor(id: string): MemberHealth
  /** Builds the site map from `config.topology` (undefined when the config has none). */
  sitesFor(topology: unknown): Topology | undefined
  /** Epoch ms, for automatic SOA serials. */
  now(): number
  random: () => number
}

/** Validates `config` and compiles it into a Model. Throws GSLB_ENGINE_INVALID_CONFIG naming the path at fault. */
export function buildModel(config: unknown, context: BuildContext): Model {
  const root = requireObject(config, 'config')
  rejectUnknownKeys(root, 'config', CONFIG_KEYS)
  const sites = context.sitesFor(root.topology)
  const targets = new Map<string, HealthTargetSpec>()
  const pools = buildPools(root.pools, {
    healthFor: context.healthFor,
    datacenters: sites ? new Set(sites.datacenters) : undefined,
    targets,
  })
  for (const pool of pools.values()) {
    if (pool.method === 'topology' && !sites) {
      throw configError(
        `pools.${pool.name}.method`,
        "'topology' needs a topology (config.topology or the topology option)",
      )
    }
  }
  const previousZones = context.previous?.zones
  const serialFor = (zone: string, fingerprint: string): number => {
    const before = previousZones?.get(zone)
    if (before && before.serialMode === 'auto' && before.fingerprint === fingerprint) return before.soa.serial
    const now = Math.floor(context.now() / 1000)
    return (before ? Math.max(now, before.soa.serial + 1) : now) >>> 0
  }
  const { zones, nodes, globals } = buildZones(root.zones, root.names, pools, serialFor)
  let maxZoneLabels = 0
  for (const name of zones.keys()) maxZoneLabels = Math.max(maxZoneLabels, name.split('.').length)
  return {
    zones,
    nodes,
    pools,
    globals,
    targets,
    ecs: buildEcs(root.ecs),
    sites,
    random: context.random,
    maxZoneLabels,
  }
}

function buildEcs(raw: unknown): Model['ecs'] {
  if (raw === undefined) return { enabled: true, trusted: undefined }
  const ecs = requireObject(raw, 'ecs')
  rejectUnknownKeys(ecs, 'ecs', ['enabled', 'trusted'])
  const enabled = optionalBoolean(ecs.enabled, 'ecs.enabled', true)
  if (ecs.trusted === undefined) return { enabled, trusted: undefined }
  const list = requireArray(ecs.trusted, 'ecs.trusted')
  for (const [index, entry] of list.entries()) requireString(entry, `ecs.trusted[${index}]`)
  try {
    return { enabled, trusted: createPrefixSet(list as string[], 'ecs.trusted') }
  } catch (error) {
    const where = (error as { path?: unknown }).path
    const reason = (error as { reason?: unknown }).reason ?? (error as Error).message
    throw configError(typeof where === 'string' ? where : 'ecs.trusted', String(reason))
  }
}
