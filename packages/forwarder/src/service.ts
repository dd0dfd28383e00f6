import { createServer, type Server as NetServer, type Socket } from 'node:net'
import { type BalanceState, pickServer } from './balance.js'
import { Connection, type ConnectionHost, type Sniffer } from './connection.js'
import { ForwarderError, ForwarderErrorCode } from './errors.js'
import type { ListenAddress, ResolvedService } from './options.js'
import { type HealthState, hashString, Server } from './server.js'
import type {
  ActiveConnection,
  AddressSource,
  ConnectionLog,
  ForwarderEvents,
  HealthRegistry,
  HealthTargetSpec,
  Logger,
  RejectReason,
  ServerState,
  ServiceStats,
} from './types.js'

/** What a service needs from the forwarder that owns it. */
export interface ServiceContext {
  addressSource: AddressSource | null
  health: HealthRegistry | null
  logger: Logger | null
  sniffer: Sniffer | null
  emit<K extends keyof ForwarderEvents>(event: K, ...args: ForwarderEvents[K]): void
}

interface Listener {
  spec: ListenAddress
  server: NetServer
}

const MAPPED_PREFIX = '::ffff:'

function unmap(address: string): string {
  return address.startsWith(MAPPED_PREFIX) && address.includes('.')
    ? address.slice(MAPPED_PREFIX.length)
    : address
}

function ignore(): void {}

/**
 * Closes a listening socket without waiting for the connections it accepted (net.Server's close callback
 * would wait for them; the service tracks and drains its connections itself).
 */
function stopListening(server: NetServer): Promise<void> {
  server.close(ignore)
  // the listening fd is released by libuv on the next loop turn; after that the port can be bound again
  return new Promise((resolve) => setImmediate(resolve))
}

/** One service: its listeners, its server set, its connections and their limits. */
export class Service implements ConnectionHost {
  config: ResolvedService
  sniffer: Sniffer | null
  private servers: Server[] = []
  private readonly byId = new Map<string, Server>()
  private readonly listeners = new Map<string, Listener>()
  private readonly connections = new Set<Connection>()
  private readonly perClient = new Map<string, number>()
  private readonly balance: BalanceState = { cursor: 0 }
  private sweepTimer: NodeJS.Timeout | null = null
  private closing = false
  private drained: (() => void) | null = null
  private sequence = 0
  private total = 0
  private rejected = 0
  private failedConnects = 0
  private closedBytesFromClient = 0
  private closedBytesFromServer = 0

  constructor(
    config: ResolvedService,
    private readonly context: ServiceContext,
  ) {
    this.config = config
    this.sniffer = config.sniffDicom ? context.sniffer : null
  }

  get name(): string {
    return this.config.name
  }

  /** DNS names this service's backends use. */
  names(): string[] {
    return this.config.backends.filter((backend) => backend.kind === 'name').map((backend) => backend.host)
  }

  async start(): Promise<void> {
    this.closing = false
    this.rebuildServers('start')
    try {
      await Promise.all(this.config.listen.map((spec) => this.listen(spec)))
    } catch (error) {
      await this.closeListeners()
      throw error
    }
    this.restartSweep()
  }

