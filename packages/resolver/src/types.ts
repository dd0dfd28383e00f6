import type { ResolverError } from './errors.js'
import type { NameserverCounters } from './lookup.js'

/** The public shapes of a Resolver: tracking options, status, snapshot and events. */

/** Which address families to track for a name; the same shape as the forwarder's `AddressSource.track`. */
export interface TrackOptions {
  /** `4` (A, the default), `6` (AAAA) or `'both'`. */
  family?: 4 | 6 | 'both'
  /** With `'both'`: which family comes first in the address list. Default 4. */
  prefer?: 4 | 6
}

export type NameState = 'unresolved' | 'online' | 'offline'

/** A name's current state; what `resolveNow()` resolves to and what `snapshot()` lists. */
export interface NameStatus {
  name: string
  family: 4 | 6 | 'both'
  state: NameState
  addresses: readonly string[]
  /** The nameserver that gave the current addresses (the preferred family's), or null. */
  nameserver: string | null
  /** Smallest TTL (seconds) in the answer that gave the current addresses, or null. */
  ttl: number | null
  /**
   * Why the name is offline (`code`: `GSLB_RESOLVER_NXDOMAIN`, `_NODATA`, `_FAILED`, `_EXPIRED`), or null. Plain
   * data (JSON).
   */
  offlineReason: { code: string; message: string; at: number } | null
  /** Consecutive cycles in which at least one wanted family failed. */
  consecutiveFailures: number
  /** Epoch ms of the last cycle in which no family failed, or null. */
  lastSuccess: number | null
  lastError: { code: string; message: string; at: number } | null
  /** Epoch ms of the next scheduled refresh, or null when not scheduled. */
  nextRefresh: number | null
  /**
   * Set while the addresses are last-known-good kept through failed lookups (the preferred family's when several
   * are kept); null when the last cycle answered or nothing is kept.
   */
  lastGood: LastGood | null
}

/** Last-known-good addresses of one family, kept while every nameserver fails. Epoch ms throughout. */
export interface LastGood {
  addresses: readonly string[]
  /** When a nameserver gave these addresses (the last good answer). */
  answeredAt: number
  /** The first failed cycle of this outage: since when they are kept without confirmation. */
  keptSince: number
  /** When they expire unless a nameserver answers first (`answeredAt + lastGoodMaxAge`). */
  until: number
}

export interface ResolverSnapshot {
  running: boolean
  nameservers: Array<{ nameserver: string } & NameserverCounters>
  names: NameStatus[]
}

export interface AddressChangeEvent {
  name: string
  previous: readonly string[]
  current: readonly string[]
  /** The nameserver that answered, or null when the change is a drop after failures. */
  nameserver: string | null
  /** Smallest TTL (seconds) of the answer, or null. */
  ttl: number | null
}

export interface NameOfflineEvent {
  name: string
  /**
   * `code` is `GSLB_RESOLVER_NXDOMAIN`, `GSLB_RESOLVER_NODATA`, `GSLB_RESOLVER_FAILED` (never resolved, failing) or
   * `GSLB_RESOLVER_EXPIRED` (the kept addresses expired); `cause` is the last lookup error.
   */
  reason: ResolverError
  previous: readonly string[]
}

export interface NameOnlineEvent {
  name: string
  addresses: readonly string[]
  nameserver: string | null
}

export interface LookupFailEvent {
  name: string
  family: 4 | 6
  error: ResolverError
  consecutiveFailures: number
  /** The addresses this family keeps through the failure, or null when it has none to keep (or they just expired). */
  lastGood: LastGood | null
}

export interface LastGoodExpireEvent {
  name: string
  family: 4 | 6
  /** The addresses dropped, with when they were answered and since when they were kept. */
  addresses: readonly string[]
  answeredAt: number
  keptSince: number
  /** The limit that was reached (`lastGoodMaxAge`, ms). */
  maxAge: number
}

export interface ResolverEvents {
  'address:change': [AddressChangeEvent]
  'name:offline': [NameOfflineEvent]
  'name:online': [NameOnlineEvent]
  /** A family's lookup failed this cycle (every nameserver tried); `lastGood` says what is kept, if anything. */
  'lookup:fail': [LookupFailEvent]
  /** A family's kept addresses reached `lastGoodMaxAge` while every nameserver still fails: they are dropped. */
  'lastgood:expire': [LastGoodExpireEvent]
}
