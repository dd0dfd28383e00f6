import { validateTarget } from '@gslb/health'
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
import type { ParsedIp } from './ip.js'
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
  knownList,
  optionalBoolean,
  optionalEnum,
  optionalInteger,
  type Problems,
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

export interface PoolsBuild {
  /** The pools without problems. */
  pools: Map<string, PoolModel>
  /** Pools whose problems are recorded: what refers to them is not reported again. */
  broken: Set<string>
}

/** Builds every pool, each on its own: the problems of all of them are recorded in `problems`. */
export function buildPools(raw: unknown, context: PoolBuildContext, problems: Problems): PoolsBuild {
  const built: PoolsBuild = { pools: new Map(), broken: new Set() }
  if (raw === undefined) return built
  const object = problems.check(undefined, () => requireObject(raw, 'pools'))
  if (object === undefined) return built
  const names = Object.keys(object)
  if (names.length > MAX_POOLS) {
    problems.add(configError('pools', `has ${names.length} pools; at most ${MAX_POOLS}`))
    for (const name of names) built.broken.add(name)
    return built
  }
  for (const name of names) {
    const path = keyPath('pools', name)
    const before = problems.count
    problems.check(undefined, () => requireIdentifier(name, path))
    const pool = buildPool(name, object[name], path, context, problems)
    if (pool !== undefined && problems.count === before) built.pools.set(name, pool)
    else built.broken.add(name)
  }
  return built
}