  private listen(spec: ListenAddress): Promise<void> {
    const config = this.config
    const server = createServer(
      {
        allowHalfOpen: true,
        pauseOnConnect: true,
        noDelay: true,
        keepAlive: config.keepAliveDelayMs > 0,
        keepAliveInitialDelay: config.keepAliveDelayMs,
      },
      this.accept,
    )
    const listener: Listener = { spec, server }
    this.listeners.set(spec.key, listener)
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => {
        this.listeners.delete(spec.key)
        reject(
          new ForwarderError(
            ForwarderErrorCode.LISTEN_FAILED,
            `service '${config.name}' cannot listen on ${spec.key}: ${error.message}`,
            { cause: error },
          ),
        )
      }
      server.once('error', onError)
      server.listen({ host: spec.address, port: spec.port, backlog: config.backlog }, () => {
        server.off('error', onError)
        server.on('error', (error: Error) => {
          this.context.emit('listener:error', { service: config.name, listen: spec.key, error })
          this.context.logger?.error({ service: config.name, listen: spec.key, err: error }, 'listener error')
        })
        resolve()
      })
    })
  }

  /** Addresses actually bound (with the real port when 0 was configured). */
  boundAddresses(): Array<{ address: string; port: number }> {
    const bound: Array<{ address: string; port: number }> = []
    for (const { server } of this.listeners.values()) {
      const address = server.address()
      if (address !== null && typeof address === 'object')
        bound.push({ address: address.address, port: address.port })
    }
    return bound
  }

  private reject(socket: Socket, address: string, port: number, reason: RejectReason): void {
    socket.on('error', ignore)
    socket.destroy()
    this.rejected++
    const client = { address, port }
    this.context.emit('connection:reject', { service: this.config.name, client, reason })
    this.context.logger?.warn({ service: this.config.name, client, reason }, 'connection rejected')
  }

  private readonly accept = (socket: Socket): void => {
    const remote = socket.remoteAddress
    const port = socket.remotePort ?? 0
    if (remote === undefined) {
      socket.on('error', ignore)
      socket.destroy()
      return
    }
    const address = unmap(remote)
    const config = this.config
    const fromClient = this.perClient.get(address) ?? 0
    const refusal: RejectReason | null = this.closing
      ? 'closing'
      : config.allow !== null && !config.allow.check(address, address.includes(':') ? 'ipv6' : 'ipv4')
        ? 'not-allowed'
        : config.maxConnections > 0 && this.connections.size >= config.maxConnections
          ? 'max-connections'
          : config.maxConnectionsPerClient > 0 && fromClient >= config.maxConnectionsPerClient
            ? 'max-connections-per-client'
            : null
    if (refusal !== null) {
      this.reject(socket, address, port, refusal)
      return
    }
    this.perClient.set(address, fromClient + 1)
    this.total++
    const connection = new Connection(++this.sequence, this, socket, address, port, hashString(address))
    this.connections.add(connection)
    connection.start()
  }

  pick(clientHash: number, tried: readonly Server[]): Server | null {
    return pickServer(this.config.balance, this.servers, clientHash, tried, this.balance)
  }

  connectSucceeded(server: Server): void {
    server.consecutiveFailures = 0
    // without active checks, traffic is the evidence: a server that took a connection is up
    if (this.config.checkEnabled || server.health === 'up' || server.passiveDown || server.draining) return
    const previous = server.state
    server.health = 'up'
    this.changed(server, previous, 'a connection went through')
  }

  connectFailed(server: Server, error: Error): void {
    server.failedConnects++
    server.consecutiveFailures++
    this.failedConnects++
    const { name, passiveFailures, passiveHoldMs } = this.config
    this.context.emit('connect:fail', {
      service: name,
      server: server.id,
      address: server.address,
      port: server.port,
      error,
    })
    this.context.logger?.warn(
      { service: name, server: server.id, err: error.message, failures: server.consecutiveFailures },
      'backend connect failed',
    )
    if (server.source !== null && this.context.addressSource !== null) {
      Promise.resolve(this.context.addressSource.resolveNow(server.source)).catch(ignore)
    }
    if (
      server.passiveDown ||
      server.draining ||
      server.consecutiveFailures < passiveFailures ||
      passiveHoldMs === 0
    ) {
      return
    }
    const previous = server.state
    server.passiveDown = true
    server.passiveSince = Date.now()
    // without active checks nothing is known once the hold is over: unknown, not up again
    if (!this.config.checkEnabled) server.health = 'unknown'
    server.clearPassiveTimer()
    server.passiveTimer = setTimeout(() => {
      server.passiveTimer = null
      this.setPassiveUp(server, 'passive hold over')
    }, passiveHoldMs)
    server.passiveTimer.unref()
    this.changed(server, previous, `${server.consecutiveFailures} consecutive connect failures`)
    if (this.context.health !== null && this.config.checkEnabled) {
      Promise.resolve(this.context.health.checkNow(this.targetId(server))).catch(ignore)
    }
  }

  private setPassiveUp(server: Server, reason: string): void {
    if (!server.passiveDown) return
    const previous = server.state
    server.passiveDown = false
    server.consecutiveFailures = 0
    server.clearPassiveTimer()
    this.changed(server, previous, reason)
  }

  private changed(server: Server, previous: ServerState, reason: string): void {
    const current = server.state
    if (current === previous) return
    this.context.emit('server:change', {
      service: this.config.name,
      server: server.id,
      previous,
      current,
      reason,
    })
    this.context.logger?.info(
      { service: this.config.name, server: server.id, previous, current, reason },
      'server state',
    )
    if ((current === 'down' || current === 'draining') && this.config.onMarkedDown === 'shutdown') {
      for (const connection of [...server.connections]) connection.shutdown('server-down')
    }
  }

  closed(connection: Connection, log: ConnectionLog): void {
    this.connections.delete(connection)
    const fromClient = (this.perClient.get(connection.clientAddress) ?? 1) - 1
    if (fromClient === 0) this.perClient.delete(connection.clientAddress)
    else this.perClient.set(connection.clientAddress, fromClient)
    this.closedBytesFromClient += log.bytesFromClient
    this.closedBytesFromServer += log.bytesFromServer
    const server = connection.currentServer
    if (server?.draining && server.active === 0) this.forget(server)
    this.context.emit('connection:close', log)
    if (this.connections.size === 0 && this.drained !== null) this.drained()
  }

  private targetId(server: Server): string {
    return `${this.config.name}/${server.id}`
  }

  private register(server: Server): void {
    const health = this.context.health
    if (health === null || !this.config.checkEnabled) return
    const check = this.config.check
    const target: HealthTargetSpec = {
      id: this.targetId(server),
      address: server.address,
      port: server.port,
      monitor:
        check.type === 'tcp'
          ? { type: 'tcp' }
          : {
              type: 'dicom',
              ...(check.callingAE !== undefined ? { callingAE: check.callingAE } : {}),
              ...(check.calledAE !== undefined ? { calledAE: check.calledAE } : {}),
            },
      interval: check.intervalMs,
      timeout: check.timeoutMs,
      meta: { service: this.config.name, server: server.id, source: server.source },
    }
    if (check.rise !== undefined) target.rise = check.rise
    if (check.fall !== undefined) target.fall = check.fall
    try {
      health.add(target)
    } catch (error) {
      // a duplicate id (another forwarder registered it) must not stop this one from forwarding
      this.context.logger?.error(
        { service: this.config.name, server: server.id, err: error },
        'health target rejected',
      )
    }
  }

  private unregister(server: Server): void {
    const health = this.context.health
    if (health === null || !this.config.checkEnabled) return
    try {
      health.remove(this.targetId(server))
    } catch {
      // already gone
    }
    server.health = 'unknown'
  }

  /**
   * A check of one of this service's servers finished. A success that started after a passive mark-down ends the
   * hold at once: the server came back (or the failures were the path, not the server), and its active health may
   * never have changed — a PACS restarted within one check interval is never observed down.
   */
  checkFinished(serverId: string, ok: boolean, startedAt: number): void {
    const server = this.byId.get(serverId)
    if (server === undefined || !ok || !server.passiveDown || startedAt < server.passiveSince) return
    this.setPassiveUp(server, 'a health check succeeded after the passive mark-down')
  }

  /** Applies a `target:change` for one of this service's servers. */
  healthChanged(serverId: string, effective: HealthState): void {
    const server = this.byId.get(serverId)
    if (server === undefined || server.draining) return
    const previous = server.state
    server.health = effective
    if (effective === 'up' && server.passiveDown) {
      server.passiveDown = false
      server.consecutiveFailures = 0
      server.clearPassiveTimer()
    }
    this.changed(server, previous, `health check: ${effective}`)
  }

  /** Recomputes the server list from the backends and the address source; vanished servers drain. */
  rebuildServers(reason: string): void {
    const next: Server[] = []
    const seen = new Set<string>()
    for (const backend of this.config.backends) {
      const addresses =
        backend.kind === 'static'
          ? [backend.host]
          : (this.context.addressSource?.addresses(backend.host) ?? [])
      const source = backend.kind === 'name' ? backend.host : null
      for (const address of addresses) {
        const candidate = new Server(address, backend.port, source, backend.weight, backend.backup)
        if (seen.has(candidate.id)) continue
        seen.add(candidate.id)
        let server = this.byId.get(candidate.id)
        if (server === undefined) {
          server = candidate
          this.byId.set(server.id, server)
          this.register(server)
        } else if (server.draining) {
          server.draining = false
          this.register(server)
          this.changed(server, 'draining', `back in ${reason}`)
        }
        server.source = source
        server.weight = backend.weight
        server.backup = backend.backup
        server.order = next.length
        next.push(server)
      }
    }
    this.servers = next
    for (const server of this.byId.values()) {
      if (seen.has(server.id) || server.draining) continue
      const previous = server.state
      server.draining = true
      server.clearPassiveTimer()
      server.passiveDown = false
      this.unregister(server)
      this.changed(server, previous, `removed by ${reason}`)
      if (server.active === 0) this.forget(server)
    }
  }

  private forget(server: Server): void {
    this.byId.delete(server.id)
    server.clearPassiveTimer()
  }

  /** Applies a new configuration of the same service without dropping established connections. */
  async update(config: ResolvedService): Promise<void> {
    const previous = this.config
    const checkChanged =
      previous.checkEnabled !== config.checkEnabled ||
      JSON.stringify(previous.check) !== JSON.stringify(config.check)
    if (checkChanged) for (const server of this.byId.values()) if (!server.draining) this.unregister(server)
    this.config = config
    this.sniffer = config.sniffDicom ? this.context.sniffer : null
    if (checkChanged) for (const server of this.byId.values()) if (!server.draining) this.register(server)
    this.rebuildServers('update')
    const wanted = new Set(config.listen.map((spec) => spec.key))
    const closing: Promise<void>[] = []
    for (const [key, listener] of this.listeners) {
      if (wanted.has(key)) continue
      this.listeners.delete(key)
      closing.push(stopListening(listener.server))
    }
    await Promise.all(closing)
    await Promise.all(
      config.listen.filter((spec) => !this.listeners.has(spec.key)).map((spec) => this.listen(spec)),
    )
    if (previous.idleTimeoutMs !== config.idleTimeoutMs) this.restartSweep()
  }

  private restartSweep(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer)
    this.sweepTimer = null
    const idle = this.config.idleTimeoutMs
    if (idle === 0) return
    const every = Math.max(10, Math.min(1_000, Math.floor(idle / 4)))
    this.sweepTimer = setInterval(() => {
      const now = Date.now()
      const idleTimeoutMs = this.config.idleTimeoutMs
      for (const connection of this.connections) connection.checkIdle(now, idleTimeoutMs)
    }, every)
    this.sweepTimer.unref()
  }

  private async closeListeners(): Promise<void> {
    const closing = [...this.listeners.values()].map(({ server }) => stopListening(server))
    this.listeners.clear()
    await Promise.all(closing)
  }

  /**
   * Stops accepting, lets established connections finish until `deadlineMs`, then closes the rest, and
   * releases timers and health targets.
   */
  async close(deadlineMs: number, signal?: AbortSignal): Promise<void> {
    this.closing = true
    const listenersClosed = this.closeListeners()
    if (this.connections.size > 0 && deadlineMs > 0 && signal?.aborted !== true) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', done)
          this.drained = null
          resolve()
        }
        const timer = setTimeout(done, deadlineMs)
        signal?.addEventListener('abort', done, { once: true })
        this.drained = done
      })
    }
    for (const connection of [...this.connections]) connection.shutdown('shutdown')
    await listenersClosed
    if (this.sweepTimer) clearInterval(this.sweepTimer)
    this.sweepTimer = null
    for (const server of this.byId.values()) {
      server.clearPassiveTimer()
      if (!server.draining) this.unregister(server)
    }
    this.byId.clear()
    this.servers = []
  }

  /** Servers in rotation in priority order, then the draining ones. */
  private orderedServers(): Server[] {
    return [...this.servers, ...[...this.byId.values()].filter((server) => server.draining)]
  }

  /** Up to `limit` of its open connections, oldest first. */
  openConnections(limit: number): ActiveConnection[] {
    const out: ActiveConnection[] = []
    for (const connection of this.connections) {
      if (out.length >= limit) break
      const server = connection.currentServer
      const titles = connection.aeTitles
      out.push({
        id: connection.id,
        service: this.config.name,
        client: { address: connection.clientAddress, port: connection.clientPort },
        server: server?.id ?? null,
        address: server?.address ?? null,
        bytesFromClient: connection.bytesFromClient,
        bytesFromServer: connection.bytesFromServer,
        startedAt: connection.startedAt,
        ...(titles ? { callingAE: titles.callingAE, calledAE: titles.calledAE } : {}),
      })
    }
    return out
  }

  stats(): ServiceStats {
    let bytesFromClient = this.closedBytesFromClient
    let bytesFromServer = this.closedBytesFromServer
    const live = new Map<Server, { fromClient: number; fromServer: number }>()
    let buffered = 0
    let available = 0
    for (const server of this.servers) if (server.eligible) available++
    for (const connection of this.connections) {
      buffered += connection.buffered
      bytesFromClient += connection.bytesFromClient
      bytesFromServer += connection.bytesFromServer
      const server = connection.currentServer
      if (server === null) continue
      const entry = live.get(server) ?? { fromClient: 0, fromServer: 0 }
      entry.fromClient += connection.bytesFromClient
      entry.fromServer += connection.bytesFromServer
      live.set(server, entry)
    }
    return {
      name: this.config.name,
      listeners: this.boundAddresses(),
      active: this.connections.size,
      total: this.total,
      rejected: this.rejected,
      failedConnects: this.failedConnects,
      bytesFromClient,
      bytesFromServer,
      buffered,
      available,
      servers: this.orderedServers().map((server) => ({
        id: server.id,
        address: server.address,
        port: server.port,
        source: server.source,
        backup: server.backup,
        weight: server.weight,
        state: server.state,
        available: server.eligible,
        lastResort: server.lastResort,
        active: server.active,
        total: server.total,
        failedConnects: server.failedConnects,
        bytesFromClient: server.bytesFromClient + (live.get(server)?.fromClient ?? 0),
        bytesFromServer: server.bytesFromServer + (live.get(server)?.fromServer ?? 0),
      })),
    }
  }
}
