import { EventEmitter } from 'node:events'
import { isIP } from 'node:net'
import { createForwarder, type Forwarder } from '@gslb/forwarder'
import { createHealthChecker, type HealthChecker } from '@gslb/health'
import { createResolver } from '@gslb/resolver'
import { createFleetReporter } from '../admin/fleet.js'
import { type AdminAction, type AdminServer, createAdminServer } from '../admin/server.js'
import { formatEndpoint } from '../config/addresses.js'
import {
  forwarderServices,
  healthCheckerOptions,
  nameRoutes,
  resolverOptions,
} from '../config/library-options.js'
import { loadConfig } from '../config/load.js'
import type { Config, Endpoint } from '../config/types.js'
import { configWarnings } from '../config/warnings.js'
import {
  DEFAULT_ADMIN_ADDRESS,
  DEFAULT_ADMIN_PORT,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_STOP_GRACE_MS,
  HANDOVER_QUIET_MAX_MS,
} from '../constants.js'
import { CliError, CliErrorCode, ConfigError, type ConfigIssue } from '../errors.js'
import { createLogger, type Logger } from '../log.js'
import { createMetrics, DNS_ANSWER_SAMPLE_EVERY, type NodeMetrics } from '../metrics.js'
import { VERSION } from '../version.js'
import { ResolverSet } from './address-sources.js'
import { ConsoleFeed } from './console-feed.js'
import { createEngineHandle, type EngineHandle } from './engine.js'
import {
  buildStatus,
  type CheckResult,
  type CheckScope,
  checkNode,
  servicesInScope,
  usableByService,
} from './observe.js'
import { PeerView, pairPeers } from './peer-view.js'
import {
  adminReconciler,
  type BoundListeners,
  engineReconciler,
  fleetReconciler,
  forwarderReconciler,
  listenReconciler,
  loggingReconciler,
  nodeInfoReconciler,
  type Reconciler,
  reconcile,
  resolverReconciler,
  retiredResolverReconciler,
  unlistedChanges,
} from './reconcilers.js'
import type { NodeStatus } from './status.js'
import { MetricsRefresher, observeForwarder, observeHealth } from './telemetry.js'
import { type InterfaceAddresses, serviceVips, type VipEvent, VipWatcher } from './vips.js'

export interface NodeOptions {
  config: Config
  /** The file `reload()` re-reads (SIGHUP, `POST /reload`). */
  configFile?: string
  logger?: Logger
  /** Replaces `admin.listen` (tests use port 0). */
  adminListen?: Endpoint | false
  /** In a fleet file: the node `reload()` resolves (default: as `loadConfig` chooses, from the host name). */
  configNode?: string
  /** This host's interface addresses, polled to see the VIPs come and go (default: `os.networkInterfaces()`). */
  interfaceAddresses?: InterfaceAddresses
  /** How often the interfaces are polled while running (default 500 ms). */
  vipPollMs?: number
  /** Which service addresses are VIPs (default: every listen address that is not loopback or a wildcard). */
  vipsOf?: (config: Config) => Map<string, string[]>
}

export interface ReloadResult {
  [key: string]: unknown
  applied: boolean
  changes?: string[]
  error?: string
  issues?: readonly ConfigIssue[]
  /** What the applied config probably does not mean (`configWarnings`): logged, and printed by `gslb-lb reload`. */
  warnings?: readonly ConfigIssue[]
}

export interface NodeEvents {
  /** A config was applied at reload. */
  'config:reload': [ReloadResult]
  /** A reload was refused (invalid config, or applying it failed); the node keeps running the previous one. */
  'config:reject': [ReloadResult]
  /** A service VIP appeared on this host (keepalived made it the master). */
  'vip:taken': [VipEvent]
  /** A service VIP left this host. */
  'vip:released': [VipEvent]
  /** A planned stop began: the node reports itself unfit and waits for its VIPs to leave before closing listeners. */
  'node:stopping': [{ vips: string[]; graceMs: number }]
}

