import type { EventEmitter } from 'node:events'
import type { HealthChecker } from '@gslb/health'
import type { Topology } from '@gslb/topology'
import { buildModel, topologyFromConfig } from './build.js'
import type { EngineConfig } from './config.js'
import {
  DEFAULT_CLOSE_DEADLINE_MS,
  DEFAULT_UDP_ERROR_RESPONSE_BURST,
  DEFAULT_UDP_ERROR_RESPONSES_PER_SECOND,
} from './constants.js'
import { TokenBucket } from './error-budget.js'
import { EngineError, EngineErrorCode, optionsError } from './errors.js'
import { type EngineEvents, type MemberChangeEvent, SafeEmitter, type SerialChangeEvent } from './events.js'
import { type ExplainClient, type Explanation, explain } from './explain.js'
import { HealthStore } from './health-store.js'
import type { MemberHealth, Model, ObservedHealth } from './model.js'
import { canonicalName } from './names.js'
import { type AnswerClient, answerBytes, type ErrorBudget } from './respond.js'
import type { SoaSerialState } from './serial.js'
import { type EngineStats, Stats } from './stats.js'
import {
  type DnsListener,
  type DnsListenerAddress,
  type DnsListenOptions,
  listenDns,
  resolveListenOptions,
} from './transport/index.js'

/** One address the engine serves DNS on (UDP and TCP unless told otherwise), with its TCP limits. */
export type EngineListenOptions = Omit<DnsListenOptions, 'onHandlerError' | 'signal'>

export interface EngineOptions {
  config: EngineConfig
  /**
   * Where `start()` serves `answer()` over UDP and TCP: one entry per address (e.g. '0.0.0.0' and '::'). None: the
   * engine is used through `answer()` only and needs no `start()`.
   */
  listen?: readonly EngineListenOptions[]
  /** A HealthChecker to register pool members in (ids `pool/member`). The engine never creates one. */
  health?: HealthChecker
  /** A topology to locate clients with; default: built from `config.topology`. */
  topology?: Topology
  /** Random source in [0, 1) for weighted choices (tests inject a fixed one). */
  random?: () => number
  /**
   * The automatic SOA serials this engine had before (e.g. read back from a state file by the CLI): a zone whose
   * content fingerprint is unchanged keeps its serial, a changed one moves on from it. Without it, a serial is a
   * pure function of the zone's content. Read the current states with `engine.soaState()`.
   */
  soaState?: Readonly<Record<string, SoaSerialState>>
  /** Epoch ms, for the UDP error-answer budget (tests inject a clock). */
  now?: () => number
  /**
   * Budget of UDP error answers (FORMERR, NOTIMP, BADVERS, and REFUSED for other classes, zone transfers and names
   * outside our zones), shared by all senders: a garbage flood then costs a parse, not a send. `false` turns the
   * limit off. Default 100 per second, bursts of 100. TCP answers are never limited.
   */
  udpErrorResponses?: { perSecond?: number; burst?: number } | false
}

const OPTION_KEYS = [
  'config',
  'listen',
  'health',
  'topology',
  'random',
  'soaState',
  'now',
  'udpErrorResponses',
]

export interface MemberStatus {
  pool: string
  member: string
  address: string
  datacenter: string | null
  enabled: boolean
  observed: ObservedHealth
  effective: ObservedHealth
  drained: boolean
  source: MemberHealth['source']
  /** Health target ids registered for this member (one per monitor). */
  targets: readonly string[]
}

/**
 * The authoritative GSLB engine. `answer()` is the whole query path without sockets; `start()` serves it on the
 * `listen` addresses over UDP and TCP. The current config is one immutable model swapped atomically by `update()`.
 */
