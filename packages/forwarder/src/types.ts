import type { BlockList } from 'node:net'
import type { EffectiveState, Target } from '@gslb/health'

/**
 * A source of address sets for backend names that change over time. Owned by the forwarder;
 * `@gslb/resolver`'s Resolver satisfies it structurally.
 */
export interface AddressSource {
  /** Current addresses for a tracked name (immutable array; empty when offline or not yet resolved). */
  addresses(name: string): readonly string[]
  /** Called whenever a name's address set changes. Returns an unsubscribe function. */
  subscribe(listener: (name: string, addresses: readonly string[]) => void): () => void
  /** Ask for a fresh lookup now (a connect to one of the name's addresses failed). */
  resolveNow(name: string): Promise<unknown>
  /** Start tracking a name (idempotent). */
  track(name: string, options?: { family?: 4 | 6 | 'both'; prefer?: 4 | 6 }): void
  untrack(name: string): void
}

export type BalanceMethod = 'first' | 'roundrobin' | 'leastconn' | 'source'

/** A backend given by address: one server. */
export interface StaticBackend {
  address: string
  port: number
  /** Relative share for `roundrobin`, `leastconn` and `source` (1..256, 0 = never chosen). Default 1. */
  weight?: number
  /** Used only when no primary server is up. */
  backup?: boolean
}

/** A backend given by DNS name: every address the AddressSource has for it becomes a server. */
export interface NameBackend {
  name: string
  port: number
  weight?: number
  backup?: boolean
  family?: 4 | 6 | 'both'
  prefer?: 4 | 6
}

export type Backend = StaticBackend | NameBackend

export interface ServiceConfig {
  /** Unique service name; health target ids are `<name>/<server>`. */
  name: string
  /** `address:port` strings (`[::1]:104` for IPv6) or objects. Port 0 picks a free port (tests). */
  listen: ReadonlyArray<string | { address: string; port: number }>
  backends: readonly Backend[]
  /** Default `first`. */
  balance?: BalanceMethod
  connectTimeoutMs?: number
  /** Further servers tried after a failed connect. Default 3. */
  retries?: number
  /** 0 disables the idle timeout. */
  idleTimeoutMs?: number
  finTimeoutMs?: number
  keepAliveDelayMs?: number
  /** Max concurrent connections for the service; 0 = unlimited. */
  maxConnections?: number
  /** Max concurrent connections from one client IP; 0 = unlimited. */
  maxConnectionsPerClient?: number
  /** Only clients in these subnets/addresses (`10.0.0.0/8`, `::1`) or this BlockList are served. */
  allow?: readonly string[] | BlockList
  /** PROXY protocol header sent to the backend before any client byte. */
  proxyProtocol?: false | 1 | 2
  /** Peek at the client's first bytes for a DICOM A-ASSOCIATE-RQ; AE titles go into the connection log. */
  sniffDicom?: boolean
  /**
   * When a server closes or resets the connection before sending a single byte, count it as a failed attempt and
   * replay the client's bytes so far (up to 256 KiB) to the next server. Safe for protocols where the client waits
   * for the server's first answer (DICOM: an SCP that closes without an A-ASSOCIATE-AC accepted nothing) — e.g. a
   * site's cluster VIP that still accepts while its PACS is gone. Default false.
   */
  retryOnEmpty?: boolean
  /**
   * A hung server: when the server has not sent a byte this long after the client's first bytes reached it, the
   * attempt fails (`'connect:fail'` with code `GSLB_FORWARDER_FIRST_RESPONSE_TIMEOUT`, counted by passive health)
   * and the client's bytes so far (up to 256 KiB) are replayed to the next server; with no server left the client
   * is closed. For protocols where the client speaks first and waits for an answer (DICOM's A-ASSOCIATE-RQ).
   * 0 (default) = no deadline.
   */
  firstResponseTimeoutMs?: number
  /** What happens to a server's connections when it goes down or drains. Default `keep`. */
  onMarkedDown?: 'keep' | 'shutdown'
  /** Passive health: consecutive connect failures that take a server out for `holdMs`. */
  passive?: { failures?: number; holdMs?: number }
  /**
   * Active checks of every server through the forwarder's health checker: a `@gslb/health` target without what the
   * forwarder fills in per server (`id` `<service>/<server>`, the server's `address` and `port`, `meta`). Timing
   * fields left out take the checker's defaults. Omitted = no active checks.
   */
  check?: Omit<Target, 'id' | 'address' | 'port' | 'meta'>
  backlog?: number
}

export interface ForwarderOptions {
  services: readonly ServiceConfig[]
  addressSource?: AddressSource
  health?: HealthRegistry
}

/**
 * The subset of `@gslb/health`'s HealthChecker the forwarder uses; a HealthChecker satisfies it structurally.
 * The forwarder registers one target per server, id `<service>/<server>`, and routes on its effective state.
 */
