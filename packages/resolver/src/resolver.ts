import { EventEmitter } from 'node:events'
import type { RecordType } from './client.js'
import { DEFAULT_CLOSE_DEADLINE_MS, MAX_TRACKED_NAMES } from './constants.js'
import { invalidOption, ResolverError, ResolverErrorCode } from './errors.js'
import { safeEmit } from './events.js'
import { emptyCounters, type LookupResult, lookup, type NameserverCounters } from './lookup.js'
import { normalizeName } from './nameserver.js'
import { type ResolvedOptions, type ResolverOptions, resolveOptions } from './options.js'
import type {
  AddressChangeEvent,
  LastGood,
  NameState,
  NameStatus,
  Resolver,
  ResolverEvents,
  ResolverSnapshot,
  TrackOptions,
} from './types.js'

interface FamilySlot {
  type: RecordType
  addresses: readonly string[]
  failures: number
  negative: 'nxdomain' | 'nodata' | null
  /** When a nameserver gave `addresses`; null when there are none from an answer. */
  answeredAt: number | null
  /** The first failed cycle since that answer, while `addresses` are kept through failures. */
  keptSince: number | null
  /** The kept addresses reached `lastGoodMaxAgeMs` and were dropped; cleared by the next answer. */
  expired: { answeredAt: number; keptSince: number } | null
}

interface Tracked {
  name: string
  family: 4 | 6 | 'both'
  prefer: 4 | 6
  slots: FamilySlot[]
  addresses: readonly string[]
  state: NameState
  nameserver: string | null
  /** The nameserver of the last answer with addresses; kept while the name has none (for 'nameserver:change'). */
  answeredBy: string | null
  ttl: number | null
  offlineReason: NameStatus['offlineReason']
  lastSuccess: number | null
  lastError: NameStatus['lastError']
  controller: AbortController
  timer: NodeJS.Timeout | null
  nextRefresh: number | null
  inflight: Promise<NameStatus> | null
  /** The wanted families changed during a lookup: look up again as soon as it ends. */
  stale: boolean
  lastStarted: number
  deferred: { promise: Promise<NameStatus>; timer: NodeJS.Timeout; reject: (error: Error) => void } | null
}

const EMPTY: readonly string[] = Object.freeze([])
const MAX_TIMER_MS = 2_147_483_647

type LifecycleState = 'idle' | 'starting' | 'running' | 'closing' | 'closed'

/**
 * Keeps the addresses of backend names fresh. Satisfies the forwarder's `AddressSource` structurally.
 * Address lists are frozen arrays swapped in one assignment: a reader never sees a partial or empty update.
 */
class DnsResolver extends EventEmitter<ResolverEvents> implements Resolver {
  readonly #options: ResolvedOptions
  readonly #names = new Map<string, Tracked>()
  readonly #counters = new Map<string, NameserverCounters>()
  #state: LifecycleState = 'idle'
  #starting: Promise<void> | null = null
  #closing: Promise<void> | null = null
  /** The error `destroy()` was given: the cause of what it cut short. */
  #destroyedBy: Error | undefined
  readonly #onAbort = () =>
    this.destroy(
      new ResolverError(ResolverErrorCode.ABORTED, "the resolver's signal was aborted", {
        cause: this.#options.signal?.reason,
      }),
    )

  constructor(options: ResolverOptions) {
    super()
    this.#options = resolveOptions(options)
    for (const ns of this.#options.nameservers) this.#counters.set(ns.label, emptyCounters())
    const signal = this.#options.signal
    if (signal?.aborted) this.#onAbort()
    else signal?.addEventListener('abort', this.#onAbort, { once: true })
  }

  #emit<K extends keyof ResolverEvents>(event: K, ...args: ResolverEvents[K]): void {
    safeEmit(this, event, ...args)
  }

  get running(): boolean {
    return this.#active
  }

  get #active(): boolean {
    return this.#state === 'starting' || this.#state === 'running'
  }

  /** Current addresses of a tracked name (frozen; empty when unresolved, offline or not tracked). */
  addresses(name: string): readonly string[] {
    return this.#names.get(canonical(name))?.addresses ?? EMPTY
  }

  /** Calls `listener(name, addresses)` on every address change. Returns the unsubscribe function. */
  subscribe(listener: (name: string, addresses: readonly string[]) => void): () => void {
    const wrapped = (event: AddressChangeEvent) => listener(event.name, event.current)
    this.on('address:change', wrapped)
    return () => {
      this.off('address:change', wrapped)
    }
  }

