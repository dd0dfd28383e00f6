import type { Socket } from 'node:net'
import type { EffectiveState } from '@gslb/health'
import { Connection, type ConnectionHost, type Sniffer } from './connection.js'
import { type AcceptHost, Listeners } from './listeners.js'
import type { ResolvedService } from './options.js'
import { hashString, type Server } from './server.js'
import { ServerSet, type ServiceContext } from './server-set.js'
import type { ActiveConnection, ConnectionLog, ServiceStats } from './types.js'

/**
 * One service: its listeners (binding, admission) hand clients to connections, which take servers from its server
 * set. The service owns the connections: their idle sweep, their drain on close, and the counters of closed ones.
 */
export class Service implements ConnectionHost, AcceptHost {
  config: ResolvedService
  sniffer: Sniffer | null
  private readonly listeners: Listeners
  private readonly servers: ServerSet
  private readonly connections = new Set<Connection>()
  private sweepTimer: NodeJS.Timeout | null = null
  private drained: (() => void) | null = null
  private sequence = 0
  private total = 0
  private failedConnects = 0
  private closedBytesFromClient = 0
  private closedBytesFromServer = 0

  constructor(
    config: ResolvedService,
    private readonly context: ServiceContext & { sniffer: Sniffer | null },
  ) {
    this.config = config
    this.sniffer = config.sniffDicom ? context.sniffer : null
    this.listeners = new Listeners(this, context)
    this.servers = new ServerSet(config, context)
  }

  get name(): string {
    return this.config.name
  }

  get activeConnections(): number {
    return this.connections.size
  }

  /** DNS names this service's backends use. */
  names(): string[] {
    return this.config.backends.filter((backend) => backend.kind === 'name').map((backend) => backend.host)
  }

  async start(): Promise<void> {
    this.servers.rebuild('start')
    await this.listeners.open()
    this.restartSweep()
  }

  /** Addresses actually bound (with the real port when 0 was configured). */
  boundAddresses(): Array<{ address: string; port: number }> {
    return this.listeners.addresses()
  }

  admitted(socket: Socket, address: string, port: number): void {
    this.total++
    const connection = new Connection(++this.sequence, this, socket, address, port, hashString(address))
    this.connections.add(connection)
    connection.start()
  }

  pick(clientHash: number, tried: readonly Server[]): Server | null {
    return this.servers.pick(clientHash, tried)
  }

  connectSucceeded(server: Server): void {
    this.servers.connectSucceeded(server)
  }

  connectFailed(server: Server, error: Error): void {
    this.failedConnects++
    this.servers.connectFailed(server, error)
  }

  closed(connection: Connection, log: ConnectionLog): void {
    this.connections.delete(connection)
    this.listeners.released(connection.clientAddress)
    this.closedBytesFromClient += log.bytesFromClient
    this.closedBytesFromServer += log.bytesFromServer
    this.servers.released(connection.currentServer)
    this.context.emit('connection:close', log)
    if (this.connections.size === 0 && this.drained !== null) this.drained()
  }

  /** A check of one of this service's servers finished. */
  checkFinished(serverId: string, ok: boolean, startedAt: number): void {
    this.servers.checkFinished(serverId, ok, startedAt)
  }

  /** Applies a `target:change` for one of this service's servers. */
  healthChanged(serverId: string, effective: EffectiveState): void {
    this.servers.healthChanged(serverId, effective)
  }

  /** Recomputes the server list from the backends and the address source; vanished servers drain. */
  rebuildServers(reason: string): void {
    this.servers.rebuild(reason)
  }

  /** Applies a new configuration of the same service without dropping established connections. */
  async update(config: ResolvedService): Promise<void> {
    const previous = this.config
    this.config = config
    this.sniffer = config.sniffDicom ? this.context.sniffer : null
    this.servers.update(config)
    await this.listeners.update(config.listen)
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

  /**
   * Stops accepting, lets established connections finish until `deadlineMs` (or until `signal` aborts), then
   * closes the rest, and releases timers and health targets.
   */
  async close(deadlineMs: number, signal?: AbortSignal): Promise<void> {
    const listenersClosed = this.listeners.close()
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
    this.servers.clear()
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
      listeners: this.listeners.addresses(),
      active: this.connections.size,
      total: this.total,
      rejected: this.listeners.rejected,
      failedConnects: this.failedConnects,
      bytesFromClient,
      bytesFromServer,
      buffered,
      available: this.servers.available(),
      servers: this.servers.stats(live),
    }
  }
}
