import type { EffectiveState, Target } from '@gslb/health'
import { type BalanceState, pickServer } from './balance.js'
import type { ResolvedService } from './options.js'
import { type PassivePolicy, Server } from './server.js'
import type { AddressSource, ForwarderEvents, HealthRegistry, ServerStats } from './types.js'

/** What a service needs from the forwarder that owns it. */
export interface ServiceContext {
  addressSource: AddressSource | null
  health: HealthRegistry | null
  emit<K extends keyof ForwarderEvents>(event: K, ...args: ForwarderEvents[K]): void
}

function ignore(): void {}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value))
}

/**
 * A service's servers: built from its backends and the address source, chosen by its balance method, registered
 * with the health checker, and told what traffic and checks say about them. Servers that leave the configuration
 * drain: they stay (state `drain`) until their last connection ends.
 */
export class ServerSet {
  private inRotation: Server[] = []
  private readonly byId = new Map<string, Server>()
  private readonly balance: BalanceState = { cursor: 0 }

  constructor(
    private config: ResolvedService,
    private readonly context: ServiceContext,
  ) {}

  private get checked(): boolean {
    return this.config.check !== null
  }

  private get policy(): PassivePolicy {
    return { failures: this.config.passiveFailures, holdMs: this.config.passiveHoldMs, checked: this.checked }
  }

  pick(clientHash: number, tried: readonly Server[]): Server | null {
    return pickServer(this.config.balance, this.inRotation, clientHash, tried, this.balance)
  }

  connectSucceeded(server: Server): void {
    const previous = server.state
    if (server.recordSuccess(this.checked)) this.changed(server, previous, 'a connection went through')
  }

  connectFailed(server: Server, error: Error): void {
    const previous = server.state
    const markedDown = server.recordFailure(this.policy, () =>
      this.endPassiveHold(server, 'passive hold over'),
    )
    this.context.emit('connect:fail', {
      service: this.config.name,
      server: server.id,
      address: server.address,
      port: server.port,
      error,
    })
    if (server.source !== null && this.context.addressSource !== null) {
      Promise.resolve(this.context.addressSource.resolveNow(server.source)).catch(ignore)
    }
    if (!markedDown) return
    this.changed(server, previous, `${server.consecutiveFailures} consecutive connect failures`)
    if (this.context.health !== null && this.checked) {
      Promise.resolve(this.context.health.checkNow(this.targetId(server))).catch(ignore)
    }
  }

  private endPassiveHold(server: Server, reason: string): void {
    const previous = server.state
    if (server.endPassiveHold()) this.changed(server, previous, reason)
  }

  /**
   * A check of one of these servers finished. A success that started after a passive mark-down ends the hold at
   * once: the server came back (or the failures were the path, not the server), and its active health may never
   * have changed — a PACS restarted within one check interval is never observed down.
   */
  checkFinished(serverId: string, ok: boolean, startedAt: number): void {
    const server = this.byId.get(serverId)
    if (server === undefined || !ok || !server.liftedBy(startedAt)) return
    this.endPassiveHold(server, 'a health check succeeded after the passive mark-down')
  }

  /** Applies a `target:change` for one of these servers. */
  healthChanged(serverId: string, effective: EffectiveState): void {
    const server = this.byId.get(serverId)
    if (server === undefined || server.draining) return
    const previous = server.state
    server.applyHealth(effective)
    this.changed(server, previous, `health check: ${effective}`)
  }

  private changed(server: Server, previous: EffectiveState, reason: string): void {
    const current = server.state
    if (current === previous) return
    this.context.emit('server:change', {
      service: this.config.name,
      server: server.id,
      previous,
      current,
      reason,
    })
    if ((current === 'down' || current === 'drain') && this.config.onMarkedDown === 'shutdown') {
      for (const connection of [...server.connections]) connection.shutdown('server-down')
    }
  }

  private targetId(server: Server): string {
    return `${this.config.name}/${server.id}`
  }

  private register(server: Server): void {
    const { health } = this.context
    const check = this.config.check
    if (health === null || check === null) return
    const target: Target = {
      ...check,
      id: this.targetId(server),
      address: server.address,
      port: server.port,
      meta: { service: this.config.name, server: server.id, source: server.source },
    }
    try {
      health.add(target)
    } catch (error) {
      // a duplicate id (another forwarder registered it) must not stop this one from forwarding
      this.context.emit('target:reject', {
        service: this.config.name,
        server: server.id,
        id: target.id,
        error: asError(error),
      })
    }
  }

  private unregister(server: Server): void {
    const { health } = this.context
    if (health === null || this.config.check === null) return
    try {
      health.remove(this.targetId(server))
    } catch {
      // already gone
    }
    server.applyHealth('unknown')
  }

  /** Takes a new configuration of the same service: checks re-registered when they changed, servers rebuilt. */
  update(config: ResolvedService): void {
    const checkChanged = JSON.stringify(this.config.check) !== JSON.stringify(config.check)
    if (checkChanged) for (const server of this.byId.values()) if (!server.draining) this.unregister(server)
    this.config = config
    if (checkChanged) for (const server of this.byId.values()) if (!server.draining) this.register(server)
    this.rebuild('update')
  }

  /** Recomputes the server list from the backends and the address source; vanished servers drain. */
  rebuild(reason: string): void {
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
          this.changed(server, 'drain', `back in ${reason}`)
        }
        server.source = source
        server.weight = backend.weight
        server.backup = backend.backup
        server.order = next.length
        next.push(server)
      }
    }
    this.inRotation = next
    for (const server of this.byId.values()) {
      if (seen.has(server.id) || server.draining) continue
      const previous = server.state
      server.drain()
      this.unregister(server)
      this.changed(server, previous, `removed by ${reason}`)
      if (server.active === 0) this.forget(server)
    }
  }

  /** A connection this server carried ended: a draining server goes once it carries none. */
  released(server: Server | null): void {
    if (server?.draining && server.active === 0) this.forget(server)
  }

  private forget(server: Server): void {
    this.byId.delete(server.id)
    server.clearPassiveTimer()
  }

  /** Releases timers and health targets; the set is empty afterwards. */
  clear(): void {
    for (const server of this.byId.values()) {
      server.clearPassiveTimer()
      if (!server.draining) this.unregister(server)
    }
    this.byId.clear()
    this.inRotation = []
  }

  /** Servers that would take a new connection now. */
  available(): number {
    let count = 0
    for (const server of this.inRotation) if (server.eligible) count++
    return count
  }

  /** Per server, in priority order then the draining ones; `live` adds the bytes of connections still open. */
  stats(live: ReadonlyMap<Server, { fromClient: number; fromServer: number }>): ServerStats[] {
    const ordered = [...this.inRotation, ...[...this.byId.values()].filter((server) => server.draining)]
    return ordered.map((server) => ({
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
    }))
  }
}