  /**
   * Starts tracking `name` (idempotent). Calling it again with another family takes effect at the next lookup —
   * at once when running — and keeps the last-known-good addresses of the families still wanted.
   */
  track(name: string, options: TrackOptions = {}): void {
    const key = normalizeName(name)
    const family = options.family ?? 4
    if (family !== 4 && family !== 6 && family !== 'both') {
      throw invalidOption('family', `expected 4, 6 or 'both', got ${JSON.stringify(family)}`)
    }
    const prefer = options.prefer ?? 4
    if (prefer !== 4 && prefer !== 6)
      throw invalidOption('prefer', `expected 4 or 6, got ${JSON.stringify(prefer)}`)
    const types: RecordType[] =
      family === 'both' ? (prefer === 6 ? ['AAAA', 'A'] : ['A', 'AAAA']) : [family === 6 ? 'AAAA' : 'A']
    const existing = this.#names.get(key)
    if (existing) {
      if (existing.family === family && existing.prefer === prefer) return
      const old = existing.slots
      existing.family = family
      existing.prefer = prefer
      existing.slots = types.map((type) => old.find((s) => s.type === type) ?? newSlot(type))
      existing.stale = existing.inflight !== null
      if (this.#active) this.#kick(existing)
      return
    }
    if (this.#names.size >= MAX_TRACKED_NAMES)
      throw invalidOption('name', `more than ${MAX_TRACKED_NAMES} names tracked`)
    const tracked: Tracked = {
      name: key,
      family,
      prefer,
      slots: types.map(newSlot),
      addresses: EMPTY,
      state: 'unresolved',
      nameserver: null,
      answeredBy: null,
      ttl: null,
      offlineReason: null,
      lastSuccess: null,
      lastError: null,
      controller: new AbortController(),
      timer: null,
      nextRefresh: null,
      inflight: null,
      stale: false,
      lastStarted: Number.NEGATIVE_INFINITY,
      deferred: null,
    }
    this.#names.set(key, tracked)
    if (this.#active) this.#kick(tracked)
  }

  /** Stops tracking `name` and cancels its queries (no-op when not tracked). */
  untrack(name: string): void {
    const tracked = this.#names.get(canonical(name))
    if (!tracked) return
    this.#names.delete(tracked.name)
    this.#halt(tracked, 'untracked')
  }

  /**
   * Refreshes `name` now (a connect to one of its addresses failed). Concurrent calls share one lookup, and a
   * name is looked up at most once per `resolveNowMinInterval` (default 250 ms): a call inside that window is
   * deferred to its end and shared, so a storm of connect failures costs one query per window, not one each.
   * Resolves to the name's status after the lookup (a failed lookup resolves too: see `consecutiveFailures`).
   * Rejects with `GSLB_RESOLVER_NOT_TRACKED`, `GSLB_RESOLVER_NOT_RUNNING` or `GSLB_RESOLVER_ABORTED`.
   * `signal` ends this caller's wait only (`GSLB_RESOLVER_ABORTED`); the shared lookup goes on for the others.
   */
  resolveNow(name: string, options: { signal?: AbortSignal } = {}): Promise<NameStatus> {
    const signal = options?.signal
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      return Promise.reject(invalidOption('signal', 'expected an AbortSignal'))
    }
    if (signal?.aborted) return Promise.reject(callerAborted(name, signal))
    const shared = this.#resolveNow(name)
    if (signal === undefined) return shared
    return new Promise<NameStatus>((resolve, reject) => {
      const onAbort = () => reject(callerAborted(name, signal))
      signal.addEventListener('abort', onAbort, { once: true })
      shared.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
    })
  }

  #resolveNow(name: string): Promise<NameStatus> {
    const tracked = this.#names.get(canonical(name))
    if (this.#state === 'closing' || this.#state === 'closed') {
      return Promise.reject(this.#closedError(`resolveNow('${name}')`))
    }
    if (!tracked) {
      return Promise.reject(
        new ResolverError(ResolverErrorCode.NOT_TRACKED, `'${name}' is not tracked: call track() first`, {
          hostname: name,
        }),
      )
    }
    if (!this.#active) {
      return Promise.reject(
        new ResolverError(ResolverErrorCode.NOT_RUNNING, `resolveNow('${name}') before start()`, {
          hostname: name,
        }),
      )
    }
    if (tracked.inflight) return tracked.inflight
    if (tracked.deferred) return tracked.deferred.promise
    const wait = tracked.lastStarted + this.#options.resolveNowMinIntervalMs - Date.now()
    if (wait <= 0) return this.#refresh(tracked)
    let resolve!: (status: Promise<NameStatus>) => void
    let reject!: (error: Error) => void
    const promise = new Promise<NameStatus>((res, rej) => {
      resolve = res
      reject = rej
    })
    promise.catch(() => {}) // the caller may drop it; a rejection here is not an unhandled error
    const timer = setTimeout(() => {
      tracked.deferred = null
      resolve(this.#refresh(tracked))
    }, wait)
    tracked.deferred = { promise, timer, reject }
    return promise
  }

  /** The status of one tracked name, or undefined. */
  status(name: string): NameStatus | undefined {
    const tracked = this.#names.get(canonical(name))
    return tracked && statusOf(tracked, this.#options.lastGoodMaxAgeMs)
  }

  /** Counters per nameserver and state per name, for the CLI's status page and metrics. */
  snapshot(): ResolverSnapshot {
    return {
      running: this.#active,
      nameservers: [...this.#counters].map(([nameserver, counters]) => ({ nameserver, ...counters })),
      names: [...this.#names.values()].map((tracked) => statusOf(tracked, this.#options.lastGoodMaxAgeMs)),
    }
  }

  /**
   * Starts refreshing every tracked name (and any tracked later). Resolves once each name's first cycle is
   * done — resolved or not: starting while every nameserver is down is normal. Idempotent (same promise).
   */
  start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#state === 'closing' || this.#state === 'closed') {
      return Promise.reject(this.#closedError('start()'))
    }
    if (this.#starting) return this.#starting
    const signal = options?.signal
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      return Promise.reject(invalidOption('signal', 'expected an AbortSignal'))
    }
    if (signal?.aborted) return Promise.reject(startAborted(signal))
    this.#state = 'starting'
    const firsts: Promise<unknown>[] = []
    for (const tracked of this.#names.values()) {
      tracked.controller = new AbortController()
      firsts.push(this.#refresh(tracked).catch(() => {}))
    }
    const starting = this.#firstCycle(Promise.all(firsts), signal)
    this.#starting = starting
    return starting
  }

  async #firstCycle(firsts: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
    let onAbort = () => {}
    const aborted = new Promise<'aborted'>((resolve) => {
      onAbort = () => resolve('aborted')
      signal?.addEventListener('abort', onAbort, { once: true })
    })
    const outcome = await Promise.race([firsts, aborted])
    signal?.removeEventListener('abort', onAbort)
    if (outcome === 'aborted' && this.#state === 'starting') {
      // back to not started: start() may be called again
      for (const tracked of this.#names.values()) this.#halt(tracked, 'start() aborted')
      this.#state = 'idle'
      this.#starting = null
      throw startAborted(signal!)
    }
    if (this.#state !== 'starting') throw this.#closedError('start()')
    this.#state = 'running'
  }

  /**
   * Graceful: no new lookups, the lookups in flight finish until `deadlineMs` (or `signal`), then are aborted.
   * Resolves when nothing is left running. Idempotent.
   */
  close(options: { deadlineMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.#closing) return this.#closing
    const deadlineMs = options?.deadlineMs ?? DEFAULT_CLOSE_DEADLINE_MS
    if (typeof deadlineMs !== 'number' || !(deadlineMs >= 0)) {
      return Promise.reject(
        invalidOption('deadlineMs', `expected milliseconds >= 0, got ${String(options.deadlineMs)}`),
      )
    }
    const signal = options?.signal
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      return Promise.reject(invalidOption('signal', 'expected an AbortSignal'))
    }
    this.#closing = this.#close(deadlineMs, signal)
    return this.#closing
  }

  async #close(deadlineMs: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.#state === 'closed') return
    if (this.#state === 'idle') {
      this.#options.signal?.removeEventListener('abort', this.#onAbort)
      this.#state = 'closed'
      return
    }
    // the resolver's own signal still destroys it while it closes
    this.#state = 'closing'
    const inflight: Promise<unknown>[] = []
    for (const tracked of this.#names.values()) {
      if (tracked.inflight) inflight.push(tracked.inflight.catch(() => {}))
      this.#stopScheduling(tracked, 'closed')
    }
    if (inflight.length > 0) {
      const destroy = () => this.destroy()
      // past setTimeout's 32-bit range Node would fire at once: such a deadline is no deadline
      const timer = deadlineMs <= MAX_TIMER_MS ? setTimeout(destroy, deadlineMs) : undefined
      if (signal?.aborted) destroy()
      else signal?.addEventListener('abort', destroy, { once: true })
      await Promise.all(inflight)
      clearTimeout(timer)
      signal?.removeEventListener('abort', destroy)
    }
    this.#options.signal?.removeEventListener('abort', this.#onAbort)
    this.#state = 'closed'
  }

  /** Abrupt: aborts every query and timer now. Idempotent. */
  destroy(error?: Error): void {
    if (this.#state === 'closed') return
    this.#state = 'closed'
    this.#destroyedBy = error
    this.#closing ??= Promise.resolve()
    this.#options.signal?.removeEventListener('abort', this.#onAbort)
    for (const tracked of this.#names.values()) this.#halt(tracked, 'destroyed', error)
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  #closedError(what: string): ResolverError {
    return new ResolverError(ResolverErrorCode.CLOSED, `${what}: the resolver is closed`, {
      cause: this.#destroyedBy,
    })
  }

  /** No further lookups of `tracked` (its timer, a deferred resolveNow); one in flight goes on. */
  #stopScheduling(tracked: Tracked, why: string, cause?: Error): void {
    if (tracked.timer) clearTimeout(tracked.timer)
    tracked.timer = null
    tracked.nextRefresh = null
    tracked.stale = false
    if (tracked.deferred) {
      clearTimeout(tracked.deferred.timer)
      tracked.deferred.reject(
        new ResolverError(ResolverErrorCode.ABORTED, `resolveNow('${tracked.name}'): ${why}`, {
          hostname: tracked.name,
          cause,
        }),
      )
      tracked.deferred = null
    }
  }

  /** Stops `tracked` at once: its lookup in flight is aborted too. */
  #halt(tracked: Tracked, why: string, cause?: Error): void {
    tracked.controller.abort(
      new ResolverError(ResolverErrorCode.ABORTED, `${tracked.name} ${why}`, {
        hostname: tracked.name,
        cause,
      }),
    )
    // the aborted lookup settles on its own; a start() right after must not join it
    tracked.inflight = null
    this.#stopScheduling(tracked, why, cause)
  }

  #kick(tracked: Tracked): void {
    this.#refresh(tracked).catch(() => {})
  }

  #refresh(tracked: Tracked): Promise<NameStatus> {
    if (tracked.inflight) return tracked.inflight
    if (tracked.timer) clearTimeout(tracked.timer)
    tracked.timer = null
    tracked.nextRefresh = null
    tracked.lastStarted = Date.now()
    const signal = tracked.controller.signal
    const run = async (): Promise<NameStatus> => {
      const options = {
        ...this.#options,
        counters: this.#counters,
        policy: this.#options.negativePolicy,
        signal,
      }
      const slots = tracked.slots
      const results = await Promise.all(slots.map((slot) => lookup(tracked.name, slot.type, options)))
      if (signal.aborted) throw signal.reason
      this.#apply(tracked, slots, results)
      return statusOf(tracked, this.#options.lastGoodMaxAgeMs)
    }
    const promise: Promise<NameStatus> = run().finally(() => {
      if (tracked.inflight === promise) tracked.inflight = null
      if (!this.#active || this.#names.get(tracked.name) !== tracked || signal.aborted) return
      if (tracked.stale) {
        tracked.stale = false
        this.#kick(tracked)
      } else {
        this.#schedule(tracked)
      }
    })
    tracked.inflight = promise
    return promise
  }

  #apply(tracked: Tracked, slots: FamilySlot[], results: LookupResult[]): void {
    const now = Date.now()
    let answered: { nameserver: string; ttl: number } | null = null
    let failure: ResolverError | null = null
    results.forEach((result, i) => {
      const slot = slots[i]!
      if (result.kind === 'answer') {
        slot.addresses =
          this.#options.order === 'sorted' ? [...result.addresses].sort(compareAddresses) : result.addresses
        slot.failures = 0
        slot.negative = null
        slot.answeredAt = now
        slot.keptSince = null
        slot.expired = null
        answered = {
          nameserver: answered?.nameserver ?? result.nameserver,
          ttl: Math.min(answered?.ttl ?? Number.POSITIVE_INFINITY, result.ttl),
        }
      } else if (result.kind === 'negative') {
        slot.addresses = EMPTY
        slot.failures = 0
        slot.negative = result.reason
        slot.answeredAt = null
        slot.keptSince = null
        slot.expired = null
      } else {
        slot.failures++
        failure = result.error
        const lastGood = this.#keep(tracked.name, slot, now)
        this.#emit('lookup:fail', {
          name: tracked.name,
          family: familyOf(slot),
          error: result.error,
          consecutiveFailures: slot.failures,
          lastGood,
        })
      }
    })
    const lastFailure = failure as ResolverError | null
    if (lastFailure) tracked.lastError = { code: lastFailure.code, message: lastFailure.message, at: now }
    else tracked.lastSuccess = now
    const next = slots.flatMap((slot) => slot.addresses)
    const previous = tracked.addresses
    const found = answered as { nameserver: string; ttl: number } | null
    if (found) {
      tracked.nameserver = found.nameserver
      tracked.ttl = found.ttl
      const before = tracked.answeredBy
      tracked.answeredBy = found.nameserver
      if (before !== null && before !== found.nameserver) {
        this.#emit('nameserver:change', { name: tracked.name, previous: before, current: found.nameserver })
      }
    }
    if (!sameList(previous, next)) {
      const current = Object.freeze(next)
      tracked.addresses = current
      if (current.length === 0) {
        tracked.nameserver = null
        tracked.ttl = null
      }
      this.#emit('address:change', {
        name: tracked.name,
        previous,
        current,
        nameserver: found?.nameserver ?? null,
        ttl: found?.ttl ?? null,
      })
    }
    if (next.length > 0) {
      if (tracked.state !== 'online') {
        tracked.state = 'online'
        tracked.offlineReason = null
        this.#emit('name:online', {
          name: tracked.name,
          addresses: tracked.addresses,
          nameserver: tracked.nameserver,
        })
      }
      return
    }
    const reason = this.#offlineReason(tracked, slots, lastFailure)
    if (reason === null) {
      // No addresses and no reason to call the name offline (e.g. a newly wanted family still failing): unresolved.
      tracked.state = 'unresolved'
      tracked.offlineReason = null
      return
    }
    // a new reason (e.g. NXDOMAIN after failures) is reported again; the same one is not repeated every cycle
    if (tracked.state !== 'offline' || tracked.offlineReason?.code !== reason.code) {
      tracked.state = 'offline'
      tracked.offlineReason = { code: reason.code, message: reason.message, at: Date.now() }
      this.#emit('name:offline', { name: tracked.name, reason, previous })
    }
  }

  /**
   * A failed cycle: the slot keeps its last good addresses until `lastGoodMaxAgeMs` after their answer, then drops
   * them. Returns what is kept, or null.
   */
  #keep(name: string, slot: FamilySlot, now: number): LastGood | null {
    if (slot.addresses.length === 0 || slot.answeredAt === null) return null
    const answeredAt = slot.answeredAt
    const keptSince = slot.keptSince ?? now
    const maxAgeMs = this.#options.lastGoodMaxAgeMs
    const until = answeredAt + maxAgeMs
    if (now < until) {
      slot.keptSince = keptSince
      return { addresses: slot.addresses, answeredAt, keptSince, until }
    }
    const addresses = slot.addresses
    slot.addresses = EMPTY
    slot.keptSince = null
    slot.expired = { answeredAt, keptSince }
    this.#emit('lastgood:expire', {
      name,
      family: familyOf(slot),
      addresses,
      answeredAt,
      keptSince,
      maxAgeMs,
    })
    return null
  }

  /** Why an empty name is offline, or null while it is still only unresolved (failures below the threshold). */
  #offlineReason(tracked: Tracked, slots: FamilySlot[], failure: ResolverError | null): ResolverError | null {
    const name = tracked.name
    // Called only when no family has addresses: a negative answer the policy accepted for one family is enough
    // (the other family, if any, is failing and has nothing to offer either).
    const negative = slots.filter((slot) => slot.negative !== null)
    if (negative.length > 0) {
      const nx = negative.some((slot) => slot.negative === 'nxdomain')
      const failing = slots.filter((slot) => slot.negative === null).map((slot) => slot.type)
      const also = failing.length > 0 ? ` (${failing.join(', ')}: no usable answer)` : ''
      return new ResolverError(
        nx ? ResolverErrorCode.NXDOMAIN : ResolverErrorCode.NODATA,
        nx
          ? `${name} does not exist (NXDOMAIN)${also}`
          : `${name} has no ${negative.length > 1 ? 'A or AAAA' : negative[0]!.type} records${also}`,
        { hostname: name, cause: failure ?? undefined },
      )
    }
    const expired = slots.find((slot) => slot.expired !== null)
    if (expired?.expired) {
      const { answeredAt, keptSince } = expired.expired
      return new ResolverError(
        ResolverErrorCode.EXPIRED,
        `${name}: the last good ${expired.type} answer (${iso(answeredAt)}) reached lastGoodMaxAgeMs ` +
          `(${this.#options.lastGoodMaxAgeMs} ms) with every nameserver failing since ${iso(keptSince)}: ` +
          (failure?.message ?? 'no answer'),
        { hostname: name, cause: failure ?? undefined },
      )
    }
    // nothing known to be good: offline after failThreshold failed cycles
    const failures = Math.max(...slots.map((slot) => slot.failures))
    if (failures < this.#options.failThreshold) return null
    return new ResolverError(
      ResolverErrorCode.FAILED,
      `${name}: ${failures} consecutive failed lookups (threshold ${this.#options.failThreshold}): ${failure?.message ?? 'no answer'}`,
      { hostname: name, cause: failure ?? undefined },
    )
  }

  #schedule(tracked: Tracked): void {
    const o = this.#options
    const failures = Math.max(...tracked.slots.map((slot) => slot.failures))
    let delay: number
    if (failures > 0) delay = Math.min(o.intervalMs, o.failureIntervalMs * 2 ** Math.min(failures - 1, 30))
    else if (o.respectTtl && tracked.ttl !== null)
      delay = Math.min(o.maxTtlMs, Math.max(o.minTtlMs, tracked.ttl * 1000))
    else delay = o.intervalMs
    delay = Math.max(1, Math.round(delay * (1 + o.jitter * (2 * Math.random() - 1))))
    tracked.nextRefresh = Date.now() + delay
    tracked.timer = setTimeout(() => {
      tracked.timer = null
      this.#kick(tracked)
    }, delay)
  }
}

