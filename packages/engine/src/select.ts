import type { Topology } from '@gslb/topology'
import type { Family, MemberModel, PoolModel } from './model.js'

/**
 * Choosing members of a pool for one answer. Everything that depends only on health is computed once per
 * health change (per pool and family) and cached on the pool; a query then costs a cache check and, for weighted
 * methods, one random draw.
 */

export type SelectionOutcome = 'healthy' | 'all-down' | 'no-members'

export interface Selection {
  outcome: SelectionOutcome
  /** Members to answer with, best first (empty when the pool has no member of the family, or all are down). */
  members: readonly MemberModel[]
}

/** A set of members to choose from: the healthy ones, or (for all-down action `any`) every enabled one. */
export interface Group {
  members: MemberModel[]
  totalWeight: number
  byDatacenter: Map<string, { members: MemberModel[]; totalWeight: number }>
  datacenters: Set<string>
  /** failover/all answer (independent of the client), computed on first use. */
  fixed: MemberModel[] | undefined
  /** topology: datacenter order per client datacenter ('' = unknown client). */
  orders: Map<string, readonly string[]>
}

export interface FamilyState {
  version: number
  healthy: Group
  enabled: Group
}

/** Whether a member counts as up for answering. Drained and disabled members never do. */
export function countsUp(member: MemberModel, unknownAs: 'up' | 'down'): boolean {
  if (!member.enabled || member.health.drained) return false
  const state = member.health.effective
  return state === 'up' || (state === 'unknown' && unknownAs === 'up')
}

export function familyState(pool: PoolModel, family: Family): FamilyState {
  const cached = pool.cache[family] as FamilyState | undefined
  if (cached && cached.version === pool.version.value) return cached
  const all = pool.byFamily[family]
  const state: FamilyState = {
    version: pool.version.value,
    healthy: makeGroup(all.filter((m) => countsUp(m, pool.unknownAs))),
    enabled: makeGroup(all.filter((m) => m.enabled)),
  }
  pool.cache[family] = state
  return state
}

function makeGroup(members: MemberModel[]): Group {
  const byDatacenter = new Map<string, { members: MemberModel[]; totalWeight: number }>()
  let totalWeight = 0
  for (const member of members) {
    totalWeight += member.weight
    if (member.datacenter === undefined) continue
    const entry = byDatacenter.get(member.datacenter) ?? { members: [], totalWeight: 0 }
    entry.members.push(member)
    entry.totalWeight += member.weight
    byDatacenter.set(member.datacenter, entry)
  }
  return {
    members,
    totalWeight,
    byDatacenter,
    datacenters: new Set(byDatacenter.keys()),
    fixed: undefined,
    orders: new Map(),
  }
}

/** Where the asker is, as far as a topology pool is concerned. */
export interface Asker {
  datacenter: string | undefined
  /**
   * The query came through a resolver that caches and may reorder the answer for others (it carried ECS, or its
   * source is a listed resolver or in no datacenter): a topology pool gives it `maxAnswersViaResolver` addresses.
   */
  viaResolver: boolean
}

const NOWHERE: Asker = { datacenter: undefined, viaResolver: true }

/** Selects the members answering a query of `family` for `asker`. */
export function select(
  pool: PoolModel,
  family: Family,
  asker: Asker = NOWHERE,
  sites: Topology | undefined = undefined,
  random: () => number = Math.random,
): Selection {
  if (pool.byFamily[family].length === 0) return { outcome: 'no-members', members: [] }
  const state = familyState(pool, family)
  if (state.healthy.members.length > 0) {
    return { outcome: 'healthy', members: pick(pool, state.healthy, asker, sites, random) }
  }
  if (pool.allDown.kind !== 'any') return { outcome: 'all-down', members: [] }
  return { outcome: 'all-down', members: pick(pool, state.enabled, asker, sites, random) }
}

export function pick(
  pool: PoolModel,
  group: Group,
  asker: Asker,
  sites: Topology | undefined,
  random: () => number,
): MemberModel[] {
  if (group.members.length === 0) return []
  switch (pool.method) {
    case 'failover':
    case 'all':
      group.fixed ??= group.members.slice(0, pool.maxAnswers)
      return group.fixed
    case 'wrr':
      return weightedOrder(group.members, group.totalWeight, pool.maxAnswers, random)
    case 'topology': {
      const max = asker.viaResolver ? pool.maxAnswersViaResolver : pool.maxAnswers
      const out: MemberModel[] = []
      for (const datacenter of datacenterOrder(group, asker.datacenter, sites)) {
        const entry = group.byDatacenter.get(datacenter)
        if (!entry) continue
        const chosen = weightedOrder(entry.members, entry.totalWeight, max - out.length, random)
        for (const member of chosen) out.push(member)
        if (out.length >= max) break
      }
      return out
    }
  }
}

/** The datacenters of `group`, best first for the client; any the topology left out follow in config order. */
export function datacenterOrder(
  group: Group,
  clientDatacenter: string | undefined,
  sites: Topology | undefined,
): readonly string[] {
  const key = clientDatacenter ?? ''
  const cached = group.orders.get(key)
  if (cached) return cached
  const preferred = sites ? sites.preferenceOrder(clientDatacenter, group.datacenters) : []
  const order: string[] = []
  for (const datacenter of preferred) {
    if (group.datacenters.has(datacenter) && !order.includes(datacenter)) order.push(datacenter)
  }
  for (const datacenter of group.datacenters) if (!order.includes(datacenter)) order.push(datacenter)
  group.orders.set(key, order)
  return order
}

/**
 * Up to `count` members drawn by weight without replacement: the first is the weighted choice, the rest the
 * next-best in the same manner, so a client that walks the list still spreads by weight.
 */
export function weightedOrder(
  members: MemberModel[],
  totalWeight: number,
  count: number,
  random: () => number,
): MemberModel[] {
  if (count <= 0) return []
  if (members.length === 1) return members
  if (count === 1) return [drawOne(members, totalWeight, random)]
  const rest = members.slice()
  let remaining = totalWeight
  const out: MemberModel[] = []
  while (out.length < count && rest.length > 0) {
    const chosen = drawOne(rest, remaining, random)
    out.push(chosen)
    rest.splice(rest.indexOf(chosen), 1)
    remaining -= chosen.weight
  }
  return out
}

function drawOne(members: MemberModel[], totalWeight: number, random: () => number): MemberModel {
  let ticket = random() * totalWeight
  for (const member of members) {
    ticket -= member.weight
    if (ticket < 0) return member
  }
  return members[members.length - 1]!
}
