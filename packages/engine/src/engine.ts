import { EventEmitter } from 'node:events'
import type { HealthChecker } from '@gslb/health'
import type { Topology } from '@gslb/topology'
import { buildModel, topologyFromConfig } from './build.js'
import type { EngineConfig } from './config.js'
import { DEFAULT_UDP_ERROR_RESPONSE_BURST, DEFAULT_UDP_ERROR_RESPONSES_PER_SECOND } from './constants.js'
import { TokenBucket } from './error-budget.js'
import { EngineError, EngineErrorCode } from './errors.js'
import { type ExplainClient, type Explanation, explain } from './explain.js'
import { HealthStore } from './health-store.js'
import type { MemberHealth, Model, ObservedHealth } from './model.js'
import { canonicalName } from './names.js'
import { type AnswerClient, answerBytes, type ErrorBudget } from './respond.js'
import type { SoaSerialState } from './serial.js'
import { type EngineStats, Stats } from './stats.js'
import { type DnsListener, type DnsListenOptions, listenDns } from './transport/index.js'

/** A pino-compatible logger (only `warn` is used). */
export interface EngineLogger {
  warn(details: Record<string, unknown>, message: string): void
}

export interface EngineOptions {
  config: EngineConfig
  /** A HealthChecker to register pool members in (ids `pool/member`). The engine never creates one. */
  health?: HealthChecker
  /** A topology to locate clients with; default: built from `config.topology`. */
  topology?: Topology
  logger?: EngineLogger
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

export interface MemberChangeEvent {
  pool: string
  member: string
  /** The effective state answers are based on ('drain' when drained). */
  state: ObservedHealth | 'drain'
  previous: ObservedHealth | 'drain'
  observed: ObservedHealth
  source: MemberHealth['source']
}

export interface ConfigUpdateEvent {
  zones: number
  pools: number
  names: number
  /** Zones whose SOA serial changed. */
  changedZones: string[]
}

export interface SerialChangeEvent {
  zone: string
  serial: number
  previous: number
  fingerprint: string
}

export interface EngineEvents {
  'member:change': [MemberChangeEvent]
  'config:update': [ConfigUpdateEvent]
  /** An update changed a zone's SOA serial (its content changed, or a fixed serial did). */
  'serial:change': [SerialChangeEvent]
}

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

export type EngineListenOptions = Omit<DnsListenOptions, 'onHandlerError'>

/**
 * The authoritative GSLB engine. `answer()` is the whole query path without sockets; `listen()` serves it over
 * UDP and TCP. The current config is one immutable model swapped atomically by `update()`.
 */
export class Engine extends EventEmitter<EngineEvents> {
  private model: Model
  private readonly store: HealthStore
  private readonly counters = new Stats()
  private readonly dnsListeners = new Set<DnsListener>()
  private readonly topologyOption: Topology | undefined
  private readonly logger: EngineLogger | undefined
  private readonly random: () => number
  private readonly now: () => number
  private readonly errorBudget: ErrorBudget | undefined
  private closed = false
  private closing: Promise<void> | undefined
  private readonly starting = new Set<Promise<DnsListener>>()
  private readonly hasChecker: boolean
  private current: EngineConfig
  private serials: Record<string, SoaSerialState>

  constructor(options: EngineOptions) {
    super()
    if (typeof options !== 'object' || options === null) {
      throw new EngineError(
        EngineErrorCode.INVALID_ARGUMENT,
        'createEngine: options must be an object with a config',
      )
    }
    if (options.health !== undefined && typeof options.health?.add !== 'function') {
      throw new EngineError(
        EngineErrorCode.INVALID_ARGUMENT,
        'health: must be a HealthChecker from @gslb/health',
      )
    }
    if (options.topology !== undefined && typeof options.topology?.lookupSubnet !== 'function') {
      throw new EngineError(
        EngineErrorCode.INVALID_ARGUMENT,
        'topology: must be a Topology from @gslb/topology',
      )
    }
    this.topologyOption = options.topology
    this.logger = options.logger
    this.random = options.random ?? Math.random
    this.now = options.now ?? Date.now
    this.errorBudget = errorBudgetFrom(options.udpErrorResponses, this.now)
    this.serials = soaStateFrom(options.soaState)
    this.store = new HealthStore(
      options.health,
      (id, health, previous) => this.onMemberChange(id, health, previous),
      (message, error) => this.warn(message, error),
    )
    this.model = this.build(options.config, undefined)
    this.current = options.config
    this.serials = { ...this.serials, ...serialStates(this.model) }
    this.store.commit(this.model)
    this.hasChecker = options.health !== undefined
    this.warnUnmonitored()
  }

  private warnUnmonitored(): void {
    if (this.hasChecker || this.model.targets.size === 0) return
    this.warn('pools have monitors but no HealthChecker was given: members stay unknown until setHealth()')
  }

  /** Answers one DNS message (wire bytes). Returns the response, or null when nothing should be sent. */
  answer(query: Uint8Array, client: AnswerClient): Uint8Array | null {
    try {
      return answerBytes(this.model, this.counters, query, client, this.errorBudget)
    } catch (error) {
      // Only a bug can get here (the parser never throws); count it and send nothing rather than crash.
      this.counters.errors++
      this.warn('failed to answer a query', error)
      return null
    }
  }