export interface NodeCloseOptions {
  /** How long established connections may finish once the listeners are closed (default node.drainTimeout, 30 s). */
  deadlineMs?: number
  /** Aborting it ends the close at once: what is left is destroyed. */
  signal?: AbortSignal
  /** The longest wait for this host's VIPs to move to the peer before the listeners close (default node.stopGrace). */
  stopGraceMs?: number
}

/**
 * One gslb-lb node: the health checker, the GSLB engine, the named resolvers, the forwarder and the admin API,
 * wired from one config. `reload()` applies a new config without dropping connections or resetting health.
 * Made by `createNode()` (or `createNodeFromFile()`).
 */
export interface GslbNode extends EventEmitter<NodeEvents> {
  /** The running config (replaced by an applied reload). */
  readonly config: Config
  readonly logger: Logger
  readonly health: HealthChecker
  readonly metrics: NodeMetrics
  readonly resolvers: ResolverSet
  readonly startedAt: number
  /** The console's timeline and live events (GET /timeline, GET /events). */
  readonly feed: ConsoleFeed
  /** The pair peers' `GET /check`, asked every second when the fleet says where (see `checkNode`). */
  readonly peers: PeerView
  /** The GSLB engine while running with a `gslb` section. */
  readonly engine: EngineHandle | undefined
  /** The forwarder while running. */
  readonly forwarder: Forwarder | undefined
  /** Started and not yet destroyed (true while a graceful close drains). */
  readonly running: boolean
  /** A planned stop has begun: `check()` says unfit while the VIPs move to the peer. */
  readonly stopping: boolean
  /**
   * Starts health checks, the engine, the resolvers, the forwarder and the admin API, in that order; resolves once
   * all are listening. A second call returns the same promise; after `close()`/`destroy()` it rejects with
   * `GSLB_NODE_CLOSED`. If starting fails (or `signal` aborts) what was started is destroyed.
   */
  start(options?: { signal?: AbortSignal }): Promise<void>
  /**
   * Planned stop: report unfit (`check()` says "stopping"), wait until the VIPs have left this host (at most
   * `stopGraceMs`; no wait for VIPs this node does not hold), freeze health (so the node's own closing listeners do
   * not read as a site going down), stop accepting, let established connections finish until `deadlineMs`, then
   * stop the engine, resolvers and admin API. Idempotent (the same promise); resolves at once on a node never started.
   */
  close(options?: NodeCloseOptions): Promise<void>
  /** Stops everything now (established connections are closed); `error`, if any, is logged as the reason. Idempotent. */
  destroy(error?: Error): void
  [Symbol.asyncDispose](): Promise<void>
  /**
   * Re-reads the config file (or takes `next`) and applies the difference. An invalid config changes nothing:
   * the node keeps running the previous one and the result says why.
   */
  reload(next?: Config): Promise<ReloadResult>
  /** The service VIPs on this host's interfaces at the last poll. */
  heldVips(): string[]
  /** Where the admin API is bound (real port when 0 was configured). */
  adminAddress(): Endpoint | undefined
  /** Where a service is bound. */
  serviceAddresses(service: string): Endpoint[]
  engineAddresses(): Endpoint[]
  status(): NodeStatus
  /** How the engine answers `name` for `client` right now, with live health. */
  explain(query: { name: string; client: string; type?: string; ecs?: string }): unknown
  /** Fit to hold the VIP(s) of `scope` (all services by default): see `checkNode`. */
  check(scope?: CheckScope): CheckResult
  /**
   * keepalived's check (`GET /check`): `check()`, except during a planned stop, when the answer (unfit) waits until
   * no connection of the scope's services is in flight, at most `HANDOVER_QUIET_MAX_MS`: the VIP then moves between
   * two associations, and none in flight is cut by the move (the peer knows nothing of its TCP state).
   */
  handoverCheck(scope?: CheckScope): Promise<CheckResult>
  /** An admin override on a pool member (`members`) or a service server (`servers`). */
  act(kind: 'members' | 'servers', group: string, id: string, action: AdminAction): unknown
}

