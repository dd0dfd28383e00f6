import { EventEmitter } from 'node:events'
import { types } from 'node:util'
import { emitSafely, sniffAssociation } from '@gslb/dicom'
import type { Sniffer } from './connection.js'
import { DEFAULT_CLOSE_DEADLINE_MS, DEFAULT_CONNECTIONS_LIMIT } from './constants.js'
import { ForwarderError, ForwarderErrorCode, optionsInvalid } from './errors.js'
import { type ResolvedService, resolveServices } from './options.js'
import type { ServiceContext } from './server-set.js'
import { Service } from './service.js'
import type {
  ActiveConnection,
  AddressSource,
  ForwarderEvents,
  ForwarderOptions,
  HealthChange,
  HealthCheckDone,
  HealthRegistry,
  ServiceStats,
} from './types.js'

/** The L4 forwarder: a set of services, each listening on its addresses and forwarding to its servers. */
export interface Forwarder extends EventEmitter<ForwarderEvents> {
  /**
   * Binds every listener, follows the address source and the health checker; resolves once every listener is
   * bound. A second call while starting or running returns the same promise; after `close()`/`destroy()` it
   * rejects with `GSLB_FORWARDER_CLOSED`. A failed start (a listener that cannot bind) leaves nothing bound.
   */
  start(options?: { signal?: AbortSignal }): Promise<void>
  /**
   * Graceful: stops accepting, lets established connections finish until `deadlineMs` (default 30 s) or until
   * `signal` aborts, then closes the rest. Idempotent (the same promise); resolves at once when never started.
   */
  close(options?: { deadlineMs?: number; signal?: AbortSignal }): Promise<void>
  /** Abrupt: listeners and established connections closed now. Idempotent; `error` is the reason `start()` gives. */
  destroy(error?: Error): void
  /** `await using forwarder = createForwarder(...)` closes it gracefully. */
  [Symbol.asyncDispose](): Promise<void>
  /**
   * Applies a new service list to the running forwarder: new services start, removed ones stop accepting and
   * drain, changed ones keep their unchanged listeners and established connections. Resolves once new listeners
   * are bound and removed services have drained (at most 30 s; what is left then is closed).
   */
  update(services: ForwarderOptions['services']): Promise<void>
  /** Counters and server states per service (for status pages and metrics). */
  stats(): ServiceStats[]
  /**
   * The connections open now, oldest first per service, at most `limit` (default 1000) in all: who is connected
   * where, and how many bytes each way so far. Cheap (no copy of any buffer); meant for a live view polled about
   * once a second, not for every packet.
   */
  connections(options?: { limit?: number }): ActiveConnection[]
  /** The addresses a service is bound to (real ports when 0 was configured). */
  addresses(service: string): Array<{ address: string; port: number }>
}

function methods(value: unknown, option: string, names: readonly string[]): void {
  if (value === undefined) return
  if (typeof value !== 'object' || value === null) throw optionsInvalid(option, 'expected an object')
  for (const name of names) {
    if (typeof (value as Record<string, unknown>)[name] !== 'function') {
      throw optionsInvalid(option, `expected a method ${name}()`)
    }
  }
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new ForwarderError(ForwarderErrorCode.ABORTED, 'aborted')
}

type Phase = 'idle' | 'started' | 'closed'

class ForwarderImpl extends EventEmitter<ForwarderEvents> implements Forwarder {
  private readonly services = new Map<string, Service>()
  private readonly context: ServiceContext & { sniffer: Sniffer | null }
  private readonly nameUsers = new Map<string, number>()
  private unsubscribe: (() => void) | null = null
  private phase: Phase = 'idle'
  /** Services are bound (or binding): what close() has to undo. */
  private running = false
  private starting: Promise<void> | null = null
  private closing: Promise<void> | null = null
  /** Aborted by destroy(): cuts a graceful close's wait short. */
  private readonly destroyed = new AbortController()
  private destroyReason: Error | undefined

