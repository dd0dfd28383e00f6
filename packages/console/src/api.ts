/**
 * The admin API's JSON, as the console and other tools read it. The node (`@gslb/cli`) builds these shapes; its
 * own status types are checked against them, so a field renamed there fails the CLI's typecheck.
 */
import type { Explanation } from '@gslb/engine'

export type { Explanation }

/** Effective state: what traffic follows. */
export type TargetState = 'unknown' | 'up' | 'down' | 'drain'
export type AdminOverride = 'force-up' | 'force-down' | 'drain'
export type AdminAction = 'drain' | 'force-up' | 'force-down' | 'clear'
export const ADMIN_ACTIONS: readonly AdminAction[] = ['drain', 'force-up', 'force-down', 'clear']

export interface Endpoint {
  address: string
  port: number
}

export interface LastCheckView {
  ok: boolean
  /** In words: "C-ECHO ok in 3 ms", "association rejected by called AE …". */
  message: string
  /** Epoch milliseconds. */
  at: number
  durationMs: number
}

/** One health-checked thing (a pool member or a service server). */
export interface TargetView {
  id: string
  address: string
  port: number
  state: string
  observed: string
  admin: string | null
  /** Epoch milliseconds of the last change of state. */
  since?: number
  lastCheck?: LastCheckView | null
}

export interface MemberView extends TargetView {
  name: string
  datacenter?: string
}

export interface SiteView {
  name: string
  /** This node's own site. */
  self: boolean
  subnets: number
  members: { pool: string; member: string; address: string; state: string }[]
}

export type SiteState = 'up' | 'degraded' | 'down' | 'unknown'

/** A site in one word: up (every member up), down (every member down), degraded (some down or drained). */
export function siteState(site: Pick<SiteView, 'members'>): SiteState {
  const states = site.members.map((m) => m.state)
  if (states.length === 0 || states.every((s) => s === 'unknown')) return 'unknown'
  if (states.every((s) => s === 'up')) return 'up'
  if (states.every((s) => s === 'down')) return 'down'
  return states.some((s) => s === 'down' || s === 'drain') ? 'degraded' : 'up'
}

export interface PoolView {
  name: string
  method: string
  members: MemberView[]
}

export interface ResolvedNameView {
  name: string
  state: string
  addresses: readonly string[]
  lastError?: string | null
  /** Who gave the current addresses: a nameserver (`127.0.0.1:53`), or null before the first answer. */
  nameserver?: string | null
  /** Epoch milliseconds of the last successful lookup. */
  lastSuccess?: number | null
  /** Set while every nameserver fails and the last good addresses are kept. */
  lastGood?: { addresses: readonly string[]; answeredAt: number; keptSince: number; until: number } | null
}

export interface ResolverView {
  name: string
  nameservers: string[]
  names: ResolvedNameView[]
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
  limits?: { maxConnections: number; maxConnectionsPerClient: number }
  servers: ServerView[]
}

export interface FleetNodeView {
  name: string
  site?: string
  /** The node's own address on the site network. */
  address?: string
  /** Where its admin API listens. */
  admin: Endpoint
  /** The node that answered. */
  self: boolean
}

export interface FleetView {
  name?: string
  fingerprint: string
  nodes: FleetNodeView[]
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
    /** Short hash of the config file: differs between two nodes ⇔ their configs drifted apart. */
    configFingerprint?: string
    /** A planned stop is under way (the node reports itself unfit while its VIPs move). */
    stopping?: boolean
    reloads: { applied: number; rejected: number; lastError?: string }
  }
  /** The fleet of the config file: every node and where its admin API listens. */
  fleet?: FleetView
  /** The service VIPs on this host's interfaces now. */
  vips?: string[]
  engine: { listening: Endpoint[] } | null
  sites: SiteView[]
  pools: PoolView[]
  resolvers: ResolverView[]
  services: ServiceView[]
}

