/** Defaults for {@link ResolverOptions}. All durations are in milliseconds. */

/** Regular refresh period of a name. */
export const DEFAULT_INTERVAL_MS = 10_000
/** Spread of every scheduled refresh: the delay is multiplied by a random factor in [1 - jitter, 1 + jitter]. */
export const DEFAULT_JITTER = 0.1
/** Whether the answer's TTL (clamped to [minTtlMs, maxTtlMs]) replaces `intervalMs` after a successful cycle. */
export const DEFAULT_RESPECT_TTL = false
export const DEFAULT_MIN_TTL_MS = 1_000
export const DEFAULT_MAX_TTL_MS = 300_000
/** First retry after a failed cycle; doubles on each further failure, capped at `intervalMs`. */
export const DEFAULT_FAILURE_INTERVAL_MS = 1_000
/** Wait for one nameserver to answer one query (the TCP retry after truncation gets its own). */
export const DEFAULT_TIMEOUT_MS = 1_000
/** Consecutive failed cycles after which a name with nothing known to be good is offline. */
export const DEFAULT_FAIL_THRESHOLD = 3
/**
 * How long after its answer a last-known-good address list may be kept while every nameserver fails: one day, the
 * lower bound of RFC 8767's stale-data window (docs/decisions/0010-last-known-good-until-max-age.md).
 */
export const DEFAULT_LAST_GOOD_MAX_AGE_MS = 86_400_000
/** What an NXDOMAIN or an empty answer means; see {@link NegativePolicy}. */
export const DEFAULT_NEGATIVE_POLICY = 'fallthrough'
/** `resolveNow()` starts at most one lookup per name per this period; calls in between share it. */
export const DEFAULT_RESOLVE_NOW_MIN_INTERVAL_MS = 250
/** Addresses kept per name and family; the rest of an oversized answer is ignored. */
export const DEFAULT_MAX_ADDRESSES = 64
/** Keep the nameserver's order (a GSLB's order is its site preference). */
export const DEFAULT_ORDER = 'answer'
/**
 * How long `close()` lets the lookups in flight finish before aborting them: one nameserver's default per-try wait
 * (`timeoutMs`) and the same again for its TCP retry or the next nameserver.
 */
export const DEFAULT_CLOSE_DEADLINE_MS = 2_000

export const DEFAULT_PORT = 53
/** EDNS(0) UDP payload size we advertise (the DNS flag day 2020 value: no IP fragmentation). */
export const EDNS_UDP_PAYLOAD_SIZE = 1232
/** CNAME links followed inside one answer before giving up. */
export const MAX_CNAME_CHAIN = 8
/** Names tracked by one resolver; a guard against a runaway caller, not a tuning knob. */
export const MAX_TRACKED_NAMES = 10_000
export const MAX_NAMESERVERS = 16
