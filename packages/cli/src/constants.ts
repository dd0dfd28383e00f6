/** Defaults of `gslb-lb`. Everything here can be overridden in the JSON configuration. */

export const DEFAULT_ADMIN_ADDRESS = '127.0.0.1'
export const DEFAULT_ADMIN_PORT = 9180
/** Largest request body the admin API reads; every action fits in far less. */
export const ADMIN_MAX_BODY_BYTES = 4 * 1024
export const ADMIN_REQUEST_TIMEOUT_MS = 10_000
export const ADMIN_CLIENT_TIMEOUT_MS = 3_000

/** The console's live data (GET /timeline, GET /events, GET /fleet): every count, buffer and wait is bounded. */
export const CONSOLE_LIMITS = {
  /** State changes the node remembers (GET /timeline); the oldest goes first. */
  timelineEntries: 500,
  /** Open GET /events streams at once; one more is refused with 503. */
  eventClients: 16,
  /** Bytes waiting to be sent to one stream; a reader that falls further behind is disconnected. */
  eventBufferBytes: 256 * 1024,
  /** A comment line this often keeps proxies from closing an idle stream and finds dead readers. */
  eventHeartbeatMs: 15_000,
  /** Open associations are sent to the streams this often (only while someone follows). */
  associationsEveryMs: 1_000,
  /** Open associations in one snapshot (the oldest first; the count says how many there were). */
  associationsPerSnapshot: 200,
  /** Each peer's admin API gets this long to answer GET /status for the fleet view. */
  fleetPeerTimeoutMs: 1_500,
  /** One fleet report serves every GET /fleet within this long (the peers are not asked once per browser). */
  fleetCacheMs: 1_000,
} as const

/** Health-check defaults ("normal" profile): a dead target is noticed in ~3 × 2 s, back after 2 good checks. */
export const HEALTH_PROFILES = {
  normal: { interval: 2_000, timeout: 1_000, rise: 2, fall: 3 },
  /**
   * For the DNS-proxy path, where modalities must not notice: a refusing (killed) site is down in ~1.5 s (fall 2), a
   * hung one in ~3.5–5 s (timeouts alone need fall + 1). The 800 ms timeout leaves a loaded PACS room to answer;
   * this process's own event-loop blocks never count (@gslb/health). Figures: docs/benchmarks.md, flap.mjs.
   */
  fast: { interval: 1_000, timeout: 800, rise: 2, fall: 2 },
} as const

export const DEFAULT_SERVICE_LIMITS = {
  connectTimeout: 3_000,
  idleTimeout: 3_600_000,
  maxConnections: 1_000,
}

export const DEFAULT_NAME_TTL = 10
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000
/** On a planned stop: the longest wait for the VIPs to leave this host before the listeners close (node.stopGrace). */
export const DEFAULT_STOP_GRACE_MS = 5_000
/**
 * On a planned stop, keepalived's check (`GET /check`) is held at most this long until no connection of the VIP's
 * services is in flight, so the VIP moves between two associations instead of through one (docs/keepalived.md).
 * Below the example's `curl --max-time 0.8`: a held check still answers before curl gives up.
 */
export const HANDOVER_QUIET_MAX_MS = 600
export const DEFAULT_DNS_PORT = 53

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** Exit codes of `gslb-lb` (documented in the README). */
export const EXIT = {
  ok: 0,
  /** A command failed at run time (node unhealthy, echo failed, self-check failed). */
  failure: 1,
  /** Bad command line. */
  usage: 2,
  /** The configuration is invalid or unreadable. */
  config: 3,
  /** The running node's admin API could not be reached. */
  unreachable: 4,
  /** This host's routing table could not be read (`routes`: not Linux, or `ip` missing or failing). */
  routesUnreadable: 5,
} as const

/** The resolver nameserver entry that means "this node's own GSLB engine, wherever its first listener is bound". */
export const LOCAL_ENGINE_NAMESERVER = 'engine'