/** What `GET /check` returns (HTTP 200 when healthy, 503 when not). */
export interface CheckResult {
  healthy: boolean
  /** Why the node is unfit (its own process, listeners or state). */
  reasons: string[]
  /** Fit to hold its VIPs: nothing is wrong that the peer does not share (nodes that know the difference). */
  fit?: boolean
  /** What is wrong but shared with the peer (a dead PACS, a DNS outage). */
  shared?: string[]
  services?: string[]
}

export interface ConfigIssueView {
  path: string
  message: string
}

/** What `POST /reload` returns (HTTP 200 when applied, 422 when refused). */
export interface ReloadResult {
  applied: boolean
  changes?: string[]
  error?: string
  issues?: readonly ConfigIssueView[]
}

export interface MemberActionResult {
  pool: string
  member: string
  admin: AdminOverride | null
  state?: string
}

export interface ServerActionResult {
  service: string
  server: string
  admin: AdminOverride | null
  state: string
}

export interface ExplainQuery {
  name: string
  /** The asker's address. */
  client: string
  /** Record type; A when absent. */
  type?: string
  /** An EDNS Client Subnet such as `10.2.3.0/24`. */
  ecs?: string
}

export type TimelineKind = 'health' | 'override' | 'reload' | 'resolver' | 'vip' | 'node'
export const TIMELINE_KINDS: readonly TimelineKind[] = [
  'health',
  'override',
  'reload',
  'resolver',
  'vip',
  'node',
]

/** One state change the node remembers (`GET /timeline`, and live on `GET /events`). */
export interface TimelineEntry {
  /** Increases by one per entry since the node started. */
  seq: number
  /** Epoch milliseconds. */
  at: number
  kind: TimelineKind
  /** What changed: `dicom/siteA`, `DICOM_CLUSTER_A/10.1.0.5:104`, `dicom.mysite.com`, a VIP, the config. */
  subject: string
  /** In words, with the reason. */
  message: string
}

/** What `GET /timeline` returns: the newest entries last. */
export interface TimelineView {
  capacity: number
  entries: TimelineEntry[]
}

/** A DICOM association (or any TCP connection) through one of the node's services. */
export interface AssociationView {
  id: number
  service: string
  client: Endpoint
  /** From the A-ASSOCIATE-RQ when the service sniffs DICOM; null otherwise. */
  callingAE: string | null
  calledAE: string | null
  /** The server (`address:port`) it was sent to; null before one accepted it. */
  server: string | null
  /** The site of that server's address, when a pool member has it. */
  site: string | null
  bytesFromClient: number
  bytesFromServer: number
  /** Epoch milliseconds. */
  startedAt: number
}

/** A finished association: how it ended and how long it took. */
export interface FinishedAssociationView extends AssociationView {
  end: string
  durationMs: number
}

/** What `GET /events` streams (Server-Sent Events; `event:` is the type, `data:` the JSON payload). */
export type ConsoleEvent =
  | { type: 'associations'; data: { at: number; active: AssociationView[] } }
  | { type: 'association'; data: FinishedAssociationView }
  | { type: 'timeline'; data: TimelineEntry }

/** One node of the fleet as the node serving the console sees it (`GET /fleet`). */
export interface FleetMemberReport {
  name: string
  site?: string
  admin: Endpoint
  /** The node that answered `GET /fleet`. */
  self: boolean
  /** Its admin API answered `GET /status` in time. */
  reachable: boolean
  /** Why not, when not. */
  error?: string
  configFingerprint?: string
  stopping?: boolean
  /** The service VIPs it holds now. */
  vips?: string[]
  /** Its own view of every site. */
  sites?: { name: string; state: SiteState }[]
  /** Epoch milliseconds of the answer (or of the failed attempt). */
  askedAt: number
}

/** What `GET /fleet` returns: every node of the config file's fleet, asked now (reads only, no token sent). */
export interface FleetReport {
  name?: string
  /** The fingerprint of the config this node runs; a node with another one has drifted. */
  fingerprint: string
  nodes: FleetMemberReport[]
}