export interface HealthRegistry {
  add(target: Target): unknown
  remove(id: string): unknown
  checkNow(id: string): unknown
  on(event: 'target:change', listener: (change: HealthChange) => void): unknown
  on(event: 'check:result', listener: (check: HealthCheckDone) => void): unknown
  off(event: 'target:change', listener: (change: HealthChange) => void): unknown
  off(event: 'check:result', listener: (check: HealthCheckDone) => void): unknown
}

/** A finished check (`@gslb/health`'s `'check:result'`): a success lifts a passive mark-down that came before it. */
export interface HealthCheckDone {
  id: string
  result: { ok: boolean; startedAt: number }
}

/** A target's effective state changed (`@gslb/health`'s `'target:change'`). */
export interface HealthChange {
  id: string
  effective: EffectiveState
}

export interface ConnectAttempt {
  server: string
  address: string
  port: number
  /** Error code of a failed attempt (`ECONNREFUSED`, `GSLB_FORWARDER_CONNECT_TIMEOUT`, ...); absent for the one that worked. */
  error?: string
  durationMs: number
}

export type ConnectionEnd =
  | 'closed'
  | 'client-reset'
  | 'server-reset'
  | 'idle-timeout'
  | 'fin-timeout'
  | 'no-server'
  | 'connect-failed'
  | 'server-down'
  | 'shutdown'

export interface ConnectionLog {
  id: number
  service: string
  client: { address: string; port: number }
  /** Server id (`address:port`) that carried the connection, or null when none did. */
  server: string | null
  attempts: readonly ConnectAttempt[]
  bytesFromClient: number
  bytesFromServer: number
  startedAt: number
  durationMs: number
  end: ConnectionEnd
  /** With `sniffDicom`, when the client's first bytes were an A-ASSOCIATE-RQ. */
  callingAE?: string
  calledAE?: string
  /** With `sniffDicom`: the SOP classes the A-ASSOCIATE-RQ proposed. */
  abstractSyntaxes?: readonly string[]
}

/** A connection open now (`forwarder.connections()`), for live views. */
export interface ActiveConnection {
  id: number
  service: string
  client: { address: string; port: number }
  /** Server id (`address:port`) carrying it, or null while it is still connecting. */
  server: string | null
  /** The address of that server (null while connecting). */
  address: string | null
  /** Bytes so far. */
  bytesFromClient: number
  bytesFromServer: number
  startedAt: number
  /** With `sniffDicom`, once the client's A-ASSOCIATE-RQ was read. */
  callingAE?: string
  calledAE?: string
}

export type RejectReason = 'not-allowed' | 'max-connections' | 'max-connections-per-client' | 'closing'

export interface ForwarderEvents {
  'connection:close': [ConnectionLog]
  'connection:reject': [{ service: string; client: { address: string; port: number }; reason: RejectReason }]
  'connect:fail': [{ service: string; server: string; address: string; port: number; error: Error }]
  /** A server's state changed: `'drain'` when it left the configuration (or its check says drain). */
  'server:change': [
    { service: string; server: string; previous: EffectiveState; current: EffectiveState; reason: string },
  ]
  /** A bound listening socket failed (binding failures reject `start()`/`update()` instead). */
  'listener:error': [{ service: string; listen: string; error: Error }]
  /** The health checker refused a server's target (e.g. another component registered its id): no active checks for it. */
  'target:reject': [{ service: string; server: string; id: string; error: Error }]
  /** An event handler threw; the forwarder caught it and carried on. Nobody listening: `process.emitWarning`. */
  'handler:error': [{ event: string; error: Error }]
}

export interface ServerStats {
  id: string
  address: string
  port: number
  /** DNS name the server came from, when it is name-backed. */
  source: string | null
  backup: boolean
  weight: number
  /**
   * `up`/`down` from the active checks when the service has them; without them from traffic: `up` once a
   * connection went through (the server's first byte with `retryOnEmpty`/`firstResponseTimeoutMs`, else the
   * connect), `down` while passively marked down, `unknown` before any evidence and after a passive hold.
   */
  state: EffectiveState
  /** Would take a new connection now: in rotation, not down or drain, weight above 0. */
  available: boolean
  /**
   * Held out only by its own passive mark-down: still tried when no available server is left, so the service can
   * still forward (a site whose link came back is found on the next connection).
   */
  lastResort: boolean
  active: number
  total: number
  failedConnects: number
  bytesFromClient: number
  bytesFromServer: number
}

export interface ServiceStats {
  name: string
  listeners: Array<{ address: string; port: number }>
  active: number
  total: number
  rejected: number
  failedConnects: number
  bytesFromClient: number
  bytesFromServer: number
  /** Bytes accepted from one side and not yet handed to the kernel for the other (bounded by backpressure). */
  buffered: number
  /** Servers that would take a new connection now (0: the service can forward nothing). */
  available: number
  servers: ServerStats[]
}
