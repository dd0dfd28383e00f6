import type { EventEmitter } from 'node:events'
import type { ResolverError } from './errors.js'
import type { NameserverCounters } from './lookup.js'

/** The public shapes of a Resolver: the resolver itself, tracking options, status, snapshot and events. */

/**
 * Keeps the addresses of backend names fresh; made by `createResolver(options)`. Satisfies the forwarder's
 * `AddressSource` structurally (`addresses`, `subscribe`, `resolveNow`, `track`, `untrack`).
 */
export interface Resolver extends EventEmitter<ResolverEvents> {
  /** True from `start()` until `close()`/`destroy()` (also while the first cycle runs). */
  readonly running: boolean
  /** Current addresses of a tracked name (frozen; empty when unresolved, offline or not tracked). */
  addresses(name: string): readonly string[]
  /** Calls `listener(name, addresses)` on every address change. Returns the unsubscribe function. */
  subscribe(listener: (name: string, addresses: readonly string[]) => void): () => void
  /**
   * Starts tracking `name` (idempotent; case-insensitive, trailing dot ignored). Calling it again with another
   * family takes effect at the next lookup — at once when running. Throws `GSLB_RESOLVER_OPTIONS_INVALID`.
   */
  track(name: string, options?: TrackOptions): void
  /** Stops tracking `name` and cancels its queries (no-op when not tracked). */
  untrack(name: string): void
  /**
   * Refreshes `name` now (shared among concurrent callers, at most one lookup per `resolveNowMinIntervalMs`).
   * Resolves to its status after the lookup, also when the lookup failed. Rejects with `GSLB_RESOLVER_NOT_TRACKED`,
   * `_NOT_RUNNING` (before `start()`), `_CLOSED` (after `close()`), or `_ABORTED` (closed or untracked meanwhile, or
   * `signal` aborted: that ends only this caller's wait).
   */
  resolveNow(name: string, options?: { signal?: AbortSignal }): Promise<NameStatus>
  /** The status of one tracked name, or undefined. */
  status(name: string): NameStatus | undefined
  /** Counters per nameserver and state per name (plain data, JSON). */
  snapshot(): ResolverSnapshot
  /**
   * Starts refreshing every tracked name (and any tracked later). Resolves once each name's first cycle is done —
   * answered or not. Idempotent: a second call while starting or running returns the same promise. Aborting
   * `signal` before it resolves rejects it with `GSLB_RESOLVER_ABORTED` and leaves the resolver not started. Rejects
   * with `GSLB_RESOLVER_CLOSED` after `close()`/`destroy()`, or when they come before the first cycle ended.
   */
  start(options?: { signal?: AbortSignal }): Promise<void>
  /**
   * Graceful: no new lookups (timers cleared, deferred `resolveNow()` calls rejected), the lookups in flight finish
   * until `deadlineMs` (default 2 000) or `signal`, then are aborted. Resolves when no socket or timer is left.
   * Idempotent (same promise); resolves at once on a resolver never started.
   */
  close(options?: { deadlineMs?: number; signal?: AbortSignal }): Promise<void>
  /** Abrupt: aborts every query and timer now. Idempotent. `error` becomes the cause of what it cuts short. */
  destroy(error?: Error): void
  /** `close()`, for `await using resolver = createResolver(...)`. */
  [Symbol.asyncDispose](): Promise<void>
}

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
  /** When they expire unless a nameserver answers first (`answeredAt + lastGoodMaxAgeMs`). */
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

/** Another nameserver than before answered a name (the local engine failing, the primary DNS answering instead). */
export interface NameserverChangeEvent {
  name: string
  /** The nameserver of the name's previous answer with addresses. */
  previous: string
  current: string
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
  /** The limit that was reached (`lastGoodMaxAgeMs`). */
  maxAgeMs: number
}

/** An event handler threw; the resolver carried on. */
export interface HandlerErrorEvent {
  /** The event whose handler threw. */
  event: string
  error: Error
}

export interface ResolverEvents {
  'address:change': [AddressChangeEvent]
  'name:offline': [NameOfflineEvent]
  'name:online': [NameOnlineEvent]
  /**
   * A name's answer came from another nameserver than its previous answer (addresses may be the same: the local engine
   * failing while the primary DNS gives the same ones changes no address, yet an operator wants to know).
   */
  'nameserver:change': [NameserverChangeEvent]
  /** A family's lookup failed this cycle (every nameserver tried); `lastGood` says what is kept, if anything. */
  'lookup:fail': [LookupFailEvent]
  /** A family's kept addresses reached `lastGoodMaxAgeMs` while every nameserver still fails: they are dropped. */
  'lastgood:expire': [LastGoodExpireEvent]
  /**
   * A handler of another event threw (the refresh loop carries on). With no handler for this event, or when it
   * throws too, the error goes to `process.emitWarning`.
   */
  'handler:error': [HandlerErrorEvent]
}
