/** Defaults for @gslb/forwarder. Every value here can be overridden per service. */

/** How long a backend connect may take before the next server is tried (HAProxy `timeout connect`). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000
/** Further servers tried after a failed connect, before the client is closed (HAProxy `retries`). */
export const DEFAULT_RETRIES = 3
/** A proxied connection with no bytes either way for this long is closed (HAProxy `timeout tunnel`). */
export const DEFAULT_IDLE_TIMEOUT_MS = 3_600_000
/** After one side has sent its FIN, the other side gets this long to finish (HAProxy `timeout client-fin`). */
export const DEFAULT_FIN_TIMEOUT_MS = 30_000
/** TCP keepalive probe delay on both sockets. */
export const DEFAULT_KEEPALIVE_DELAY_MS = 60_000
/** Consecutive connect failures that mark a server down passively. */
export const DEFAULT_PASSIVE_FAILURES = 3
/** How long a passively-downed server stays out of rotation (unless an active check says up sooner). */
export const DEFAULT_PASSIVE_HOLD_MS = 10_000
/** Graceful close: how long established connections may take to finish before they are closed. */
export const DEFAULT_CLOSE_DEADLINE_MS = 30_000
/** Listen backlog for every service listener. */
export const DEFAULT_BACKLOG = 511
/** Default server weight. */
export const DEFAULT_WEIGHT = 1
/** Largest accepted server weight. */
export const MAX_WEIGHT = 256
/** Largest accepted `retries`. */
export const MAX_RETRIES = 16
/** The DICOM sniffer gives up after this many bytes (an A-ASSOCIATE-RQ is far smaller in practice). */
export const SNIFF_MAX_BYTES = 65_536
/** With `retryOnEmpty`, client bytes kept for a replay until the server's first byte (a large A-ASSOCIATE-RQ fits). */
export const RETRY_ON_EMPTY_MAX_BYTES = 262_144
/**
 * First-response deadline of a forwarded connection (client's first bytes → server's first byte); 0 = none. Off in
 * the library: only protocols where the client speaks first and then waits (DICOM) can use it.
 */
export const DEFAULT_FIRST_RESPONSE_TIMEOUT_MS = 0
/** At most this many connections in one `forwarder.connections()` answer unless the caller says otherwise. */
export const DEFAULT_CONNECTIONS_LIMIT = 1_000