export interface Engine extends EventEmitter<EngineEvents> {
  /** Answers one DNS message (wire bytes). Returns the response, or null when nothing should be sent. Never throws. */
  answer(query: Uint8Array, client: AnswerClient): Uint8Array | null
  /**
   * Binds every `listen` address; resolves once all are bound (at once when there are none). A second call while
   * starting or running returns the same promise; after close/destroy it rejects with GSLB_ENGINE_CLOSED. A failed
   * start releases what it bound.
   */
  start(options?: { signal?: AbortSignal }): Promise<void>
  /** The bound listeners (real ports when 0 was asked), with their live counters; empty before start. */
  addresses(): DnsListenerAddress[]
  /**
   * Graceful: stops taking queries (UDP at once; TCP connections answer the queries they have received whole, then
   * end) and unregisters the engine's health targets; connections still open after `deadlineMs` (default 5 s) or
   * once `signal` aborts are destroyed. Idempotent (same promise); resolves at once on a never-started engine.
   */
  close(options?: { deadlineMs?: number; signal?: AbortSignal }): Promise<void>
  /** Abrupt: closes every socket now and unregisters the health targets. Idempotent. */
  destroy(error?: Error): void
  /** `close()`, for `await using engine = createEngine(...)`. */
  [Symbol.asyncDispose](): Promise<void>
  /**
   * Applies a new config atomically: the new model is built and validated completely before it replaces the old
   * one; members that keep their id keep their health, and only changed health targets are re-registered. Throws
   * GSLB_ENGINE_INVALID_CONFIG (and changes nothing) when the config is invalid.
   */
  update(config: EngineConfig): void
  /**
   * The SOA serial state of every zone served (and of zones served earlier in this process): what an embedder
   * persists and gives back as `soaState` after a restart, so an unchanged zone keeps its serial.
   */
  soaState(): Record<string, SoaSerialState>
  /** The config in force (as given to createEngine or the last successful update). */
  readonly config: EngineConfig
  /** Pushes a member's health (for embedders without a HealthChecker, or to override until the next check). */
  setHealth(pool: string, member: string, state: ObservedHealth): void
  /** Every member with its health, in pool then priority order. */
  members(): MemberStatus[]
  /** How the engine would answer `name`/`type` for `client`, step by step (JSON-serialisable). */
  explain(name: string, type: string | number, client: ExplainClient): Explanation
  /** Query counters since creation. */
  stats(): EngineStats
}

class AuthoritativeEngine extends SafeEmitter implements Engine {
  private model: Model
  private readonly store: HealthStore
  private readonly counters = new Stats()
  private readonly listenOptions: readonly EngineListenOptions[]
  /** Bound while running; kept while closing, so destroy() reaches a close in progress. */
  private bound: DnsListener[] = []
  private readonly topologyOption: Topology | undefined
  private readonly random: () => number
  private readonly now: () => number
  private readonly errorBudget: ErrorBudget | undefined
  private closed = false
  private constructed = false
  private destroyedBy: Error | undefined
  private starting: Promise<void> | undefined
  private closing: Promise<void> | undefined
  private readonly hasChecker: boolean
  private current: EngineConfig
  private serials: Record<string, SoaSerialState>

