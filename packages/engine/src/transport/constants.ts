/** Concurrent TCP connections per listener; at the cap, a new one evicts the least recently useful connection. */
export const DEFAULT_MAX_TCP_CONNECTIONS = 256
/** Between two messages. RFC 7766 §6.2.3 suggests seconds, not minutes: a held connection costs the server. */
export const DEFAULT_TCP_IDLE_TIMEOUT_MS = 10_000
/**
 * From the first byte of a message to its last: a real client sends a query in one segment, so seconds are plenty
 * even across a WAN; a peer trickling bytes to hold the connection is closed after this, not kept forever.
 */
export const DEFAULT_TCP_QUERY_TIMEOUT_MS = 5_000
/** Total lifetime of a TCP connection, however busy: no client owns a slot for good (gdnsd closes at ~12 s idle). */
export const DEFAULT_TCP_MAX_CONNECTION_MS = 120_000
/** After the lifetime cap, answers already written get this long to leave before the socket is destroyed. */
export const LIFETIME_GRACE_MS = 1_000
/** The 2-byte TCP length prefix cannot say more than this. */
export const MAX_TCP_MESSAGE_SIZE = 65535
/** Queries are tiny; a stream announcing a larger message than this is not a DNS client. */
export const DEFAULT_MAX_TCP_MESSAGE_SIZE = 65535
/** Unsent response bytes per TCP connection before we stop reading from it (slow reader). */
export const TCP_WRITE_HIGH_WATER = 64 * 1024
/**
 * SO_RCVBUF asked for the UDP socket (Linux doubles it and caps the request at net.core.rmem_max). A flood arrives in
 * bursts while the process is not scheduled; 1 MiB holds about 30 ms of a 60k packets/s flood of small datagrams,
 * where the common 208 KiB default holds a few ms. Larger buffers turn loss into queueing delay once the process is
 * saturated (4 MiB: 0.9–4 % probe loss but p99 180–340 ms; 1 MiB: 2.7 %, p99 88 ms; bench/flood.mjs).
 */
export const DEFAULT_UDP_RECEIVE_BUFFER_SIZE = 1024 * 1024
/** Largest UDP payload over IPv4/IPv6 (65535 - IP/UDP headers); larger responses are not sent. */
export const MAX_UDP_RESPONSE_SIZE = 65507
/** Attempts to find a port free for both UDP and TCP when the caller asks for port 0. */
export const EPHEMERAL_PORT_ATTEMPTS = 8
