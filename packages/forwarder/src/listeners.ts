import { createServer, type Server as NetServer, type Socket } from 'node:net'
import { ForwarderError, ForwarderErrorCode } from './errors.js'
import type { ListenAddress, ResolvedService } from './options.js'
import type { ServiceContext } from './server-set.js'
import type { RejectReason } from './types.js'

/** The service side of its listeners: its current configuration, its load, and where admitted clients go. */
export interface AcceptHost {
  readonly config: ResolvedService
  /** Connections open now (for `maxConnections`). */
  readonly activeConnections: number
  /** A client passed every admission rule; the socket is paused. */
  admitted(socket: Socket, address: string, port: number): void
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

/**
 * A service's listening sockets and its admission rules: the allow-list, `maxConnections`,
 * `maxConnectionsPerClient`, and no new client while closing. Refused clients are closed at once and reported as
 * `'connection:reject'`.
 */
export class Listeners {
  private readonly bound = new Map<string, NetServer>()
  private readonly perClient = new Map<string, number>()
  private closing = false
  rejected = 0

  constructor(
    private readonly host: AcceptHost,
    private readonly context: ServiceContext,
  ) {}

  /** Binds every configured address; on a failure nothing stays bound. */
  async open(): Promise<void> {
    this.closing = false
    try {
      await Promise.all(this.host.config.listen.map((spec) => this.listen(spec)))
    } catch (error) {
      await this.close()
      throw error
    }
  }

  /** Keeps the listeners still configured, closes the others, binds the new ones. */
  async update(listen: readonly ListenAddress[]): Promise<void> {
    const wanted = new Set(listen.map((spec) => spec.key))
    const closing: Promise<void>[] = []
    for (const [key, server] of this.bound) {
      if (wanted.has(key)) continue
      this.bound.delete(key)
      closing.push(stopListening(server))
    }
    await Promise.all(closing)
    await Promise.all(listen.filter((spec) => !this.bound.has(spec.key)).map((spec) => this.listen(spec)))
  }

  /** Stops accepting: every listening socket is closed; clients that still arrive are refused as 'closing'. */
  async close(): Promise<void> {
    this.closing = true
    const closing = [...this.bound.values()].map(stopListening)
    this.bound.clear()
    await Promise.all(closing)
  }

  /** Addresses actually bound (with the real port when 0 was configured). */
  addresses(): Array<{ address: string; port: number }> {
    const addresses: Array<{ address: string; port: number }> = []
    for (const server of this.bound.values()) {
      const address = server.address()
      if (address !== null && typeof address === 'object')
        addresses.push({ address: address.address, port: address.port })
    }
    return addresses
  }

  /** An admitted client's connection ended: it counts no more against `maxConnectionsPerClient`. */
  released(address: string): void {
    const fromClient = (this.perClient.get(address) ?? 1) - 1
    if (fromClient === 0) this.perClient.delete(address)
    else this.perClient.set(address, fromClient)
  }

  private listen(spec: ListenAddress): Promise<void> {
    const config = this.host.config
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
    this.bound.set(spec.key, server)
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => {
        this.bound.delete(spec.key)
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
        })
        resolve()
      })
    })
  }

  private refusal(address: string, fromClient: number): RejectReason | null {
    const config = this.host.config
    if (this.closing) return 'closing'
    if (config.allow !== null && !config.allow.check(address, address.includes(':') ? 'ipv6' : 'ipv4'))
      return 'not-allowed'
    if (config.maxConnections > 0 && this.host.activeConnections >= config.maxConnections)
      return 'max-connections'
    if (config.maxConnectionsPerClient > 0 && fromClient >= config.maxConnectionsPerClient)
      return 'max-connections-per-client'
    return null
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
    const fromClient = this.perClient.get(address) ?? 0
    const reason = this.refusal(address, fromClient)
    if (reason !== null) {
      socket.on('error', ignore)
      socket.destroy()
      this.rejected++
      const client = { address, port }
      this.context.emit('connection:reject', { service: this.host.config.name, client, reason })
      return
    }
    this.perClient.set(address, fromClient + 1)
    this.host.admitted(socket, address, port)
  }
}
