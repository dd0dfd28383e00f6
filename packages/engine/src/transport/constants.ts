/** Concurrent TCP connections per listener; the next one is closed at once. */
export const DEFAULT_MAX_TCP_CONNECTIONS = 256
/** RFC 7766 §6.2.3 suggests seconds, not minutes: a held connection costs the server, not the client. */
export const DEFAULT_TCP_IDLE_TIMEOUT_MS = 10_000
/** The 2-byte TCP length prefix cannot say more than this. */
export const MAX_TCP_MESSAGE_SIZE = 65535
/** Queries are tiny; a stream announcing a larger message than this is not a DNS client. */
export const DEFAULT_MAX_TCP_MESSAGE_SIZE = 65535
/** Unsent response bytes per TCP connection before we stop reading from it (slow reader). */
export const TCP_WRITE_HIGH_WATER = 64 * 1024
/** Largest UDP payload over IPv4/IPv6 (65535 - IP/UDP headers); larger responses are not sent. */
export const MAX_UDP_RESPONSE_SIZE = 65507
/** Attempts to find a port free for both UDP and TCP when the caller asks for port 0. */
export const EPHEMERAL_PORT_ATTEMPTS = 8
