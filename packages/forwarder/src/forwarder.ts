import { EventEmitter } from 'node:events'
import { sniffAssociation } from '@gslb/dicom'
import type { Sniffer } from './connection.js'
import { DEFAULT_CLOSE_DEADLINE_MS, DEFAULT_CONNECTIONS_LIMIT } from './constants.js'
import { ForwarderConfigError, ForwarderError, ForwarderErrorCode } from './errors.js'
import { type ResolvedService, resolveServices } from './options.js'
import { Service, type ServiceContext } from './service.js'
import type {
  ActiveConnection,
  AddressSource,
  ForwarderEvents,
  ForwarderOptions,
  HealthChange,
  HealthCheckDone,
  HealthRegistry,
  Logger,
  ServiceStats,
} from './types.js'

function methods(value: unknown, option: string, names: readonly string[]): void {
  if (value === undefined) return
  if (typeof value !== 'object' || value === null)
    throw new ForwarderConfigError(option, 'expected an object')
  for (const name of names) {
    if (typeof (value as Record<string, unknown>)[name] !== 'function') {
      throw new ForwarderConfigError(option, `expected a method ${name}()`)
    }
  }
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new ForwarderError(ForwarderErrorCode.ABORTED, 'aborted')
}

/** The L4 forwarder: a set of services, each listening on its addresses and forwarding to its servers. */
export class Forwarder extends EventEmitter<ForwarderEvents> {
  private readonly services = new Map<string, Service>()
  private readonly context: ServiceContext
  private readonly nameUsers = new Map<string, number>()
  private unsubscribe: (() => void) | null = null
  private running = false
  private closed = false

  /** Use `createForwarder()`; the constructor takes already validated services. */
  constructor(
    services: ResolvedService[],
    addressSource: AddressSource | null,
    health: HealthRegistry | null,
    logger: Logger | null,
    sniffer: Sniffer | null,
  ) {
    super()
    this.context = {
      addressSource,
      health,
      logger,
      sniffer,
      emit: (event, ...args) => {
        // a throwing listener must not break the connection that happened to report the event
        try {
          ;(this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args)
        } catch (error) {
          logger?.error({ event, err: error }, 'forwarder event listener threw')
        }
      },
    }
    for (const config of services) this.services.set(config.name, new Service(config, this.context))
  }

  /** Binds every listener, follows the address source and the health checker. Idempotent. */
  async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.closed) throw new ForwarderError(ForwarderErrorCode.CLOSED, 'the forwarder was closed')
    if (this.running) return
    options.signal?.throwIfAborted()
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
        options.signal?.throwIfAborted()
      }
    } catch (error) {
      await Promise.all(started.map((service) => service.close(0)))
      for (const service of this.services.values()) this.trackNames(service.config, -1)
      this.release()
      throw options.signal?.aborted ? abortError(options.signal) : error
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

  /**
   * Applies a new service list to the running forwarder: new services start, removed ones stop accepting and
   * drain, changed ones keep their unchanged listeners and established connections. Resolves once new listeners
   * are bound and removed services have drained (at most 30 s; what is left then is closed).
   */
  async update(services: ForwarderOptions['services']): Promise<void> {
    if (this.closed) throw new ForwarderError(ForwarderErrorCode.CLOSED, 'the forwarder was closed')
    const resolved = resolveServices(services)
    const wanted = new Map(resolved.map((config) => [config.name, config]))
    const work: Promise<void>[] = []
    for (const [name, service] of this.services) {
      if (wanted.has(name)) continue
      this.services.delete(name)
      if (this.running) {
        this.trackNames(service.config, -1)
        work.push(service.close(DEFAULT_CLOSE_DEADLINE_MS))
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

  /**
   * Graceful: stops accepting, lets established connections finish until `deadlineMs` (default 30 s), then
   * closes the rest. Idempotent; the forwarder cannot be started again.
   */
  async close(options: { deadlineMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const deadlineMs = options.deadlineMs ?? DEFAULT_CLOSE_DEADLINE_MS
    if (!Number.isInteger(deadlineMs) || deadlineMs < 0) {
      throw new ForwarderConfigError('deadlineMs', 'expected a non-negative integer')
    }
    this.closed = true
    if (!this.running) return
    await Promise.all([...this.services.values()].map((service) => service.close(deadlineMs, options.signal)))
    for (const service of this.services.values()) this.trackNames(service.config, -1)
    this.release()
  }

  /** Stops now: listeners closed, established connections closed, timers and health targets released. */
  async stop(options: { signal?: AbortSignal } = {}): Promise<void> {
    await this.close({ deadlineMs: 0, ...(options.signal ? { signal: options.signal } : {}) })
  }

  /** Abrupt stop; `error` is logged as the reason. */
  destroy(error?: Error): void {
    if (error !== undefined) this.context.logger?.error({ err: error }, 'forwarder destroyed')
    this.close({ deadlineMs: 0 }).catch((cause: unknown) => {
      this.context.logger?.error({ err: cause }, 'forwarder destroy failed')
    })
  }

  /** Counters and server states per service (for status pages and metrics). */
  stats(): ServiceStats[] {
    return [...this.services.values()].map((service) => service.stats())
  }

  /**
   * The connections open now, oldest first per service, at most `limit` (default 1000) in all: who is connected
   * where, and how many bytes each way so far. Cheap (no copy of any buffer); meant for a live view polled about
   * once a second, not for every packet.
   */
  connections(options: { limit?: number } = {}): ActiveConnection[] {
    const limit = options.limit ?? DEFAULT_CONNECTIONS_LIMIT
    if (!Number.isInteger(limit) || limit < 0)
      throw new ForwarderConfigError('limit', 'expected an integer ≥ 0')
    const out: ActiveConnection[] = []
    for (const service of this.services.values()) {
      if (out.length >= limit) break
      out.push(...service.openConnections(limit - out.length))
    }
    return out
  }

  /** The addresses a service is bound to (real ports when 0 was configured). */
  addresses(service: string): Array<{ address: string; port: number }> {
    const found = this.services.get(service)
    if (found === undefined) throw new ForwarderConfigError('service', `no service named "${service}"`)
    return found.boundAddresses()
  }
}

const sniffDicom: Sniffer = (firstBytes) => sniffAssociation(firstBytes)

/** Validates the options and creates a forwarder; call `start()` to bind its listeners. */
export function createForwarder(options: ForwarderOptions): Forwarder {
  if (typeof options !== 'object' || options === null)
    throw new ForwarderConfigError('options', 'expected an object')
  const services = resolveServices(options.services)
  methods(options.addressSource, 'addressSource', [
    'addresses',
    'subscribe',
    'resolveNow',
    'track',
    'untrack',
  ])
  methods(options.health, 'health', ['add', 'remove', 'checkNow', 'on', 'off'])
  methods(options.logger, 'logger', ['info', 'warn', 'error'])
  const needsSource = services.find((service) => service.backends.some((backend) => backend.kind === 'name'))
  if (needsSource !== undefined && options.addressSource === undefined) {
    throw new ForwarderConfigError(
      'addressSource',
      `service "${needsSource.name}" has name backends and needs one`,
    )
  }
  return new Forwarder(
    services,
    options.addressSource ?? null,
    options.health ?? null,
    options.logger ?? null,
    sniffDicom,
  )
}