function callerAborted(name: string, signal: AbortSignal): ResolverError {
  return new ResolverError(ResolverErrorCode.ABORTED, `resolveNow('${name}') aborted by its signal`, {
    hostname: name,
    cause: signal.reason,
  })
}

function startAborted(signal: AbortSignal): ResolverError {
  return new ResolverError(ResolverErrorCode.ABORTED, 'start() aborted by its signal', {
    cause: signal.reason,
  })
}

function compareAddresses(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true })
}

function newSlot(type: RecordType): FamilySlot {
  return {
    type,
    addresses: EMPTY,
    failures: 0,
    negative: null,
    answeredAt: null,
    keptSince: null,
    expired: null,
  }
}

function familyOf(slot: FamilySlot): 4 | 6 {
  return slot.type === 'A' ? 4 : 6
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString()
}

function canonical(name: string): string {
  const lower = typeof name === 'string' ? name.toLowerCase() : ''
  return lower.endsWith('.') ? lower.slice(0, -1) : lower
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i])
}

function statusOf(tracked: Tracked, lastGoodMaxAgeMs: number): NameStatus {
  return {
    name: tracked.name,
    family: tracked.family,
    state: tracked.state,
    addresses: tracked.addresses,
    nameserver: tracked.nameserver,
    ttl: tracked.ttl,
    offlineReason: tracked.offlineReason,
    consecutiveFailures: Math.max(...tracked.slots.map((slot) => slot.failures)),
    lastSuccess: tracked.lastSuccess,
    lastError: tracked.lastError,
    nextRefresh: tracked.nextRefresh,
    lastGood: lastGoodOf(tracked, lastGoodMaxAgeMs),
  }
}

function lastGoodOf(tracked: Tracked, maxAge: number): LastGood | null {
  const slot = tracked.slots.find((s) => s.keptSince !== null && s.answeredAt !== null)
  if (!slot) return null
  const { addresses, answeredAt, keptSince } = slot as FamilySlot & { answeredAt: number; keptSince: number }
  return { addresses, answeredAt, keptSince, until: answeredAt + maxAge }
}

/**
 * Creates a stopped {@link Resolver}; options are validated here (a `GSLB_RESOLVER_OPTIONS_INVALID` error whose
 * `path` names the first option at fault; `validateResolverOptions` lists them all).
 */
export function createResolver(options: ResolverOptions): Resolver {
  return new DnsResolver(options)
}
