import { resolveTarget } from '@gslb/health'
import {
  DEFAULT_ALL_DOWN,
  DEFAULT_MAX_ANSWERS,
  DEFAULT_MAX_ANSWERS_ALL,
  DEFAULT_MAX_ANSWERS_VIA_RESOLVER,
  DEFAULT_METHOD,
  DEFAULT_PRIORITY,
  DEFAULT_UNKNOWN_AS,
  DEFAULT_WEIGHT,
  MAX_ANSWERS_LIMIT,
  MAX_MEMBERS_PER_POOL,
  MAX_POOLS,
  MAX_WEIGHT,
  TARGET_ID_SEPARATOR,
} from './constants.js'
import { configError } from './errors.js'
import type {
  AllDownModel,
  HealthTargetSpec,
  MemberHealth,
  MemberModel,
  PoolMethod,
  PoolModel,
} from './model.js'
import {
  isPlainObject,
  keyPath,
  optionalBoolean,
  optionalEnum,
  optionalInteger,
  rejectUnknownKeys,
  requireAddress,
  requireArray,
  requireIdentifier,
  requireObject,
  requireString,
} from './validate.js'

const METHODS: readonly PoolMethod[] = ['failover', 'wrr', 'topology', 'all']
const POOL_KEYS = [
  'method',
  'members',
  'monitors',
  'maxAnswers',
  'maxAnswersViaResolver',
  'allDown',
  'unknownAs',
]
const MEMBER_KEYS = ['name', 'address', 'datacenter', 'weight', 'priority', 'enabled', 'monitorAddress']

export interface PoolBuildContext {
  /** The live health object for a member id (kept from the previous model, or a fresh 'unknown' one). */
  healthFor(id: string): MemberHealth
  /** Datacenters known to the topology, when there is one. */
  datacenters: ReadonlySet<string> | undefined
  targets: Map<string, HealthTargetSpec>
}

export function buildPools(raw: unknown, context: PoolBuildContext): Map<string, PoolModel> {
  const pools = new Map<string, PoolModel>()
  if (raw === undefined) return pools
  const object = requireObject(raw, 'pools')
  const names = Object.keys(object)
  if (names.length > MAX_POOLS) throw configError('pools', `has ${names.length} pools; at most ${MAX_POOLS}`)
  for (const name of names) {
    const path = keyPath('pools', name)
    requireIdentifier(name, path)
    pools.set(name, buildPool(name, object[name], path, context))
  }
  return pools
}

function buildPool(name: string, raw: unknown, path: string, context: PoolBuildContext): PoolModel {
  const pool = requireObject(raw, path)
  rejectUnknownKeys(pool, path, POOL_KEYS)
  const method = optionalEnum(pool.method, `${path}.method`, METHODS, DEFAULT_METHOD)
  const defaultMax = method === 'all' ? DEFAULT_MAX_ANSWERS_ALL : DEFAULT_MAX_ANSWERS
  const maxAnswers = optionalInteger(pool.maxAnswers, `${path}.maxAnswers`, 1, MAX_ANSWERS_LIMIT, defaultMax)
  const maxAnswersViaResolver = viaResolverAnswers(pool, path, method, maxAnswers)
  const allDown = buildAllDown(pool.allDown, `${path}.allDown`)
  const unknownAs = optionalEnum(
    pool.unknownAs,
    `${path}.unknownAs`,
    ['up', 'down'] as const,
    DEFAULT_UNKNOWN_AS,
  )

  const rawMembers = requireArray(pool.members, `${path}.members`)
  if (rawMembers.length === 0) throw configError(`${path}.members`, 'must list at least one member')
  if (rawMembers.length > MAX_MEMBERS_PER_POOL) {
    throw configError(`${path}.members`, `has ${rawMembers.length} members; at most ${MAX_MEMBERS_PER_POOL}`)
  }
  const seen = new Set<string>()
  const members = rawMembers.map((rawMember, index) => {
    const member = buildMember(name, rawMember, `${path}.members[${index}]`, method, context)
    if (seen.has(member.name))
      throw configError(`${path}.members[${index}].name`, `'${member.name}' is used twice`)
    seen.add(member.name)
    return { member, index }
  })
  members.sort((x, y) => x.member.priority - y.member.priority || x.index - y.index)
  const ordered = members.map(({ member }, rank) => {
    member.rank = rank
    return member
  })

  const monitors = pool.monitors === undefined ? [] : requireArray(pool.monitors, `${path}.monitors`)
  monitors.forEach((monitor, index) => {
    const monitorPath = `${path}.monitors[${index}]`
    const spec = requireObject(monitor, monitorPath)
    for (const key of ['id', 'address']) {
      if (key in spec)
        throw configError(`${monitorPath}.${key}`, 'is set by the engine (pool/member id, member address)')
    }
    optionalInteger(spec.port, `${monitorPath}.port`, 1, 65535, 1)
    if (!isPlainObject(spec.monitor))
      throw configError(`${monitorPath}.monitor`, 'must be a monitor object ({ type: ... })')
    for (const member of ordered) {
      const id = index === 0 ? member.id : `${member.id}${TARGET_ID_SEPARATOR}${index}`
      const target = { ...spec, id, address: member.monitorAddress }
      checkTarget(target, monitorPath)
      context.targets.set(id, { memberId: member.id, target })
    }
  })

  return {
    name,
    method,
    maxAnswers,
    maxAnswersViaResolver,
    allDown,
    unknownAs,
    members: ordered,
    byFamily: { 4: ordered.filter((m) => m.ip.family === 4), 6: ordered.filter((m) => m.ip.family === 6) },
    version: { value: 0 },
    cache: { 4: undefined, 6: undefined },
  }
}