function buildPool(
  name: string,
  raw: unknown,
  path: string,
  context: PoolBuildContext,
  problems: Problems,
): PoolModel | undefined {
  const pool = problems.check(undefined, () => requireObject(raw, path))
  if (pool === undefined) return undefined
  rejectUnknownKeys(pool, path, POOL_KEYS, problems)
  // Unknown when the method itself is at fault: the rules that depend on it are then not applied.
  const method = problems.check(undefined, () =>
    optionalEnum(pool.method, `${path}.method`, METHODS, DEFAULT_METHOD),
  )
  const defaultMax = method === 'all' ? DEFAULT_MAX_ANSWERS_ALL : DEFAULT_MAX_ANSWERS
  const maxAnswers = problems.check(defaultMax, () =>
    optionalInteger(pool.maxAnswers, `${path}.maxAnswers`, 1, MAX_ANSWERS_LIMIT, defaultMax),
  )
  const maxAnswersViaResolver =
    method === undefined
      ? maxAnswers
      : problems.check(maxAnswers, () => viaResolverAnswers(pool, path, method, maxAnswers))
  const allDown = buildAllDown(pool.allDown, `${path}.allDown`, problems)
  const unknownAs = problems.check(DEFAULT_UNKNOWN_AS, () =>
    optionalEnum(pool.unknownAs, `${path}.unknownAs`, ['up', 'down'] as const, DEFAULT_UNKNOWN_AS),
  )

  const ordered = buildMembers(name, pool.members, `${path}.members`, method, context, problems)
  const monitors = problems.check([], () =>
    pool.monitors === undefined ? [] : requireArray(pool.monitors, `${path}.monitors`),
  )
  monitors.forEach((monitor, index) => {
    addMonitor(monitor, index, `${path}.monitors[${index}]`, ordered, context, problems)
  })
  if (method === undefined) return undefined

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

/** The members without problems, in priority order (ties in config order); every member's problems recorded. */
function buildMembers(
  pool: string,
  raw: unknown,
  path: string,
  method: PoolMethod | undefined,
  context: PoolBuildContext,
  problems: Problems,
): MemberModel[] {
  const rawMembers = problems.check([], () => requireArray(raw, path))
  if (Array.isArray(raw) && rawMembers.length === 0)
    problems.add(configError(path, 'must list at least one member'))
  if (rawMembers.length > MAX_MEMBERS_PER_POOL) {
    problems.add(configError(path, `has ${rawMembers.length} members; at most ${MAX_MEMBERS_PER_POOL}`))
    return []
  }
  const seen = new Set<string>()
  const members: { member: MemberModel; index: number }[] = []
  rawMembers.forEach((rawMember, index) => {
    const memberPath = `${path}[${index}]`
    const member = buildMember(pool, rawMember, memberPath, method, context, problems)
    const name = isPlainObject(rawMember) ? rawMember.name : undefined
    if (typeof name !== 'string') return
    if (seen.has(name)) problems.add(configError(`${memberPath}.name`, `'${name}' is used twice`))
    else if (member !== undefined) members.push({ member, index })
    seen.add(name)
  })
  members.sort((x, y) => x.member.priority - y.member.priority || x.index - y.index)
  return members.map(({ member }, rank) => {
    member.rank = rank
    return member
  })
}

/** Registers a monitor's health target for every member; @gslb/health's own validation refuses a bad monitor. */
function addMonitor(
  monitor: unknown,
  index: number,
  path: string,
  members: readonly MemberModel[],
  context: PoolBuildContext,
  problems: Problems,
): void {
  const spec = problems.check(undefined, () => requireObject(monitor, path))
  if (spec === undefined) return
  const before = problems.count
  for (const key of ['id', 'address']) {
    if (key in spec)
      problems.add(configError(`${path}.${key}`, 'is set by the engine (pool/member id, member address)'))
  }
  problems.check(undefined, () => optionalInteger(spec.port, `${path}.port`, 1, 65535, 1))
  if (!isPlainObject(spec.monitor))
    problems.add(configError(`${path}.monitor`, 'must be a monitor object ({ type: ... })'))
  if (problems.count > before) return
  // With no usable member the monitor is still checked, against a stand-in address (RFC 5737).
  const targets =
    members.length === 0
      ? [{ memberId: '', target: { ...spec, id: 'check', address: '192.0.2.1' } }]
      : members.map((member) => ({
          memberId: member.id,
          target: {
            ...spec,
            id: index === 0 ? member.id : `${member.id}${TARGET_ID_SEPARATOR}${index}`,
            address: member.monitorAddress,
          },
        }))
  for (const { memberId, target } of targets) {
    const issues = validateTarget(target)
    for (const issue of issues) {
      const where = issue.path.startsWith('target.') ? `${path}.${issue.path.slice('target.'.length)}` : path
      problems.add(configError(where, issue.message))
    }
    if (issues.length > 0) return
    if (memberId !== '') context.targets.set(target.id, { memberId, target })
  }
}

/** A member, or undefined when it has problems (each of them recorded). */
function buildMember(
  pool: string,
  raw: unknown,
  path: string,
  method: PoolMethod | undefined,
  context: PoolBuildContext,
  problems: Problems,
): MemberModel | undefined {
  const member = problems.check(undefined, () => requireObject(raw, path))
  if (member === undefined) return undefined
  const before = problems.count
  rejectUnknownKeys(member, path, MEMBER_KEYS, problems)
  const name = problems.check(undefined, () => requireIdentifier(member.name, `${path}.name`))
  const ip = problems.check(undefined, () => requireAddress(member.address, `${path}.address`))
  const monitorAddress = problems.check(undefined, () =>
    member.monitorAddress === undefined
      ? ip?.text
      : requireAddress(member.monitorAddress, `${path}.monitorAddress`).text,
  )
  const datacenter = problems.check(undefined, () => memberDatacenter(member, path, method, context))
  const weight = problems.check(DEFAULT_WEIGHT, () =>
    optionalInteger(member.weight, `${path}.weight`, 1, MAX_WEIGHT, DEFAULT_WEIGHT),
  )
  const priority = problems.check(DEFAULT_PRIORITY, () =>
    optionalInteger(member.priority, `${path}.priority`, -1_000_000, 1_000_000, DEFAULT_PRIORITY),
  )
  const enabled = problems.check(true, () => optionalBoolean(member.enabled, `${path}.enabled`, true))
  if (problems.count > before || name === undefined || ip === undefined || monitorAddress === undefined)
    return undefined
  const id = `${pool}${TARGET_ID_SEPARATOR}${name}`
  return {
    id,
    pool,
    name,
    ip,
    datacenter,
    weight,
    priority,
    enabled,
    monitorAddress,
    rank: 0,
    health: context.healthFor(id),
  }
}

function memberDatacenter(
  member: Record<string, unknown>,
  path: string,
  method: PoolMethod | undefined,
  context: PoolBuildContext,
): string | undefined {
  if (member.datacenter === undefined) {
    if (method === 'topology')
      throw configError(`${path}.datacenter`, "is required: the pool's method is 'topology'")
    return undefined
  }
  const datacenter = requireString(member.datacenter, `${path}.datacenter`)
  if (context.datacenters && !context.datacenters.has(datacenter)) {
    throw configError(
      `${path}.datacenter`,
      `'${datacenter}' is not a datacenter of topology.datacenters (datacenters: ${knownList(context.datacenters)})`,
    )
  }
  return datacenter
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

function buildAllDown(raw: unknown, path: string, problems: Problems): AllDownModel {
  const fallback: AllDownModel = { kind: DEFAULT_ALL_DOWN }
  if (raw === undefined) return fallback
  if (Array.isArray(raw)) {
    if (raw.length === 0) {
      problems.add(configError(path, "lists no fallback address (use 'empty' for an empty answer)"))
      return fallback
    }
    const before = problems.count
    const addresses = raw.map((address, index) =>
      problems.check(undefined, () => requireAddress(address, `${path}[${index}]`)),
    )
    if (problems.count > before) return fallback
    return { kind: 'fallback', addresses: addresses as ParsedIp[] }
  }
  return problems.check(fallback, () => ({
    kind: optionalEnum(raw, path, ['any', 'refuse', 'empty'] as const, DEFAULT_ALL_DOWN),
  }))
}
