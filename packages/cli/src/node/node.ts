import { EventEmitter } from 'node:events'
import { isIP } from 'node:net'
import { createForwarder, type Forwarder } from '@gslb/forwarder'
import { createHealthChecker, type HealthChecker } from '@gslb/health'
import { createResolver } from '@gslb/resolver'
import { createFleetReporter } from '../admin/fleet.js'
import { type AdminAction, type AdminServer, createAdminServer } from '../admin/server.js'
import { formatEndpoint } from '../config/addresses.js'
import { forwarderServices, nameRoutes, resolverOptions } from '../config/library-options.js'
import { loadConfig } from '../config/load.js'
import type { Config, Endpoint } from '../config/types.js'
import { configWarnings } from '../config/warnings.js'
import {
  DEFAULT_ADMIN_ADDRESS,
  DEFAULT_ADMIN_PORT,
  DEFAULT_DRAIN_TIMEOUT_MS,
  DEFAULT_STOP_GRACE_MS,
  HEALTH_PROFILES,
} from '../constants.js'
import { CliError, ConfigError, type ConfigIssue } from '../errors.js'
import { createLogger, type Logger } from '../log.js'
import { createMetrics, DNS_ANSWER_SAMPLE_EVERY, type NodeMetrics } from '../metrics.js'
import { VERSION } from '../version.js'
import { ResolverSet } from './address-sources.js'
import { ConsoleFeed } from './console-feed.js'
import { createEngineHandle, type EngineHandle } from './engine.js'
import { buildStatus, type CheckResult, type CheckScope, checkNode, usableByService } from './observe.js'
import { PeerView, pairPeers } from './peer-view.js'
import type { NodeStatus } from './status.js'
import { libraryLogger, MetricsRefresher, observeForwarder, observeHealth } from './telemetry.js'
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

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/**
 * One gslb-lb node: the health checker, the GSLB engine, the named resolvers, the forwarder and the admin API,
 * wired from one config. `reload()` applies a new config without dropping connections or resetting health.
 */