function buildMember(
  pool: string,
  raw: unknown,
  path: string,
  method: PoolMethod,
  context: PoolBuildContext,
): MemberModel {
  const member = requireObject(raw, path)
  rejectUnknownKeys(member, path, MEMBER_KEYS)
  const name = requireIdentifier(member.name, `${path}.name`)
  const ip = requireAddress(member.address, `${path}.address`)
  const monitorAddress =
    member.monitorAddress === undefined
      ? ip.text
      : requireAddress(member.monitorAddress, `${path}.monitorAddress`).text
  let datacenter: string | undefined
  if (member.datacenter !== undefined) {
    datacenter = requireString(member.datacenter, `${path}.datacenter`)
    if (context.datacenters && !context.datacenters.has(datacenter)) {
      throw configError(`${path}.datacenter`, `'${datacenter}' is not a datacenter of topology.datacenters`)
    }
  } else if (method === 'topology') {
    throw configError(`${path}.datacenter`, "is required: the pool's method is 'topology'")
  }
  const id = `${pool}${TARGET_ID_SEPARATOR}${name}`
  return {
    id,
    pool,
    name,
    ip,
    datacenter,
    weight: optionalInteger(member.weight, `${path}.weight`, 1, MAX_WEIGHT, DEFAULT_WEIGHT),
    priority: optionalInteger(member.priority, `${path}.priority`, -1_000_000, 1_000_000, DEFAULT_PRIORITY),
    enabled: optionalBoolean(member.enabled, `${path}.enabled`, true),
    monitorAddress,
    rank: 0,
    health: context.healthFor(id),
  }
}

/** Lets @gslb/health validate the monitor now, so a bad one fails the whole config before anything changes. */
function checkTarget(target: Record<string, unknown>, path: string): void {
  try {
    resolveTarget(target)
  } catch (error) {
    const field = (error as { field?: unknown }).field
    const where =
      typeof field === 'string' && field.startsWith('target.') ? `${path}.${field.slice(7)}` : path
    const text = error instanceof Error ? error.message : String(error)
    const message = text.replace(`invalid target: ${String(field)} `, '').replace(/^invalid target: /, '')
    throw configError(where, message)
  }
}

function viaResolverAnswers(
  pool: Record<string, unknown>,
  path: string,
  method: PoolMethod,
  maxAnswers: number,
): number {
  const where = `${path}.maxAnswersViaResolver`
  if (method !== 'topology') {
    if (pool.maxAnswersViaResolver !== undefined) {
      throw configError(where, 'applies to topology pools only (other methods answer everyone alike)')
    }
    return maxAnswers
  }
  const value = optionalInteger(
    pool.maxAnswersViaResolver,
    where,
    1,
    MAX_ANSWERS_LIMIT,
    Math.min(DEFAULT_MAX_ANSWERS_VIA_RESOLVER, maxAnswers),
  )
  if (value > maxAnswers) throw configError(where, `is ${value}, more than maxAnswers (${maxAnswers})`)
  return value
}

function buildAllDown(raw: unknown, path: string): AllDownModel {
  if (raw === undefined) return { kind: DEFAULT_ALL_DOWN }
  if (Array.isArray(raw)) {
    if (raw.length === 0)
      throw configError(path, "lists no fallback address (use 'empty' for an empty answer)")
    return {
      kind: 'fallback',
      addresses: raw.map((address, index) => requireAddress(address, `${path}[${index}]`)),
    }
  }
  const kind = optionalEnum(raw, path, ['any', 'refuse', 'empty'] as const, DEFAULT_ALL_DOWN)
  return { kind }
}
