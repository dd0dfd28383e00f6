/** TTL of answers for global names (pool answers) when the name does not set one: short, so failover is quick. */
export const DEFAULT_NAME_TTL = 5
/** TTL of static records, NS records and the SOA record when the zone does not set one. */
export const DEFAULT_STATIC_TTL = 300
export const DEFAULT_NS_TTL = 3600
export const DEFAULT_SOA_TTL = 3600
/**
 * Refresh, retry and expire only steer secondaries that transfer the zone; every engine serves the zone from its own
 * config and transfers are refused, so they are set to the values checkers expect (RFC 1912 §2.2, Zonemaster's
 * 4 h / 1 h / ≥ 1 week) rather than drawing NOTICEs for numbers nothing uses. See docs/decisions (SOA serials).
 */
export const DEFAULT_SOA_REFRESH = 14_400
export const DEFAULT_SOA_RETRY = 3_600
export const DEFAULT_SOA_EXPIRE = 1_209_600
/**
 * Negative-caching TTL (RFC 2308), deliberately below Zonemaster's 300: it bounds how long a resolver keeps an
 * NXDOMAIN/NODATA from us — a name just added to the config, or a pool's `allDown: "empty"` answer during an
 * outage, which must not outlive the recovery by minutes.
 */
export const DEFAULT_SOA_MINIMUM = 60

export const DEFAULT_METHOD = 'failover'
export const DEFAULT_MAX_ANSWERS = 1
/** Method `all` is multivalue: it returns up to this many members unless the pool says otherwise (as Route 53). */
export const DEFAULT_MAX_ANSWERS_ALL = 8
export const MAX_ANSWERS_LIMIT = 64
/**
 * Topology pools: addresses answered to an asker in no datacenter (a central resolver without ECS). One, so a
 * resolver that shuffles records (BIND's default rrset-order) cannot put another site first.
 */
export const DEFAULT_MAX_ANSWERS_VIA_RESOLVER = 1
export const DEFAULT_ALL_DOWN = 'any'
export const DEFAULT_UNKNOWN_AS = 'up'
export const DEFAULT_WEIGHT = 1
export const MAX_WEIGHT = 1_000_000
export const DEFAULT_PRIORITY = 0

/** EDNS(0) UDP payload size we advertise and the largest UDP response we send (DNS flag day 2020). */
export const EDNS_UDP_PAYLOAD = 1232
/** The classic UDP limit, used without EDNS and as the floor for tiny advertised buffers. */
export const CLASSIC_UDP_PAYLOAD = 512
export const TCP_MAX_MESSAGE = 65535

/** Bounds on the config so a hostile or mistaken file cannot make the model explode. */
export const MAX_CNAME_CHAIN = 8
export const MAX_ZONES = 10_000
export const MAX_POOLS = 10_000
export const MAX_MEMBERS_PER_POOL = 1_000
export const MAX_RECORDS_PER_ZONE = 100_000
export const MAX_TTL = 2_147_483_647

/** Health target ids are `pool/member`; the separator therefore may not appear in pool or member names. */
export const TARGET_ID_SEPARATOR = '/'

/** UDP error answers (FORMERR, NOTIMP, BADVERS, REFUSED for what is not served) per second, all senders together. */
export const DEFAULT_UDP_ERROR_RESPONSES_PER_SECOND = 100
export const DEFAULT_UDP_ERROR_RESPONSE_BURST = 100
/** `close()` without `deadlineMs`: how long TCP connections get to send the answers of queries already received. */
export const DEFAULT_CLOSE_DEADLINE_MS = 5_000