/** Creates a node from a validated config; `start()` runs it. */
export function createNode(options: NodeOptions): GslbNode {
  return new Node(options)
}

class Node extends EventEmitter<NodeEvents> implements GslbNode {
  config: Config
  readonly logger: Logger
  readonly health: HealthChecker
  readonly metrics: NodeMetrics
  readonly resolvers = new ResolverSet()
  readonly startedAt = Date.now()
  /** The console's timeline and live events (GET /timeline, GET /events). */
  readonly feed: ConsoleFeed
  readonly #fleet = createFleetReporter({ status: () => this.status() })
  engine: EngineHandle | undefined
  forwarder: Forwarder | undefined
  #admin: AdminServer | undefined
  #configFile: string | undefined
  #configLoadedAt = Date.now()
  #reloads = { applied: 0, rejected: 0, lastError: undefined as string | undefined }
  #adminListen: Endpoint | false | undefined
  #reloading: Promise<unknown> = Promise.resolve()
  #listening: BoundListeners | undefined
  /** The settings each running resolver was started with (a replacement that got no answers is not applied). */
  readonly #resolverConfigs = new Map<string, NonNullable<Config['resolvers']>[string]>()
  #running = false
  #starting: Promise<void> | undefined
  /** A start in flight: a close waits for it to settle (what it starts must be closed too). */
  #startPending = false
  #closing: Promise<void> | undefined
  /** Set by `destroy()`: everything stopped once it settles. */
  #teardown: Promise<void> | undefined
  /** Aborted by `destroy()`: ends a planned stop's wait for the VIPs and its drain at once. */
  readonly #stopNow = new AbortController()
  /** The reload path, one per component, in the order they apply: see `#apply`. */
  readonly #checkedFirst: readonly Reconciler[]
  readonly #reconcilers: readonly Reconciler[]
  readonly #configNode: string | undefined
  readonly #vips: VipWatcher
  /** The pair peers' `GET /check`, asked every second when the fleet says where (see `checkNode`). */
  readonly peers: PeerView

