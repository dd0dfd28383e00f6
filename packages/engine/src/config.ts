import type { Target } from '@gslb/health'

/**
 * A @gslb/health target without `id` and `address`: the engine fills those in per member (`pool/member`, the
 * member's `monitorAddress`). `port` and `monitor` are required; timing fields default to the checker's.
 */
export type PoolMonitorConfig = Omit<Target, 'id' | 'address'>

/** The engine's configuration as the embedding program (or the CLI's JSON file) gives it. */
export interface EngineConfig {
  /** Delegated zones, by name (e.g. `dicom.mysite.com`). */
  zones: Record<string, ZoneConfig>
  /** Pools of members (site addresses), by name. */
  pools?: Record<string, PoolConfig>
  /** Global names (full names inside a zone) answered from a pool. */
  names?: Record<string, GlobalNameConfig>
  /** Subnets of each datacenter and site preference order; needed by pools with method `topology`. */
  topology?: TopologyConfig
  ecs?: EcsConfig
}

export interface ZoneConfig {
  soa?: SoaConfig
  /** The zone's name servers (at least one); a plain string is a name without glue. Names inside the zone need glue `addresses`. */
  ns: (NameServerConfig | string)[]
  nsTtl?: number
  records?: StaticRecordConfig[]
}

export interface SoaConfig {
  /** Primary name server; default the first NS name. */
  mname?: string
  /** Responsible mailbox, `hostmaster@example.org` or `hostmaster.example.org`; default `hostmaster.<zone>`. */
  rname?: string
  /** `'auto'` (default): a time-based serial that increases whenever the zone's config changes. */
  serial?: number | 'auto'
  refresh?: number
  retry?: number
  expire?: number
  /** Negative-caching TTL (RFC 2308). */
  minimum?: number
  /** TTL of the SOA record itself. */
  ttl?: number
}

export interface NameServerConfig {
  name: string
  /** Glue addresses (IPv4 and/or IPv6); required when `name` is inside the zone, refused otherwise. */
  addresses?: string[]
}

export interface StaticRecordConfig {
  /** Relative to the zone (`www`, `@` for the apex) or a full name inside it. */
  name: string
  type: 'A' | 'AAAA' | 'CNAME' | 'TXT'
  /** An address, a CNAME target, or TXT text; a list makes one record per entry. */
  value: string | string[]
  ttl?: number
}

export interface GlobalNameConfig {
  pool: string
  /** TTL of the answer; default 5 s. */
  ttl?: number
}

export type PoolMethod = 'failover' | 'wrr' | 'topology' | 'all'
/** What to answer when no member of the asked family is up: serve every enabled member, REFUSED, NODATA, or these addresses. */
export type AllDownAction = 'any' | 'refuse' | 'empty' | string[]

export interface PoolConfig {
  method?: PoolMethod
  members: MemberConfig[]
  /** Monitors, each registered per member in the given HealthChecker; none: health comes from `setHealth`. */
  monitors?: PoolMonitorConfig[]
  /** How many addresses an answer holds: the chosen one first, then the next best. Default 1 (8 for `all`). */
  maxAnswers?: number
  /**
   * Topology pools only: how many addresses a query that came through a resolver gets — one with ECS, one from an
   * address listed in `topology.resolvers`, or one from an address in no datacenter. Such a resolver caches the
   * answer and may reorder its records for everyone it serves (BIND and unbound rotate them), so the default 1 keeps
   * "own site first" true. Askers inside a datacenter subnet (this node's own resolver, a modality asking
   * directly) get `maxAnswers`, in site order.
   */
  maxAnswersViaResolver?: number
  allDown?: AllDownAction
  /** How a member whose health is not known yet counts: as `up` (default) or as `down`. */
  unknownAs?: 'up' | 'down'
}

export interface MemberConfig {
  name: string
  address: string
  datacenter?: string
  weight?: number
  /** Lower is preferred (failover order); ties keep config order. */
  priority?: number
  enabled?: boolean
  /** Address the monitors check when it differs from the served address. */
  monitorAddress?: string
}

export interface TopologyConfig {
  datacenters: Record<string, string[]>
  preferences?: Record<string, string[]>
  /**
   * Resolvers (askers) that stand for a datacenter's clients, by datacenter: a query from one of these addresses
   * without ECS counts as coming from that datacenter (site-local resolvers outside the datacenter's subnets).
   */
  resolvers?: Record<string, string[]>
}

export interface EcsConfig {
  /** Use EDNS Client Subnet at all (default true). */
  enabled?: boolean
  /** Senders whose ECS option is believed (CIDRs); default everyone. */
  trusted?: string[]
}
