import type { FleetNodeView } from '../config/fleet.js'
import type { Endpoint } from '../config/types.js'

/** One health-checked thing (a pool member or a service server) as `GET /status` shows it. */
export interface TargetView {
  id: string
  address: string
  port: number
  /** Effective state: what traffic follows ('unknown' | 'up' | 'down' | 'drain'). */
  state: string
  observed: string
  admin: string | null
  since?: number
  lastCheck?: { ok: boolean; message: string; at: number; durationMs: number } | null
}

export interface MemberView extends TargetView {
  name: string
  datacenter?: string
}

export interface SiteView {
  name: string
  /** This node's own site (node.site). */
  self: boolean
  subnets: number
  members: { pool: string; member: string; address: string; state: string }[]
}

export interface PoolView {
  name: string
  method: string
  members: MemberView[]
}

export interface ResolverView {
  name: string
  nameservers: string[]
  names: {
    name: string
    state: string
    addresses: readonly string[]
    lastError?: string | null
    /** The nameserver that gave the current addresses (null before the first answer). */
    nameserver?: string | null
    lastSuccess?: number | null
    /** Set while every nameserver fails and the last good addresses are kept. */
    lastGood?: { addresses: readonly string[]; answeredAt: number; keptSince: number; until: number } | null
  }[]
}

export interface ServerView extends TargetView {
  connections?: number
}

export interface ServiceView {
  name: string
  listen: Endpoint[]
  listening: boolean
  connections: { active: number; total: number }
  /** 0 = unlimited. */
  limits: { maxConnections: number; maxConnectionsPerClient: number }
  servers: ServerView[]
}

/** What `GET /status` returns. */
export interface NodeStatus {
  node: {
    name: string
    site?: string
    version: string
    pid: number
    startedAt: string
    uptimeMs: number
    configFile?: string
    configLoadedAt: string
    /** First 12 hex digits of the SHA-256 of the config file's canonical JSON: differs between nodes ⇔ drift. */
    configFingerprint?: string
    /** A planned stop is under way (the node reports itself unfit). */
    stopping?: boolean
    reloads: { applied: number; rejected: number; lastError?: string }
  }
  /** The fleet of the config file (a fleet of one for a single-node file): every node and its admin API. */
  fleet?: {
    name?: string
    fingerprint: string
    nodes: (FleetNodeView & { self: boolean })[]
  }
  /** The service VIPs on this host's interfaces now. */
  vips: string[]
  engine: { listening: Endpoint[] } | null
  /** The datacenters of the topology, with the pool members in each and their state. */
  sites: SiteView[]
  pools: PoolView[]
  resolvers: ResolverView[]
  services: ServiceView[]
}