  constructor(
    services: ResolvedService[],
    addressSource: AddressSource | null,
    health: HealthRegistry | null,
    sniffer: Sniffer | null,
  ) {
    super()
    this.context = {
      addressSource,
      health,
      sniffer,
      // one that throws stops neither the handlers after it nor the connection that reported the event (0017)
      emit: (event, ...args) => {
        emitSafely(this, event, args)
      },
    }
    for (const config of services) this.services.set(config.name, new Service(config, this.context))
  }

  private closedError(): ForwarderError {
    return new ForwarderError(
      ForwarderErrorCode.CLOSED,
      'the forwarder was closed',
      this.destroyReason === undefined ? {} : { cause: this.destroyReason },
    )
  }

  start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.phase === 'closed') return Promise.reject(this.closedError())
    if (this.starting === null) {
      this.phase = 'started'
      this.starting = this.bind(options.signal)
      // a failed start may be tried again
      this.starting.catch(() => {
        if (this.phase === 'started') this.phase = 'idle'
        this.starting = null
      })
    }
    return this.starting
  }

  private async bind(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted()
    this.running = true
    const { addressSource, health } = this.context
    if (addressSource !== null) this.unsubscribe = addressSource.subscribe(this.onAddresses)
    health?.on('target:change', this.onHealth)
    health?.on('check:result', this.onCheck)
    const started: Service[] = []
    try {
      for (const service of this.services.values()) {
        this.trackNames(service.config, 1)
        await service.start()
        started.push(service)
        signal?.throwIfAborted()
      }
    } catch (error) {
      await Promise.all(started.map((service) => service.close(0)))
      for (const service of this.services.values()) this.trackNames(service.config, -1)
      this.release()
      throw signal?.aborted ? abortError(signal) : error
    }
  }

  private release(): void {
    this.running = false
    this.unsubscribe?.()
    this.unsubscribe = null
    this.context.health?.off('target:change', this.onHealth)
    this.context.health?.off('check:result', this.onCheck)
  }

  private trackNames(config: ResolvedService, delta: 1 | -1): void {
    const source = this.context.addressSource
    for (const backend of config.backends) {
      if (backend.kind !== 'name') continue
      const users = (this.nameUsers.get(backend.host) ?? 0) + delta
      if (users > 0) this.nameUsers.set(backend.host, users)
      else this.nameUsers.delete(backend.host)
      if (source === null) continue
      if (delta === 1 && users === 1) {
        const track: { family?: 4 | 6 | 'both'; prefer?: 4 | 6 } = {}
        if (backend.family !== undefined) track.family = backend.family
        if (backend.prefer !== undefined) track.prefer = backend.prefer
        source.track(backend.host, track)
      } else if (delta === -1 && users === 0) {
        source.untrack(backend.host)
      }
    }
  }

  private readonly onAddresses = (name: string): void => {
    for (const service of this.services.values()) {
      if (service.names().includes(name)) service.rebuildServers(`addresses of ${name}`)
    }
  }

  private readonly onCheck = (check: HealthCheckDone): void => {
    const slash = check.id.indexOf('/')
    if (slash < 0 || !check.result.ok) return
    this.services
      .get(check.id.slice(0, slash))
      ?.checkFinished(check.id.slice(slash + 1), true, check.result.startedAt)
  }

  private readonly onHealth = (change: HealthChange): void => {
    const slash = change.id.indexOf('/')
    if (slash < 0) return
    this.services.get(change.id.slice(0, slash))?.healthChanged(change.id.slice(slash + 1), change.effective)
  }

  async update(services: ForwarderOptions['services']): Promise<void> {
    if (this.phase === 'closed') throw this.closedError()
    const resolved = resolveServices(services)
    const wanted = new Map(resolved.map((config) => [config.name, config]))
    const work: Promise<void>[] = []
    for (const [name, service] of this.services) {
      if (wanted.has(name)) continue
      this.services.delete(name)
      if (this.running) {
        this.trackNames(service.config, -1)
        work.push(service.close(DEFAULT_CLOSE_DEADLINE_MS, this.destroyed.signal))
      }
    }
    for (const config of resolved) {
      const existing = this.services.get(config.name)
      if (existing !== undefined) {
        if (this.running) {
          this.trackNames(config, 1)
          this.trackNames(existing.config, -1)
          work.push(existing.update(config))
        } else {
          this.services.set(config.name, new Service(config, this.context))
        }
        continue
      }
      const service = new Service(config, this.context)
      this.services.set(config.name, service)
      if (this.running) {
        this.trackNames(config, 1)
        work.push(service.start())
      }
    }
    const results = await Promise.allSettled(work)
    const failed = results.find((result) => result.status === 'rejected')
    if (failed) throw (failed as PromiseRejectedResult).reason
  }

  close(options: { deadlineMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.closing !== null) return this.closing
    const deadlineMs = options.deadlineMs ?? DEFAULT_CLOSE_DEADLINE_MS
    if (!Number.isInteger(deadlineMs) || deadlineMs < 0) {
      return Promise.reject(optionsInvalid('deadlineMs', 'expected a non-negative integer'))
    }
    this.phase = 'closed'
    const signal =
      options.signal === undefined
        ? this.destroyed.signal
        : AbortSignal.any([options.signal, this.destroyed.signal])
    this.closing = this.shutDown(deadlineMs, signal)
    return this.closing
  }

  private async shutDown(deadlineMs: number, signal: AbortSignal): Promise<void> {
    // a start in progress finishes (or fails) first, so that nothing it binds afterwards stays open
    await this.starting?.catch(() => {})
    if (!this.running) return
    const services = [...this.services.values()]
    await Promise.all(services.map((service) => service.close(deadlineMs, signal)))
    for (const service of this.services.values()) this.trackNames(service.config, -1)
    this.release()
  }

  destroy(error?: Error): void {
    if (this.destroyed.signal.aborted) return
    this.destroyReason = error
    this.destroyed.abort(error)
    // isNativeError: an Error from another realm (vm, a test runner) keeps its stack
    this.close({ deadlineMs: 0 }).catch((cause: unknown) =>
      process.emitWarning(types.isNativeError(cause) ? cause : String(cause)),
    )
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  stats(): ServiceStats[] {
    return [...this.services.values()].map((service) => service.stats())
  }

  connections(options: { limit?: number } = {}): ActiveConnection[] {
    const limit = options.limit ?? DEFAULT_CONNECTIONS_LIMIT
    if (!Number.isInteger(limit) || limit < 0) throw optionsInvalid('limit', 'expected an integer ≥ 0')
    const out: ActiveConnection[] = []
    for (const service of this.services.values()) {
      if (out.length >= limit) break
      out.push(...service.openConnections(limit - out.length))
    }
    return out
  }

  addresses(service: string): Array<{ address: string; port: number }> {
    const found = this.services.get(service)
    if (found === undefined) throw optionsInvalid('service', `no service named "${service}"`)
    return found.boundAddresses()
  }
}

const sniffDicom: Sniffer = (firstBytes) => sniffAssociation(firstBytes)

/** Validates the options and creates a forwarder; call `start()` to bind its listeners. */
export function createForwarder(options: ForwarderOptions): Forwarder {
  if (typeof options !== 'object' || options === null) throw optionsInvalid('options', 'expected an object')
  if ('logger' in options && (options as { logger?: unknown }).logger !== undefined) {
    throw optionsInvalid('logger', 'the forwarder does not log: listen to its events instead')
  }
  const services = resolveServices(options.services)
  methods(options.addressSource, 'addressSource', [
    'addresses',
    'subscribe',
    'resolveNow',
    'track',
    'untrack',
  ])
  methods(options.health, 'health', ['add', 'remove', 'checkNow', 'on', 'off'])
  const needsSource = services.find((service) => service.backends.some((backend) => backend.kind === 'name'))
  if (needsSource !== undefined && options.addressSource === undefined) {
    throw optionsInvalid('addressSource', `service "${needsSource.name}" has name backends and needs one`)
  }
  return new ForwarderImpl(services, options.addressSource ?? null, options.health ?? null, sniffDicom)
}