  constructor(options: NodeOptions) {
    super()
    this.config = options.config
    this.#configFile = options.configFile
    this.#configNode = options.configNode
    this.#adminListen = options.adminListen
    this.#vips = new VipWatcher({
      vips: () => (options.vipsOf ?? serviceVips)(this.config),
      ...(options.interfaceAddresses ? { source: options.interfaceAddresses } : {}),
      ...(options.vipPollMs !== undefined ? { intervalMs: options.vipPollMs } : {}),
    })
    this.peers = new PeerView({ peers: () => pairPeers(this.config), ownUsable: () => usableByService(this) })
    this.#vips.on('vip:taken', (e) => {
      this.logger.info({ vip: e.address, services: e.services }, 'VIP taken: this node holds it now')
      this.emit('vip:taken', e)
    })
    this.#vips.on('vip:released', (e) => {
      this.logger.info({ vip: e.address, services: e.services }, 'VIP released: this node no longer holds it')
      this.emit('vip:released', e)
    })
    this.logger = options.logger ?? createLogger(options.config.logging)
    const refresher = new MetricsRefresher()
    this.metrics = createMetrics((metrics) => refresher.refresh(metrics, this))
    this.metrics.info.set(
      { node: this.config.node.name, site: this.config.node.site ?? '', version: VERSION },
      1,
    )
    this.health = createHealthChecker(healthCheckerOptions(this.config))
    observeHealth(this.health, this.metrics, this.logger)
    this.feed = new ConsoleFeed(() => this.config)
    this.feed.observeNode(this)
    this.#checkedFirst = [listenReconciler(() => this.#listening), engineReconciler(() => this.engine)]
    this.#reconcilers = [
      loggingReconciler(this.logger),
      resolverReconciler({
        resolvers: this.resolvers,
        running: this.#resolverConfigs,
        start: (name, config) => this.#startResolver(name, config),
      }),
      forwarderReconciler(() => this.forwarder),
      retiredResolverReconciler({
        running: this.#resolverConfigs,
        stop: async (name) => {
          await this.resolvers.delete(name)?.close({ deadlineMs: 0 })
        },
      }),
      adminReconciler,
      fleetReconciler,
      nodeInfoReconciler(this.metrics),
    ]
  }

  get running(): boolean {
    return this.#running
  }

  get stopping(): boolean {
    return this.#closing !== undefined && this.#running
  }

  heldVips(): string[] {
    return this.#vips.held()
  }

  start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#closing || this.#teardown) {
      return Promise.reject(
        new CliError(CliErrorCode.NODE_CLOSED, 'the node was closed; create a new one to start again'),
      )
    }
    if (!this.#starting) {
      this.#startPending = true
      this.#starting = this.#start(options.signal).finally(() => {
        this.#startPending = false
      })
    }
    return this.#starting
  }

  /** Throws when `destroy()` or `signal` ended the start while it waited. */
  #stillStarting(signal: AbortSignal | undefined): void {
    if (this.#teardown) throw closedWhileStarting()
    signal?.throwIfAborted()
  }

  async #start(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted()
    this.#running = true
    this.#listening = { gslb: this.config.gslb?.listen, admin: this.config.admin?.listen }
    try {
      await this.health.start({ signal })
      if (this.config.gslb) {
        this.engine = createEngineHandle(
          this.config,
          this.health,
          this.logger.child({ component: 'engine' }),
          {
            observe: (seconds) => this.metrics.recordAnswerSeconds(seconds),
            every: DNS_ANSWER_SAMPLE_EVERY,
          },
        )
        await this.engine.start()
        this.#stillStarting(signal)
        this.logger.info(
          { listen: this.engine.addresses().map((a) => formatEndpoint(a.address, a.port)) },
          'engine listening',
        )
      }
      this.resolvers.setRoutes(nameRoutes(this.config))
      for (const [name, resolverConfig] of Object.entries(this.config.resolvers ?? {})) {
        await this.#startResolver(name, resolverConfig)
        this.#stillStarting(signal)
      }
      this.forwarder = createForwarder({
        services: forwarderServices(this.config),
        addressSource: this.resolvers,
        health: this.health,
      })
      observeForwarder(
        this.forwarder,
        this.metrics,
        this.logger,
        (e) => this.#fastFailover(e.service, e.address),
        () => this.config,
      )
      this.feed.observeForwarder(this.forwarder)
      await this.forwarder.start(signal ? { signal } : {})
      this.#stillStarting(signal)
      for (const name of Object.keys(this.config.services ?? {})) {
        const bound = this.forwarder.addresses(name).map((a) => formatEndpoint(a.address, a.port))
        this.logger.info({ service: name, listen: bound }, 'service listening')
      }
      await this.#startAdmin()
      this.#stillStarting(signal)
      this.#vips.start()
      this.peers.start()
      this.logger.info(
        {
          node: this.config.node.name,
          site: this.config.node.site,
          version: VERSION,
          ...(this.config.fleet ? { configFingerprint: this.config.fleet.fingerprint } : {}),
        },
        'node started',
      )
    } catch (error) {
      const destroyed = this.#teardown !== undefined
      this.destroy()
      await this.#teardown
      // A destroy() that came while a step waited ran before that step's component existed: stop it too.
      await this.#tearDown()
      throw destroyed ? closedWhileStarting(error) : error
    }
  }

  /**
   * Starts the resolver called `name` with `resolverConfig`. A replacement is swapped in only once it has an
   * answer for every name the old one tracks, so the forwarder never sees a gap and a reload in the middle of a
   * DNS outage never throws away the last known good addresses. Returns false when the old one was kept.
   */
  async #startResolver(
    name: string,
    resolverConfig: NonNullable<Config['resolvers']>[string],
  ): Promise<boolean> {
    const resolver = createResolver(resolverOptions(resolverConfig, this.engine?.addresses()[0]))
    resolver.on('address:change', (e) => {
      this.metrics.resolverLookups.inc({ name: e.name, result: 'change' })
      this.logger.info(
        { resolver: name, name: e.name, previous: e.previous, current: e.current, nameserver: e.nameserver },
        'addresses changed',
      )
    })
    resolver.on('lookup:fail', (e) => {
      this.metrics.resolverLookups.inc({ name: e.name, result: 'fail' })
      const kept = e.lastGood
      this.logger.warn(
        { resolver: name, ...e },
        kept
          ? `lookup failed; keeping the last good addresses until ${new Date(kept.until).toISOString()}`
          : 'lookup failed; no good addresses to keep',
      )
    })
    resolver.on('lastgood:expire', (e) =>
      this.logger.warn(
        { resolver: name, ...e },
        'lookup failed; the last good addresses reached lastGoodMaxAge and are dropped',
      ),
    )
    resolver.on('handler:error', (e) =>
      this.logger.error({ resolver: name, event: e.event, err: e.error }, 'a resolver event handler threw'),
    )
    resolver.on('name:offline', (e) => this.logger.warn({ resolver: name, ...e }, 'name offline'))
    resolver.on('name:online', (e) => this.logger.info({ resolver: name, ...e }, 'name online'))
    this.feed.observeResolver(name, resolver)
    const names = this.resolvers.namesOf(name)
    for (const [tracked, options] of names) resolver.track(tracked, options)
    await resolver.start()
    const previous = this.resolvers.get(name)
    if (previous) {
      const settled = await Promise.allSettled(names.map(([tracked]) => resolver.resolveNow(tracked)))
      const unresolved = names.filter(([tracked], i) => {
        const result = settled[i]
        return result?.status !== 'fulfilled' || resolver.addresses(tracked).length === 0
      })
      if (unresolved.length > 0) {
        await resolver.close({ deadlineMs: 0 })
        this.logger.warn(
          { resolver: name, unresolved: unresolved.map(([tracked]) => tracked) },
          'new resolver settings got no answer; keeping the running resolver',
        )
        return false
      }
    }
    this.resolvers.set(name, resolver)
    this.#resolverConfigs.set(name, resolverConfig)
    await previous?.close({ deadlineMs: 0 })
    return true
  }

  async #startAdmin(): Promise<void> {
    if (this.#adminListen === false) return
    const listen = this.#adminListen ??
      this.config.admin?.listen ?? { address: DEFAULT_ADMIN_ADDRESS, port: DEFAULT_ADMIN_PORT }
    const admin = createAdminServer({
      listen,
      token: () => this.config.admin?.token,
      allowedHosts: () => this.config.admin?.allowedHosts,
      handlers: {
        status: () => this.status(),
        check: (scope) => this.handoverCheck(scope),
        metrics: async () => ({
          contentType: this.metrics.registry.contentType,
          body: await this.metrics.registry.metrics(),
        }),
        reload: () => this.reload(),
        explain: (query) => this.explain(query),
        act: (kind, group, id, action) => this.act(kind, group, id, action),
        timeline: (kind) => this.feed.timeline.view(kind),
        fleet: () => this.#fleet.report(),
        live: this.feed.live(),
      },
    })
    await admin.start()
    this.#admin = admin
    const bound = admin.address()
    if (bound) this.logger.info({ listen: formatEndpoint(bound.address, bound.port) }, 'admin API listening')
  }

  adminAddress(): Endpoint | undefined {
    return this.#admin?.address()
  }

  serviceAddresses(service: string): Endpoint[] {
    return this.forwarder?.addresses(service) ?? []
  }

  engineAddresses(): Endpoint[] {
    return this.engine?.addresses() ?? []
  }

  status(): NodeStatus {
    return buildStatus(this, {
      startedAt: this.startedAt,
      configFile: this.#configFile,
      configLoadedAt: this.#configLoadedAt,
      reloads: this.#reloads,
      stopping: this.stopping,
      vips: this.#vips.held(),
    })
  }

  explain(query: { name: string; client: string; type?: string; ecs?: string }): unknown {
    if (!this.engine) throw new CliError('GSLB_CLI_USAGE', 'this node runs no GSLB engine')
    if (isIP(query.client) === 0)
      throw new CliError('GSLB_CLI_USAGE', `client: '${query.client}' is not an IP address`)
    try {
      return this.engine.explain(query.name, query.type ?? 'A', {
        address: query.client,
        ...(query.ecs ? { ecs: query.ecs } : {}),
      })
    } catch (error) {
      throw new CliError('GSLB_CLI_USAGE', (error as Error).message, { cause: error })
    }
  }

  check(scope: CheckScope = {}): CheckResult {
    return checkNode(this, scope)
  }

  async handoverCheck(scope: CheckScope = {}): Promise<CheckResult> {
    const forwarder = this.forwarder
    if (!this.stopping || !forwarder) return this.check(scope)
    const services = new Set(servicesInScope(this.config, scope))
    const inFlight = () =>
      forwarder.stats().reduce((sum, s) => sum + (services.has(s.name) ? s.active : 0), 0)
    const before = inFlight()
    if (before > 0) {
      const startedAt = Date.now()
      const stopNow = this.#stopNow.signal
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          forwarder.off('connection:close', onClose)
          stopNow.removeEventListener('abort', done)
          resolve()
        }
        const onClose = (log: { service: string }) => {
          if (services.has(log.service) && inFlight() === 0) done()
        }
        const timer = setTimeout(done, HANDOVER_QUIET_MAX_MS)
        forwarder.on('connection:close', onClose)
        stopNow.addEventListener('abort', done, { once: true })
      })
      const after = inFlight()
      this.logger.info(
        {
          services: [...services],
          inFlightBefore: before,
          inFlightNow: after,
          waitedMs: Date.now() - startedAt,
        },
        after === 0
          ? 'stopping: answering unfit between two connections, so the VIP moves with none in flight'
          : 'stopping: answering unfit with connections still in flight (no quiet moment in time)',
      )
    }
    return this.check(scope)
  }

  act(kind: 'members' | 'servers', group: string, id: string, action: AdminAction): unknown {
    const override = action === 'clear' ? null : action
    if (kind === 'members') {
      const pool = this.config.gslb?.pools?.[group]
      if (!pool) throw new CliError('GSLB_NODE_STATE', `no pool '${group}'`)
      if (!pool.members.some((m) => m.name === id))
        throw new CliError('GSLB_NODE_STATE', `no member '${id}' in pool '${group}'`)
      const ids = this.engine?.targetIds(group, id) ?? []
      if (ids.length === 0) {
        // No monitor: health is whatever is pushed, so force-up/force-down/clear push it; drain needs checks.
        if (action === 'drain' || !this.engine) {
          throw new CliError(
            'GSLB_NODE_STATE',
            `pool '${group}' has no monitor: its members can be forced up or down, not drained`,
          )
        }
        this.engine.setHealth(
          group,
          id,
          action === 'force-up' ? 'up' : action === 'force-down' ? 'down' : 'unknown',
        )
      } else {
        for (const target of ids) this.health.setAdmin(target, override)
      }
      this.logger.info({ pool: group, member: id, action }, 'member override')
      const state = this.engine?.memberState(group, id)
      this.feed.override(`${group}/${id}`, action, state)
      return { pool: group, member: id, admin: override, state }
    }
    const targetId = `${group}/${id}`
    if (!this.config.services?.[group]) throw new CliError('GSLB_NODE_STATE', `no service '${group}'`)
    if (!this.health.get(targetId)) {
      const servers =
        this.forwarder
          ?.stats()
          .find((s) => s.name === group)
          ?.servers.map((s) => s.id) ?? []
      throw new CliError(
        'GSLB_NODE_STATE',
        servers.includes(id)
          ? `service '${group}' has no monitor, so its servers have no health to override`
          : `no server '${id}' in service '${group}' (servers: ${servers.join(', ') || 'none'})`,
      )
    }
    const status = this.health.setAdmin(targetId, override)
    this.logger.info({ service: group, server: id, action }, 'server override')
    this.feed.override(targetId, action, status.effective)
    return { service: group, server: id, admin: override, state: status.effective }
  }

  reload(next?: Config): Promise<ReloadResult> {
    const run = this.#reloading.then(() => this.#reload(next))
    this.#reloading = run.catch(() => {})
    return run
  }

  async #reload(next: Config | undefined): Promise<ReloadResult> {
    let config: Config
    try {
      if (next) config = next
      else if (this.#configFile) config = await loadConfig(this.#configFile, { node: this.#configNode })
      else
        throw new CliError('GSLB_CONFIG_UNREADABLE', 'this node was started without a config file to re-read')
    } catch (error) {
      return this.#rejected(error)
    }
    const changes: string[] = []
    try {
      await this.#apply(config, changes)
    } catch (error) {
      if (changes.length === 0) return this.#rejected(error)
      const message = error instanceof Error ? error.message : String(error)
      return this.#rejected(
        new CliError('GSLB_NODE_STATE', `applied only in part (${changes.join('; ')}): ${message}`),
        changes,
      )
    }
    this.#configLoadedAt = Date.now()
    this.#reloads.applied++
    this.metrics.reloads.inc({ result: 'applied' })
    const warnings = configWarnings(config)
    const result: ReloadResult = { applied: true, changes, ...(warnings.length > 0 ? { warnings } : {}) }
    this.logger.info({ changes }, changes.length > 0 ? 'config reloaded' : 'config reloaded (no changes)')
    for (const warning of warnings) this.logger.warn({ path: warning.path }, warning.message)
    this.emit('config:reload', result)
    return result
  }

  #rejected(error: unknown, partial: string[] = []): ReloadResult {
    const message = error instanceof Error ? error.message : String(error)
    this.#reloads.rejected++
    this.#reloads.lastError = message
    this.metrics.reloads.inc({ result: 'rejected' })
    const result: ReloadResult = {
      applied: false,
      error:
        error instanceof ConfigError ? `invalid configuration${error.file ? ` ${error.file}` : ''}` : message,
      ...(error instanceof ConfigError ? { issues: error.issues } : {}),
      ...(partial.length > 0 ? { changes: partial } : {}),
    }
    this.logger.error(
      { error: result.error, issues: result.issues },
      'config reload refused; keeping the running config',
    )
    this.emit('config:reject', result)
    return result
  }

  /**
   * One reconciler per component. The engine validates its whole config before anything changes, so a config it
   * refuses leaves the node as it was; the rest apply in order after the new config is committed. `changes` holds
   * what was applied so far when one throws.
   */
  async #apply(next: Config, changes: string[]): Promise<void> {
    const previous = this.config
    if (Boolean(previous.gslb) !== Boolean(next.gslb)) {
      throw new CliError('GSLB_NODE_STATE', 'adding or removing the gslb section needs a restart')
    }
    await reconcile(this.#checkedFirst, previous, next, changes)
    this.config = next
    await reconcile(this.#reconcilers, previous, next, changes)
    changes.push(...unlistedChanges(previous, next, changes))
  }

  close(options: NodeCloseOptions = {}): Promise<void> {
    this.#closing ??= this.#close(options)
    return this.#closing
  }

  async #close(options: NodeCloseOptions): Promise<void> {
    const { signal } = options
    const onAbort = () => this.destroy(signal?.reason instanceof Error ? signal.reason : undefined)
    if (signal?.aborted) onAbort()
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      if (this.#startPending) await this.#starting?.catch(() => {})
      if (!this.#teardown) await this.#drain(options)
    } finally {
      signal?.removeEventListener('abort', onAbort)
      this.destroy()
      await this.#teardown
    }
  }

  async #drain(options: NodeCloseOptions): Promise<void> {
    const deadlineMs = options.deadlineMs ?? this.config.node.drainTimeout ?? DEFAULT_DRAIN_TIMEOUT_MS
    const graceMs = options.stopGraceMs ?? this.config.node.stopGrace ?? DEFAULT_STOP_GRACE_MS
    if (this.#running) {
      const held = this.#vips.poll()
      this.emit('node:stopping', { vips: held, graceMs })
      if (held.length > 0) {
        this.logger.info({ vips: held, graceMs }, 'stopping: reporting unfit; waiting for the VIPs to move')
        const wait = await this.#vips.waitUntilReleased({
          deadlineMs: graceMs,
          pollMs: 100,
          signal: this.#stopNow.signal,
        })
        if (wait.released) this.logger.info({ waitedMs: wait.waitedMs }, 'VIPs left this host')
        else if (this.#running)
          this.logger.warn(
            { vips: wait.held, graceMs },
            'the VIPs are still here after node.stopGrace: closing the listeners anyway',
          )
      }
    }
    this.#vips.stop()
    await this.health.close({ deadlineMs: 0 })
    const forwarder = this.forwarder
    if (forwarder && !this.#teardown) {
      this.logger.info({ deadlineMs }, 'draining connections')
      await forwarder.close({ deadlineMs: Math.round(deadlineMs), signal: this.#stopNow.signal })
    }
  }

  destroy(error?: Error): void {
    if (this.#teardown) return
    if (error) this.logger.error({ err: error.message }, 'node destroyed')
    this.#teardown = this.#tearDown()
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  /** Stops everything now; never rejects (what fails to stop is logged). */
  async #tearDown(): Promise<void> {
    const wasRunning = this.#running
    this.#running = false
    this.#stopNow.abort()
    this.#vips.stop()
    this.peers.stop()
    const forwarder = this.forwarder
    this.forwarder = undefined
    await forwarder
      ?.close({ deadlineMs: 0 })
      .catch((error: unknown) => this.logger.error({ err: error }, 'forwarder stop failed'))
    for (const [name] of this.resolvers.entries()) {
      await this.resolvers
        .delete(name)
        ?.close({ deadlineMs: 0 })
        .catch(() => {})
    }
    const engine = this.engine
    this.engine = undefined
    await engine
      ?.close({ deadlineMs: 0 })
      .catch((error: unknown) => this.logger.error({ err: error }, 'engine close failed'))
    await this.health
      .close({ deadlineMs: 0 })
      .catch((error: unknown) => this.logger.error({ err: error }, 'health checker close failed'))
    const admin = this.#admin
    this.#admin = undefined
    await admin
      ?.close({ deadlineMs: 0 })
      .catch((error: unknown) => this.logger.error({ err: error }, 'admin API close failed'))
    if (wasRunning) this.logger.info({ node: this.config.node.name }, 'node stopped')
  }

  /**
   * A connect to `address` failed: every engine member serving (or checked at) that address is checked now, and
   * the service's backend names are looked up again, so the next answer already skips a dead site.
   */
  #fastFailover(service: string, address: string): void {
    for (const [poolName, pool] of Object.entries(this.config.gslb?.pools ?? {})) {
      for (const member of pool.members) {
        if (member.address !== address && member.monitorAddress !== address) continue
        for (const id of this.engine?.targetIds(poolName, member.name) ?? []) {
          this.health.checkNow(id).catch(() => {})
        }
      }
    }
    for (const backend of this.config.services?.[service]?.backends ?? []) {
      if ('name' in backend) this.resolvers.resolveNow(backend.name).catch(() => {})
    }
  }
}

const closedWhileStarting = (cause?: unknown) =>
  new CliError(CliErrorCode.NODE_CLOSED, 'the node was closed while it started', { cause })

/** Creates a node from a config file (validated; throws `ConfigError` listing every problem). */
export async function createNodeFromFile(
  file: string,
  options: Omit<NodeOptions, 'config' | 'configFile'> = {},
): Promise<GslbNode> {
  const config = await loadConfig(file, { node: options.configNode })
  return createNode({ ...options, config, configFile: file })
}