  /** Serves `answer()` over UDP and/or TCP. May be called several times (e.g. 0.0.0.0 and ::). */
  listen(options: EngineListenOptions): Promise<DnsListener> {
    const started = this.startListener(options)
    // close() waits for listeners still starting, so nothing is bound once it has resolved.
    this.starting.add(started)
    const forget = () => this.starting.delete(started)
    started.then(forget, forget)
    return started
  }

  private async startListener(options: EngineListenOptions): Promise<DnsListener> {
    if (this.closed) throw new EngineError(EngineErrorCode.CLOSED, 'listen: the engine is closed')
    const listener = await listenDns((query, client) => this.answer(query, client), {
      ...options,
      onHandlerError: (error) => this.warn('DNS handler failed', error),
    })
    if (this.closed) {
      await listener.close()
      throw new EngineError(EngineErrorCode.CLOSED, 'listen: the engine was closed while starting')
    }
    this.dnsListeners.add(listener)
    return listener
  }

  /**
   * Closes every listener (also those still starting) and unregisters the engine's health targets.
   * Idempotent: every call resolves once all of it is done.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing
    this.closed = true
    this.store.close()
    const listeners = [...this.dnsListeners]
    this.dnsListeners.clear()
    const starting = [...this.starting].map((started) => started.then(noop, noop))
    this.closing = Promise.all([...listeners.map((l) => l.close()), ...starting]).then(noop)
    return this.closing
  }

  /**
   * Applies a new config atomically: the new model is built and validated completely before it replaces the
   * old one; members that keep their id keep their health, and only changed health targets are re-registered.
   * Throws GSLB_ENGINE_INVALID_CONFIG (and changes nothing) when the config is invalid.
   */
  update(config: EngineConfig): void {
    if (this.closed) throw new EngineError(EngineErrorCode.CLOSED, 'update: the engine is closed')
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
    this.warnUnmonitored()
    this.emit('config:update', {
      zones: next.zones.size,
      pools: next.pools.size,
      names: next.globals.size,
      changedZones,
    })
    for (const change of serialChanges) this.emit('serial:change', change)
  }

  /**
   * The SOA serial state of every zone served (and of zones served earlier in this process): what an embedder
   * persists and gives back as `soaState` after a restart, so an unchanged zone keeps its serial.
   */
  soaState(): Record<string, SoaSerialState> {
    return Object.fromEntries(Object.entries(this.serials).map(([zone, state]) => [zone, { ...state }]))
  }

  /** The config in force (as given to createEngine or the last successful update). */
  get config(): EngineConfig {
    return this.current
  }

  /** Pushes a member's health (for embedders without a HealthChecker, or to override until the next check). */
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

  /** Every member with its health, in pool then priority order. */
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

  /** How the engine would answer `name`/`type` for `client`, step by step (JSON-serialisable). */
  explain(name: string, type: string | number, client: ExplainClient): Explanation {
    return explain(this.model, name, type, client)
  }

  /** Query counters since creation. */
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
    const state = (h: MemberHealth) => (h.drained ? 'drain' : h.effective)
    this.emit('member:change', {
      pool: poolName,
      member,
      state: state(health),
      previous: state(previous),
      observed: health.observed,
      source: health.source,
    })
  }

  private warn(message: string, error?: unknown): void {
    if (!this.logger) return
    try {
      this.logger.warn({ err: error }, message)
    } catch {
      // A failing logger must not break the engine.
    }
  }
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
  const invalid = (why: string) => new EngineError(EngineErrorCode.INVALID_ARGUMENT, `soaState${why}`)
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw invalid(': must be an object of zone name → { serial, fingerprint }')
  }
  const out: Record<string, SoaSerialState> = {}
  for (const [zone, state] of Object.entries(option)) {
    const { serial, fingerprint } = (state ?? {}) as Partial<SoaSerialState>
    if (typeof serial !== 'number' || !Number.isInteger(serial) || serial < 0 || serial > 0xffffffff) {
      throw invalid(`["${zone}"].serial: must be an integer from 0 to 4294967295, got ${String(serial)}`)
    }
    if (typeof fingerprint !== 'string' || fingerprint.length > 128) {
      throw invalid(`["${zone}"].fingerprint: must be a string of at most 128 characters`)
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
    throw new EngineError(
      EngineErrorCode.INVALID_ARGUMENT,
      'udpErrorResponses: must be false or { perSecond?, burst? }',
    )
  }
  const count = (value: unknown, name: string, fallback: number): number => {
    if (value === undefined) return fallback
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1_000_000) {
      throw new EngineError(
        EngineErrorCode.INVALID_ARGUMENT,
        `udpErrorResponses.${name}: must be an integer from 1 to 1000000, got ${String(value)}`,
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

/** Creates an engine from a config; throws EngineError GSLB_ENGINE_INVALID_CONFIG naming the path at fault. */
export function createEngine(options: EngineOptions): Engine {
  return new Engine(options)
}
