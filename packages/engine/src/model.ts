import type { PrefixSet, Topology } from '@gslb/topology'
import type { ParsedIp } from './ip.js'
import type { ResourceRecord } from './wire/index.js'

/** The engine's compiled, immutable view of one config. A config update builds a new Model and swaps it in. */

export type Family = 4 | 6
export type PoolMethod = 'failover' | 'wrr' | 'topology' | 'all'
export type ObservedHealth = 'unknown' | 'up' | 'down'

/** Health of one member. Owned by the HealthStore and shared by successive models, so updates keep it. */
export interface MemberHealth {
  observed: ObservedHealth
  /** After admin overrides: force-up/force-down pin it; a drained member is `drained`, whatever its observed state. */
  effective: ObservedHealth
  drained: boolean
  /** Where the state came from last: nothing yet, the HealthChecker, or `engine.setHealth()`. */
  source: 'none' | 'checker' | 'pushed'
}

export interface MemberModel {
  /** Health target id, `pool/member`. */
  id: string
  pool: string
  name: string
  ip: ParsedIp
  datacenter: string | undefined
  weight: number
  priority: number
  enabled: boolean
  monitorAddress: string
  /** Position in the pool's priority order. */
  rank: number
  health: MemberHealth
}

export type AllDownModel =
  | { kind: 'any' }
  | { kind: 'refuse' }
  | { kind: 'empty' }
  | { kind: 'fallback'; addresses: ParsedIp[] }

export interface PoolModel {
  name: string
  method: PoolMethod
  maxAnswers: number
  /** topology: answers for a query that came through a resolver (≤ maxAnswers). */
  maxAnswersViaResolver: number
  allDown: AllDownModel
  unknownAs: 'up' | 'down'
  /** Members in priority order (priority ascending, then config order). */
  members: MemberModel[]
  byFamily: Record<Family, MemberModel[]>
  /** Bumped whenever a member's health changes; selection caches compare against it. */
  version: { value: number }
  /** Selection state per family, rebuilt lazily when `version` moved (see select.ts). */
  cache: Record<Family, unknown>
}

export interface GlobalNameModel {
  name: string
  pool: PoolModel
  ttl: number
  /** Precomputed answer record per member, indexed by `member.rank`. */
  records: ResourceRecord[]
  fallback: Record<Family, ResourceRecord[]>
}

export type SoaRecord = Extract<ResourceRecord, { type: 'SOA' }>

export interface ZoneModel {
  name: string
  soa: SoaRecord
  /** The SOA as put in the authority section of negative answers: TTL = min(SOA TTL, minimum) (RFC 2308). */
  negativeSoa: SoaRecord
  ns: ResourceRecord[]
  glue: ResourceRecord[]
  /** zoneFingerprint() of what the zone serves (records, names, pools; no health); a change moves an automatic serial. */
  fingerprint: string
  serialMode: 'auto' | 'fixed'
}

export interface NodeModel {
  name: string
  zone: ZoneModel
  a: ResourceRecord[]
  aaaa: ResourceRecord[]
  txt: ResourceRecord[]
  cname: { name: string; type: 'CNAME'; ttl: number; target: string } | undefined
  global: GlobalNameModel | undefined
}

export interface HealthTargetSpec {
  memberId: string
  /** The target as handed to the HealthChecker (`id` is `pool/member`, or `pool/member/N` for the N-th monitor). */
  target: Record<string, unknown> & { id: string; address: string }
}

export interface Model {
  zones: Map<string, ZoneModel>
  /** Every name that exists in a zone: owners of records, global names and empty non-terminals. */
  nodes: Map<string, NodeModel>
  pools: Map<string, PoolModel>
  globals: Map<string, GlobalNameModel>
  /** Health targets by id. */
  targets: Map<string, HealthTargetSpec>
  /** `trusted` undefined: every sender is trusted for ECS. */
  ecs: { enabled: boolean; trusted: PrefixSet | undefined }
  /** Client address → datacenter and site preference order (undefined without topology). */
  sites: Topology | undefined
  /** Resolver address → the datacenter it asks for (`topology.resolvers`), looked up before `sites` without ECS. */
  resolvers: Topology | undefined
  /** Random source in [0, 1) for weighted choices. */
  random: () => number
  /** Longest zone name in labels, to bound the zone search. */
  maxZoneLabels: number
}