  constructor(options: EngineOptions) {
    super()
    if (typeof options !== 'object' || options === null) {
      throw optionsError('options', 'must be an object with a config')
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.includes(key)) {
        const hint = key === 'logger' ? '; the engine never logs: listen to its events instead' : ''
        throw optionsError(key, `unknown option (known: ${OPTION_KEYS.join(', ')})${hint}`)
      }
    }
    if (options.health !== undefined && typeof options.health?.add !== 'function') {
      throw optionsError('health', 'must be a HealthChecker from @gslb/health')
    }
    if (options.topology !== undefined && typeof options.topology?.lookupSubnet !== 'function') {
      throw optionsError('topology', 'must be a Topology from @gslb/topology')
    }
    this.listenOptions = listenOptionsFrom(options.listen)
    this.topologyOption = options.topology
    this.random = options.random ?? Math.random
    this.now = options.now ?? Date.now
    this.errorBudget = errorBudgetFrom(options.udpErrorResponses, this.now)
    this.serials = soaStateFrom(options.soaState)
    this.store = new HealthStore(
      options.health,
      (id, health, previous) => this.onMemberChange(id, health, previous),
      (target, action, error) => {
        const report = () => this.emitSafely('target:error', { target, action, error: asError(error) })
        // Refused while the engine is being created: reported on the next tick, once its creator can listen.
        if (this.constructed) report()
        else process.nextTick(report)
      },
    )
    this.model = this.build(options.config, undefined)
    this.current = options.config
    this.serials = { ...this.serials, ...serialStates(this.model) }
    this.store.commit(this.model)
    this.hasChecker = options.health !== undefined
    this.constructed = true
    // On the next tick: whoever created the engine can listen first.
    process.nextTick(() => this.reportUnchecked())
  }

  private reportUnchecked(): void {
    if (this.hasChecker || this.model.targets.size === 0) return
    const pools = new Set<string>()
    for (const { memberId } of this.model.targets.values()) pools.add(memberId.split('/', 1)[0] as string)
    this.emitSafely('monitors:unchecked', { pools: [...pools] })
  }

  answer(query: Uint8Array, client: AnswerClient): Uint8Array | null {
    try {
      return answerBytes(this.model, this.counters, query, client, this.errorBudget)
    } catch (error) {
      // Only a bug can get here (the parser never throws); count it and send nothing rather than crash.
      this.counters.errors++
      this.emitSafely('query:error', { error: asError(error), client })
      return null
    }
  }

  start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError('start'))
    if (this.starting) return this.starting
    const starting = this.bind(options.signal)
    this.starting = starting
    // A failed start binds nothing: a later start() may try again.
    starting.catch(() => {
      if (this.starting === starting) this.starting = undefined
    })
    return starting
  }

  private async bind(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted()
    try {
      for (const options of this.listenOptions) {
        const listener = await listenDns((query, client) => this.answer(query, client), {
          ...options,
          onHandlerError: (error, client) =>
            this.emitSafely('query:error', { error: asError(error), client }),
        })
        this.bound.push(listener)
        if (this.closed) throw this.closedError('start')
        signal?.throwIfAborted()
      }
    } catch (error) {
      // close() and destroy() wait for a start in progress: what it bound is released before they resolve.
      await Promise.all(this.bound.splice(0).map((listener) => listener.close(0)))
      throw error
    }
  }

  addresses(): DnsListenerAddress[] {
    return this.bound.map(({ address, port, stats }) => ({ address, port, stats }))
  }

  close(options: { deadlineMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.closing) return this.closing
    let deadlineMs: number
    try {
      deadlineMs = closeDeadline(options.deadlineMs)
    } catch (error) {
      return Promise.reject(error)
    }
    this.closing = this.shutDown(deadlineMs, options.signal)
    return this.closing
  }

  private async shutDown(deadlineMs: number, signal: AbortSignal | undefined): Promise<void> {
    this.closed = true
    this.store.close()
    await this.starting?.then(noop, noop)
    const destroyListeners = () => {
      for (const listener of this.bound) listener.destroy()
    }
    if (signal?.aborted) destroyListeners()
    else signal?.addEventListener('abort', destroyListeners, { once: true })
    try {
      await Promise.all(this.bound.map((listener) => listener.close(deadlineMs)))
    } finally {
      signal?.removeEventListener('abort', destroyListeners)
      this.bound = []
    }
  }

  destroy(error?: Error): void {
    if (this.destroyedBy !== undefined) return
    this.destroyedBy = error ?? new EngineError(EngineErrorCode.CLOSED, 'the engine was destroyed')
    const closing = this.close({ deadlineMs: 0 })
    for (const listener of this.bound) listener.destroy()
    closing.catch(noop)
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  private closedError(operation: string): EngineError {
    const how = this.destroyedBy === undefined ? 'closed' : 'destroyed'
    return new EngineError(EngineErrorCode.CLOSED, `${operation}: the engine is ${how}`, {
      ...(this.destroyedBy === undefined ? {} : { cause: this.destroyedBy }),
    })
  }

  update(config: EngineConfig): void {
    if (this.closed) throw this.closedError('update')
    const next = this.build(config, this.model)
    const changedZones: string[] = []
    const serialChanges: SerialChangeEvent[] = []
    for (const [name, zone] of next.zones) {
      const before = this.model.zones.get(name)?.soa.serial
      if (before === zone.soa.serial) continue
      changedZones.push(name)
      const previous = before ?? this.serials[name]?.serial
      if (previous !== undefined && previous !== zone.soa.serial) {
        serialChanges.push({ zone: name, serial: zone.soa.serial, previous, fingerprint: zone.fingerprint })
      }
    }
    this.model = next
    this.serials = { ...this.serials, ...serialStates(next) }
    this.current = config
    this.store.commit(next)
    this.emitSafely('config:update', {
      zones: next.zones.size,
      pools: next.pools.size,
      names: next.globals.size,
      changedZones,
    })
    for (const change of serialChanges) this.emitSafely('serial:change', change)
    this.reportUnchecked()
  }

  soaState(): Record<string, SoaSerialState> {
    return Object.fromEntries(Object.entries(this.serials).map(([zone, state]) => [zone, { ...state }]))
  }

  get config(): EngineConfig {
    return this.current
  }

  setHealth(pool: string, member: string, state: ObservedHealth): void {
    if (state !== 'up' && state !== 'down' && state !== 'unknown') {
      throw new EngineError(
        EngineErrorCode.INVALID_ARGUMENT,
        `state: must be 'up', 'down' or 'unknown', got '${String(state)}'`,
      )
    }
    const found = this.model.pools.get(pool)?.members.find((m) => m.name === member)
    if (!found) {
      throw new EngineError(
        EngineErrorCode.UNKNOWN_MEMBER,
        `setHealth: pool '${pool}' has no member '${member}'`,
      )
    }
    this.store.push(found.id, state)
  }

  members(): MemberStatus[] {
    const out: MemberStatus[] = []
    for (const pool of this.model.pools.values()) {
      for (const m of pool.members) {
        out.push({
          pool: pool.name,
          member: m.name,
          address: m.ip.text,
          datacenter: m.datacenter ?? null,
          enabled: m.enabled,
          observed: m.health.observed,
          effective: m.health.effective,
          drained: m.health.drained,
          source: m.health.source,
          targets: this.store.targetIds(m.id),
        })
      }
    }
    return out
  }

  explain(name: string, type: string | number, client: ExplainClient): Explanation {
    return explain(this.model, name, type, client)
  }

  stats(): EngineStats {
    return this.counters.snapshot()
  }

  private build(config: EngineConfig, previous: Model | undefined): Model {
    return buildModel(config, {
      previous,
      healthFor: (id) => this.store.healthFor(id),
      sitesFor: (raw) => this.sitesFor(raw),
      soaState: this.serials,
      random: this.random,
    })
  }

  private sitesFor(raw: unknown): Topology | undefined {
    return this.topologyOption ?? topologyFromConfig(raw)
  }

  private onMemberChange(id: string, health: MemberHealth, previous: MemberHealth): void {
    const [poolName] = id.split('/', 1) as [string]
    const pool = this.model.pools.get(poolName)
    if (pool) pool.version.value++
    const member = id.slice(poolName.length + 1)
    const state = (h: MemberHealth): MemberChangeEvent['state'] => (h.drained ? 'drain' : h.effective)
    this.emitSafely('member:change', {
      pool: poolName,
      member,
      state: state(health),
      previous: state(previous),
      observed: health.observed,
      source: health.source,
    })
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value))
}

