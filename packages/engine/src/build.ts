import { createPrefixSet, createTopology, type Topology, type TopologyOptions } from '@gslb/topology'
import { buildPools } from './build-pools.js'
import { buildZones } from './build-zones.js'
import { configError } from './errors.js'
import type { HealthTargetSpec, MemberHealth, Model } from './model.js'
import { type SoaSerialState, zoneSerial } from './serial.js'
import {
  isPlainObject,
  keyPath,
  optionalBoolean,
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
  const root = requireObject(config, 'config')
  rejectUnknownKeys(root, 'config', CONFIG_KEYS)
  const { sitesOptions, resolversOption } = splitTopology(root.topology)
  const sites = context.sitesFor(sitesOptions)
  const resolvers = buildResolvers(resolversOption, sites)
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
  const serialFor = (zone: string, fingerprint: string): number =>
    zoneSerial(context.soaState?.[zone], fingerprint)
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

export function buildResolvers(raw: unknown, sites: Topology | undefined): Topology | undefined {
  if (raw === undefined) return undefined
  const path = 'topology.resolvers'
  const byDatacenter = requireObject(raw, path)
  const known = new Set(sites?.datacenters ?? [])
  for (const [datacenter, list] of Object.entries(byDatacenter)) {
    const where = keyPath(path, datacenter)
    if (!known.has(datacenter))
      throw configError(where, `'${datacenter}' is not a datacenter of topology.datacenters`)
    const addresses = requireArray(list, where)
    for (const [index, entry] of addresses.entries()) requireString(entry, `${where}[${index}]`)
  }
  try {
    return createTopology({ datacenters: byDatacenter as Record<string, string[]> })
  } catch (error) {
    const where = (error as { path?: unknown }).path
    const reason = (error as { reason?: unknown }).reason ?? (error as Error).message
    const inner = typeof where === 'string' ? where.replace(/^datacenters\.?/, '') : ''
    throw configError(inner === '' ? path : `${path}.${inner}`, String(reason))
  }
}

export function buildEcs(raw: unknown): Model['ecs'] {
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