export class GslbNode extends EventEmitter<NodeEvents> {
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
  /** What the engine and the admin API are bound to; a reload reports a listen change against these, not the file. */
  #listening: { gslb: unknown; admin: unknown } | undefined
  /** The settings each running resolver was started with (a replacement that got no answers is not applied). */
  readonly #resolverConfigs = new Map<string, NonNullable<Config['resolvers']>[string]>()
  #running = false
  #stopping: Promise<void> | undefined
  /** Aborted by `stop()`: ends a planned stop's wait for the VIPs at once. */
  readonly #stopNow = new AbortController()
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
    this.health = createHealthChecker({ defaults: HEALTH_PROFILES[this.config.health?.profile ?? 'normal'] })
    observeHealth(this.health, this.metrics, this.logger)
    this.feed = new ConsoleFeed(() => this.config)
    this.feed.observeNode(this)
  }

  get running(): boolean {
    return this.#running
  }

  /** A planned stop has begun: `check()` says unfit while the VIPs move to the peer. */
  get stopping(): boolean {
    return this.#stopping !== undefined && this.#running
  }

  /** The service VIPs on this host's interfaces at the last poll. */
  heldVips(): string[] {
    return this.#vips.held()
  }

  /** Starts health checks, the engine, the resolvers, the forwarder and the admin API, in that order. */
  async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.#running) return
    options.signal?.throwIfAborted()
    this.#running = true
    this.#listening = { gslb: this.config.gslb?.listen, admin: this.config.admin?.listen }
    try {
      this.health.start()
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
        this.logger.info(
          { listen: this.engine.addresses().map((a) => formatEndpoint(a.address, a.port)) },
          'engine listening',
        )
      }
      this.resolvers.setRoutes(nameRoutes(this.config))
      for (const [name, resolverConfig] of Object.entries(this.config.resolvers ?? {})) {
        await this.#startResolver(name, resolverConfig)
      }
      this.forwarder = createForwarder({
        services: forwarderServices(this.config),
        addressSource: this.resolvers,
        health: this.health,
        logger: libraryLogger(this.logger.child({ component: 'forwarder' })),
      })
      observeForwarder(
        this.forwarder,
        this.metrics,
        this.logger,
        (e) => this.#fastFailover(e.service, e.address),
        () => this.config,
      )
      this.feed.observeForwarder(this.forwarder)
      await this.forwarder.start(options)
      for (const name of Object.keys(this.config.services ?? {})) {
        const bound = this.forwarder.addresses(name).map((a) => formatEndpoint(a.address, a.port))
        this.logger.info({ service: name, listen: bound }, 'service listening')
      }
      await this.#startAdmin()
      this.#vips.start()
      this.feed.start(() => this.resolvers.entries())
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
      await this.stop().catch(() => {})
      throw error
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
        await resolver.stop()
        this.logger.warn(
          { resolver: name, unresolved: unresolved.map(([tracked]) => tracked) },
          'new resolver settings got no answer; keeping the running resolver',
        )
        return false
      }
    }
    this.resolvers.set(name, resolver)
    this.#resolverConfigs.set(name, resolverConfig)
    await previous?.stop()
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
        check: (scope) => this.check(scope),
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
    const bound = await admin.start()
    this.#admin = admin
    this.logger.info({ listen: formatEndpoint(bound.address, bound.port) }, 'admin API listening')
  }

  /** Where the admin API is bound (real port when 0 was configured). */
  adminAddress(): Endpoint | undefined {
    return this.#admin?.address()
  }

  /** Where a service is bound. */
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

  /** How the engine answers `name` for `client` right now, with live health. */
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

  /** Fit to hold the VIP(s) of `scope` (all services by default): see `checkNode`. */
  check(scope: CheckScope = {}): CheckResult {
    return checkNode(this, scope)
  }

  /** An admin override on a pool member (`members`) or a service server (`servers`). */
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

  /**
   * Re-reads the config file (or takes `next`) and applies the difference. An invalid config changes nothing:
   * the node keeps running the previous one and the result says why.
   */
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

  async #apply(next: Config, changes: string[]): Promise<void> {
    const previous = this.config
    if (Boolean(previous.gslb) !== Boolean(next.gslb)) {
      throw new CliError('GSLB_NODE_STATE', 'adding or removing the gslb section needs a restart')
    }
    changes.push(...listenChanges(this.#listening, previous, next))
    // The engine first: it validates its whole config before changing anything.
    if (
      this.engine &&
      next.gslb &&
      (!same(previous.gslb, next.gslb) ||
        !same(previous.topology, next.topology) ||
        !same(previous.monitors, next.monitors) ||
        !same(previous.health, next.health))
    ) {
      await this.engine.update(next)
      changes.push('engine: zones, pools and names updated')
    }
    this.config = next
    this.logger.level = next.logging?.level ?? 'info'
    if ((previous.logging?.format ?? 'auto') !== (next.logging?.format ?? 'auto')) {
      changes.push('logging.format: changed in the file; takes effect at the next restart')
    }
    if (previous.logging?.level !== next.logging?.level) changes.push(`logging.level: ${this.logger.level}`)
    // Resolvers that are new or changed start (and settle) before the forwarder routes names to them.
    this.resolvers.setRoutes(nameRoutes(next))
    for (const [name, resolverConfig] of Object.entries(next.resolvers ?? {})) {
      const running = this.#resolverConfigs.get(name)
      if (running && same(running, resolverConfig)) continue
      const replaced = await this.#startResolver(name, resolverConfig)
      changes.push(
        `resolver ${name}: ${!running ? 'added' : replaced ? 'replaced' : 'NOT replaced (the new settings got no answer; the running resolver stays)'}`,
      )
    }
    const forwarderChanged =
      !same(previous.services, next.services) ||
      !same(previous.monitors, next.monitors) ||
      !same(previous.health, next.health)
    if (this.forwarder && forwarderChanged) {
      await this.forwarder.update(forwarderServices(next))
      for (const name of new Set([
        ...Object.keys(previous.services ?? {}),
        ...Object.keys(next.services ?? {}),
      ])) {
        const before = previous.services?.[name]
        const after = next.services?.[name]
        if (!before) changes.push(`service ${name}: added`)
        else if (!after) changes.push(`service ${name}: removed (draining)`)
        else if (!same(before, after)) changes.push(`service ${name}: updated`)
      }
    }
    for (const name of Object.keys(previous.resolvers ?? {})) {
      if (next.resolvers?.[name]) continue
      await this.resolvers.delete(name)?.stop()
      this.#resolverConfigs.delete(name)
      changes.push(`resolver ${name}: removed`)
    }
    if (!same(previous.admin?.token, next.admin?.token)) changes.push('admin: token changed')
    if (previous.fleet?.fingerprint !== next.fleet?.fingerprint) {
      changes.push(
        `config fingerprint: ${previous.fleet?.fingerprint ?? 'none'} → ${next.fleet?.fingerprint ?? 'none'}`,
      )
    }
    changes.push(...unlistedChanges(previous, next, changes))
    if (!same(previous.node, next.node)) {
      this.metrics.info.reset()
      this.metrics.info.set({ node: next.node.name, site: next.node.site ?? '', version: VERSION }, 1)
      changes.push('node: updated')
    }
  }

  /**
   * Planned stop: report unfit (`check()` says "stopping"), wait until the VIPs have left this host (at most
   * `options.stopGraceMs`, default node.stopGrace, 5 s; no wait for VIPs this node does not hold), freeze health (so
   * the node's own closing listeners do not read as a site going down), stop accepting, let established connections
   * finish until `deadlineMs` (default node.drainTimeout, 30 s), then stop the engine, resolvers and admin API.
   * Idempotent: a second call waits for the first.
   */
  close(options: { deadlineMs?: number; stopGraceMs?: number } = {}): Promise<void> {
    this.#stopping ??= this.#close(options)
    return this.#stopping
  }

  async #close(options: { deadlineMs?: number; stopGraceMs?: number }): Promise<void> {
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
    await this.health.stop()
    const forwarder = this.forwarder
    if (forwarder) {
      this.logger.info({ deadlineMs }, 'draining connections')
      await forwarder.close({ deadlineMs: Math.round(deadlineMs) })
    }
    await this.stop()
  }

  /** Stops everything now (established connections are closed). */
  async stop(): Promise<void> {
    const wasRunning = this.#running
    this.#running = false
    this.#stopNow.abort()
    this.#vips.stop()
    this.feed.stop()
    this.peers.stop()
    const forwarder = this.forwarder
    this.forwarder = undefined
    await forwarder
      ?.stop()
      .catch((error: unknown) => this.logger.error({ err: error }, 'forwarder stop failed'))
    for (const [name] of this.resolvers.entries()) {
      await this.resolvers
        .delete(name)
        ?.stop()
        .catch(() => {})
    }
    const engine = this.engine
    this.engine = undefined
    await engine?.stop().catch((error: unknown) => this.logger.error({ err: error }, 'engine stop failed'))
    await this.health.stop()
    const admin = this.#admin
    this.#admin = undefined
    await admin?.stop()
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

/**
 * `gslb.listen` and `admin.listen` take effect at a restart: a reload reports the file differing from what is bound
 * (once per change), and a file put back to what is bound.
 */
function listenChanges(
  bound: { gslb: unknown; admin: unknown } | undefined,
  previous: Config,
  next: Config,
): string[] {
  const out: string[] = []
  const entries = [
    ['gslb.listen', 'the engine keeps its listeners', bound?.gslb, previous.gslb?.listen, next.gslb?.listen],
    [
      'admin.listen',
      'the admin API keeps its listener',
      bound?.admin,
      previous.admin?.listen,
      next.admin?.listen,
    ],
  ] as const
  for (const [key, keeps, running, before, after] of entries) {
    if (same(before, after)) continue
    if (bound && same(after, running)) out.push(`${key}: back to what is listening (no restart needed)`)
    else out.push(`${key}: changed in the file; ${keeps} until a restart`)
  }
  return out
}

/** The change lines that already speak for a section. */
const COVERED_BY: Partial<Record<keyof Config, string[]>> = {
  gslb: ['gslb', 'engine:'],
  services: ['service '],
  resolvers: ['resolver '],
  fleet: ['config fingerprint'],
}

/** Every top-level section that changed gets a line, also those no component-specific line names (health.profile). */
function unlistedChanges(previous: Config, next: Config, listed: readonly string[]): string[] {
  const out: string[] = []
  const profile = (c: Config) => c.health?.profile ?? 'normal'
  if (profile(previous) !== profile(next)) {
    out.push(`health.profile: ${profile(previous)} → ${profile(next)} (checks use the new timings)`)
  }
  if (!same(previous.health?.defaults, next.health?.defaults)) out.push('health.defaults: updated')
  const sections = new Set([...Object.keys(previous), ...Object.keys(next)]) as Set<keyof Config>
  for (const section of sections) {
    if (section === 'health' || same(previous[section], next[section])) continue
    const prefixes = COVERED_BY[section] ?? [section]
    if (listed.some((line) => prefixes.some((prefix) => line.startsWith(prefix)))) continue
    out.push(`${section}: updated`)
  }
  return out
}

/** Creates a node from a config file (validated; throws `ConfigError` listing every problem). */
export async function createNodeFromFile(
  file: string,
  options: Omit<NodeOptions, 'config' | 'configFile'> = {},
): Promise<GslbNode> {
  const config = await loadConfig(file, { node: options.configNode })
  return new GslbNode({ ...options, config, configFile: file })
}
