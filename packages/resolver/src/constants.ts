/** Defaults for {@link ResolverOptions}. All durations are in milliseconds. */

/** Regular refresh period of a name. */
export const DEFAULT_INTERVAL = 10_000
/** Spread of every scheduled refresh: the delay is multiplied by a random factor in [1 - jitter, 1 + jitter]. */
export const DEFAULT_JITTER = 0.1
/** Whether the answer's TTL (clamped to [minTtl, maxTtl]) replaces `interval` after a successful cycle. */
export const DEFAULT_RESPECT_TTL = false
export const DEFAULT_MIN_TTL = 1_000
export const DEFAULT_MAX_TTL = 300_000
/** First retry after a failed cycle; doubles on each further failure, capped at `interval`. */
export const DEFAULT_FAILURE_INTERVAL = 1_000
/** Wait for one nameserver to answer one query (the TCP retry after truncation gets its own). */
export const DEFAULT_TIMEOUT = 1_000
/** Consecutive failed cycles after which a name with nothing known to be good is offline. */
export const DEFAULT_FAIL_THRESHOLD = 3
/**
 * How long after its answer a last-known-good address list may be kept while every nameserver fails: one day, the
 * lower bound of RFC 8767's stale-data window (docs/decisions/0010-last-known-good-until-max-age.md).
 */
export const DEFAULT_LAST_GOOD_MAX_AGE = 86_400_000
/** What an NXDOMAIN or an empty answer means; see {@link NegativePolicy}. */
export const DEFAULT_NEGATIVE_POLICY = 'fallthrough'
/** `resolveNow()` starts at most one lookup per name per this period; calls in between share it. */
export const DEFAULT_RESOLVE_NOW_MIN_INTERVAL = 250
/** Addresses kept per name and family; the rest of an oversized answer is ignored. */
export const DEFAULT_MAX_ADDRESSES = 64
/** Keep the nameserver's order (a GSLB's order is its site preference). */
export const DEFAULT_ORDER = 'answer'

export const DEFAULT_PORT = 53
/** EDNS(0) UDP payload size we advertise (the DNS flag day 2020 value: no IP fragmentation). */
export const EDNS_UDP_PAYLOAD_SIZE = 1232
/** CNAME links followed inside one answer before giving up. */
export const MAX_CNAME_CHAIN = 8
/** Names tracked by one resolver; a guard against a runaway caller, not a tuning knob. */
export const MAX_TRACKED_NAMES = 10_000
export const MAX_NAMESERVERS = 16
