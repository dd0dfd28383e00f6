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
  /** Why the name is offline (`code`: `GSLB_RESOLVER_NXDOMAIN`, `_NODATA`, `_FAILED`), or null. Plain data (JSON). */
  offlineReason: { code: string; message: string; at: number } | null
  /** Consecutive cycles in which at least one wanted family failed. */
  consecutiveFailures: number
  /** Epoch ms of the last cycle in which no family failed, or null. */
  lastSuccess: number | null
  lastError: { code: string; message: string; at: number } | null
  /** Epoch ms of the next scheduled refresh, or null when not scheduled. */
  nextRefresh: number | null
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
  /** `code` is `GSLB_RESOLVER_NXDOMAIN`, `GSLB_RESOLVER_NODATA` or `GSLB_RESOLVER_FAILED` (cause: the last error). */
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
}

export interface ResolverEvents {
  'address:change': [AddressChangeEvent]
  'name:offline': [NameOfflineEvent]
  'name:online': [NameOnlineEvent]
  /** A family's lookup failed this cycle (every nameserver tried); the last-known-good addresses are kept. */
  'lookup:fail': [LookupFailEvent]
}