function closeDeadline(value: unknown): number {
  if (value === undefined) return DEFAULT_CLOSE_DEADLINE_MS
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 3_600_000) {
    throw optionsError('deadlineMs', `must be an integer from 0 to 3600000, got ${String(value)}`)
  }
  return value
}

function listenOptionsFrom(option: unknown): EngineListenOptions[] {
  if (option === undefined) return []
  if (!Array.isArray(option)) throw optionsError('listen', 'must be an array of { address, port, ... }')
  return option.map((entry, index) => {
    resolveListenOptions(entry, `listen[${index}]`)
    for (const key of ['signal', 'onHandlerError']) {
      if (key in entry)
        throw optionsError(`listen[${index}].${key}`, 'is not a listener option of the engine')
    }
    return { ...entry }
  })
}

function noop(): void {}

/** The serial states of a model's zones; a fixed serial has no fingerprint, so automatic ones move on from it. */
function serialStates(model: Model): Record<string, SoaSerialState> {
  const out: Record<string, SoaSerialState> = {}
  for (const [name, zone] of model.zones) {
    out[name] = { serial: zone.soa.serial, fingerprint: zone.serialMode === 'auto' ? zone.fingerprint : '' }
  }
  return out
}

function soaStateFrom(option: unknown): Record<string, SoaSerialState> {
  if (option === undefined) return {}
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw optionsError('soaState', 'must be an object of zone name → { serial, fingerprint }')
  }
  const out: Record<string, SoaSerialState> = {}
  for (const [zone, state] of Object.entries(option)) {
    const { serial, fingerprint } = (state ?? {}) as Partial<SoaSerialState>
    const path = `soaState[${JSON.stringify(zone)}]`
    if (typeof serial !== 'number' || !Number.isInteger(serial) || serial < 0 || serial > 0xffffffff) {
      throw optionsError(`${path}.serial`, `must be an integer from 0 to 4294967295, got ${String(serial)}`)
    }
    if (typeof fingerprint !== 'string' || fingerprint.length > 128) {
      throw optionsError(`${path}.fingerprint`, 'must be a string of at most 128 characters')
    }
    out[canonicalName(zone)] = { serial, fingerprint }
  }
  return out
}

function errorBudgetFrom(
  option: EngineOptions['udpErrorResponses'],
  now: () => number,
): ErrorBudget | undefined {
  if (option === false) return undefined
  if (option !== undefined && (typeof option !== 'object' || option === null)) {
    throw optionsError('udpErrorResponses', 'must be false or { perSecond?, burst? }')
  }
  const count = (value: unknown, name: string, fallback: number): number => {
    if (value === undefined) return fallback
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1_000_000) {
      throw optionsError(
        `udpErrorResponses.${name}`,
        `must be an integer from 1 to 1000000, got ${String(value)}`,
      )
    }
    return value
  }
  return new TokenBucket(
    count(option?.perSecond, 'perSecond', DEFAULT_UDP_ERROR_RESPONSES_PER_SECOND),
    count(option?.burst, 'burst', DEFAULT_UDP_ERROR_RESPONSE_BURST),
    now,
  )
}

/**
 * Creates an engine from a config; throws EngineError GSLB_ENGINE_INVALID_CONFIG naming the path at fault, or
 * GSLB_ENGINE_OPTIONS_INVALID for another option. Nothing is bound until `start()`.
 */
export function createEngine(options: EngineOptions): Engine {
  return new AuthoritativeEngine(options)
}
