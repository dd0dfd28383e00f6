import { connect, type Socket } from 'node:net'
import { SNIFF_MAX_BYTES } from './constants.js'
import { ForwarderError, ForwarderErrorCode } from './errors.js'
import type { ResolvedService } from './options.js'
import { encodeProxyHeader } from './proxy-protocol.js'
import type { Closable, Server } from './server.js'
import type { ConnectAttempt, ConnectionEnd, ConnectionLog } from './types.js'

/** What a sniffer says about the client's first bytes (the shape of `@gslb/dicom`'s `sniffAssociation`). */
export type SniffResult =
  | { status: 'complete'; callingAE: string; calledAE: string; abstractSyntaxes: readonly string[] }
  | { status: 'need-more'; needed?: number }
  | { status: 'not-dicom' }

export type Sniffer = (firstBytes: Uint8Array) => SniffResult

/** The service side of a connection: choosing servers and hearing how attempts and connections end. */
export interface ConnectionHost {
  readonly config: ResolvedService
  readonly sniffer: Sniffer | null
  pick(clientHash: number, tried: readonly Server[]): Server | null
  connectFailed(server: Server, error: Error): void
  connectSucceeded(server: Server): void
  closed(connection: Connection, log: ConnectionLog): void
}

function errorCode(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code
  return typeof code === 'string' ? code : error.name
}

function noop(): void {}

/**
 * One proxied client connection: tries servers until one accepts, then moves bytes both ways with
 * backpressure, honours half-close, and reports one log record when both sides are done.
 */
export class Connection implements Closable {
  readonly startedAt = Date.now()
  readonly attempts: ConnectAttempt[] = []
  private readonly tried: Server[] = []
  private backend: Socket | null = null
  private pending: Server | null = null
  private server: Server | null = null
  private attemptStartedAt = 0
  private timer: NodeJS.Timeout | null = null
  private connected = false
  private clientEnded = false
  private backendEnded = false
  private clientClosed = false
  private backendClosed = false
  private ended: ConnectionEnd | null = null
  private sniffChunks: Buffer[] | null = null
  private sniffLength = 0
  private sniffWanted = 0
  private association: { callingAE: string; calledAE: string; abstractSyntaxes: readonly string[] } | null =
    null
  private lastActivity = -1
  private lastActiveAt = 0

  constructor(
    readonly id: number,
    private readonly host: ConnectionHost,
    readonly client: Socket,
    readonly clientAddress: string,
    readonly clientPort: number,
    readonly clientHash: number,
  ) {
    client.on('error', noop)
    client.on('close', this.onClientClose)
  }

  /** Begins connecting to the first chosen server. */
  start(): void {
    this.connectNext()
  }

  get isEnded(): boolean {
    return this.ended !== null
  }

  get bytesFromClient(): number {
    return this.client.bytesRead
  }

  get bytesFromServer(): number {
    return this.backend !== null && this.connected ? this.backend.bytesRead : 0
  }

  /** Bytes waiting in either socket's write queue. */
  get buffered(): number {
    return (
      this.client.writableLength + (this.backend !== null && this.connected ? this.backend.writableLength : 0)
    )
  }

  /** The server carrying this connection once connected. */
  get currentServer(): Server | null {
    return this.server
  }

  /** Closes both sides now (server marked down with `onMarkedDown: 'shutdown'`, or forwarder closing). */
  shutdown(reason: 'server-down' | 'shutdown'): void {
    this.finish(reason)
  }

  /** Called periodically by the service; closes the connection when no byte moved for `idleTimeoutMs`. */
  checkIdle(now: number, idleTimeoutMs: number): void {
    if (!this.connected || this.ended !== null) return
    const activity = this.client.bytesRead + this.backend!.bytesRead
    if (activity !== this.lastActivity) {
      this.lastActivity = activity
      this.lastActiveAt = now
    } else if (now - this.lastActiveAt >= idleTimeoutMs) {
      this.finish('idle-timeout')
    }
  }

  private connectNext(): void {
    const server = this.host.pick(this.clientHash, this.tried)
    if (server === null) {
      this.finish(this.attempts.length > 0 ? 'connect-failed' : 'no-server')
      return
    }
    const config = this.host.config
    this.tried.push(server)
    this.pending = server
    server.active++
    this.attemptStartedAt = Date.now()
    const backend = connect({
      host: server.address,
      port: server.port,
      allowHalfOpen: true,
      noDelay: true,
      keepAlive: config.keepAliveDelayMs > 0,
      keepAliveInitialDelay: config.keepAliveDelayMs,
    })
    this.backend = backend
    backend.on('error', this.onBackendError)
    backend.once('connect', this.onBackendConnect)
    this.timer = setTimeout(this.onConnectTimeout, config.connectTimeoutMs)
  }

  private readonly onConnectTimeout = (): void => {
    this.timer = null
    const server = this.pending
    if (server === null) return
    this.attemptFailed(
      server,
      new ForwarderError(
        ForwarderErrorCode.CONNECT_TIMEOUT,
        `connect to ${server.id} timed out after ${this.host.config.connectTimeoutMs} ms`,
      ),
    )
  }

  private attemptFailed(server: Server, error: Error): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const backend = this.backend!
    backend.removeAllListeners()
    backend.on('error', noop)
    backend.destroy()
    this.backend = null
    this.pending = null
    server.active--
    this.attempts.push({
      server: server.id,
      address: server.address,
      port: server.port,
      error: errorCode(error),
      durationMs: Date.now() - this.attemptStartedAt,
    })
    this.host.connectFailed(server, error)
    if (this.ended !== null) return
    if (this.attempts.length > this.host.config.retries) {
      this.finish('connect-failed')
      return
    }
    this.connectNext()
  }

  private readonly onBackendError = (error: Error): void => {
    if (!this.connected) {
      if (this.pending !== null) this.attemptFailed(this.pending, error)
      return
    }
  }

  private readonly onBackendConnect = (): void => {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const server = this.pending!
    const backend = this.backend!
    const client = this.client
    this.pending = null
    this.server = server
    this.connected = true
    server.total++
    server.connections.add(this)
    this.attempts.push({
      server: server.id,
      address: server.address,
      port: server.port,
      durationMs: Date.now() - this.attemptStartedAt,
    })
    this.host.connectSucceeded(server)
    const config = this.host.config
    if (config.proxyProtocol !== 0) {
      backend.write(
        encodeProxyHeader(config.proxyProtocol, {
          sourceAddress: this.clientAddress,
          sourcePort: this.clientPort,
          destinationAddress: client.localAddress ?? '',
          destinationPort: client.localPort ?? -1,
        }),
      )
    }
    backend.on('close', this.onBackendClose)
    if (this.host.sniffer !== null) {
      this.sniffChunks = []
      client.on('data', this.onSniffData)
    }
    client.on('data', this.onClientData)
    client.on('end', this.onClientEnd)
    client.on('drain', this.onClientDrain)
    backend.on('data', this.onBackendData)
    backend.on('end', this.onBackendEnd)
    backend.on('drain', this.onBackendDrain)
    if (config.keepAliveDelayMs > 0) client.setKeepAlive(true, config.keepAliveDelayMs)
    client.setNoDelay(true)
    client.resume()
  }

  // The relay: the chunk Node handed us goes straight to the other socket; a full socket pauses its source.
  private readonly onClientData = (chunk: Buffer): void => {
    if (!this.backend!.write(chunk)) this.client.pause()
  }

  private readonly onBackendData = (chunk: Buffer): void => {
    if (!this.client.write(chunk)) this.backend!.pause()
  }

  private readonly onBackendDrain = (): void => {
    this.client.resume()
  }

  private readonly onClientDrain = (): void => {
    this.backend!.resume()
  }

  private readonly onClientEnd = (): void => {
    this.clientEnded = true
    this.backend!.end()
    this.halfClosed()
  }

  private readonly onBackendEnd = (): void => {
    this.backendEnded = true
    this.client.end()
    this.halfClosed()
  }

  private halfClosed(): void {
    if (this.clientEnded && this.backendEnded) {
      if (this.timer) clearTimeout(this.timer)
      this.timer = null
      return
    }
    if (this.timer === null) this.timer = setTimeout(this.onFinTimeout, this.host.config.finTimeoutMs)
  }

  private readonly onFinTimeout = (): void => {
    this.timer = null
    this.finish('fin-timeout')
  }

  private readonly onSniffData = (chunk: Buffer): void => {
    const chunks = this.sniffChunks
    if (chunks === null) return
    chunks.push(chunk)
    this.sniffLength += chunk.length
    let done = this.sniffLength >= SNIFF_MAX_BYTES
    // the sniffer says how many bytes it still needs: no copy until they are all here
    if (!done && this.sniffLength < this.sniffWanted) return
    try {
      const result = this.host.sniffer!(chunks.length === 1 ? chunk : Buffer.concat(chunks, this.sniffLength))
      if (result.status === 'complete') {
        const { callingAE, calledAE, abstractSyntaxes } = result
        this.association = { callingAE, calledAE, abstractSyntaxes }
        done = true
      } else if (result.status === 'not-dicom') {
        done = true
      } else {
        this.sniffWanted = this.sniffLength + (result.needed ?? 1)
      }
    } catch {
      done = true
    }
    if (done) {
      this.sniffChunks = null
      this.client.off('data', this.onSniffData)
    }
  }

  private readonly onClientClose = (hadError: boolean): void => {
    this.clientClosed = true
    if (this.ended !== null) return
    if (hadError || !this.connected) {
      this.finish('client-reset')
      return
    }
    if (this.backendClosed) this.finish('closed')
  }

  private readonly onBackendClose = (hadError: boolean): void => {
    this.backendClosed = true
    if (this.ended !== null) return
    if (hadError) {
      this.finish('server-reset')
      return
    }
    if (this.clientClosed) this.finish('closed')
  }

  private finish(end: ConnectionEnd): void {
    if (this.ended !== null) return
    this.ended = end
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const client = this.client
    const backend = this.backend
    // a reset on one side is passed on as a reset, so the other peer does not mistake it for a clean end
    const reset = end === 'client-reset' || end === 'server-reset'
    if (!this.clientClosed) {
      if (reset && client.writable) client.resetAndDestroy()
      else client.destroy()
    }
    if (backend !== null && !this.backendClosed) {
      if (!this.connected) {
        backend.removeAllListeners()
        backend.on('error', noop)
      }
      if (reset && backend.writable) backend.resetAndDestroy()
      else backend.destroy()
    }
    if (this.pending !== null) {
      this.pending.active--
      this.pending = null
    }
    const bytesFromClient = client.bytesRead
    const bytesFromServer = backend !== null && this.connected ? backend.bytesRead : 0
    const server = this.server
    if (server !== null) {
      server.active--
      server.bytesFromClient += bytesFromClient
      server.bytesFromServer += bytesFromServer
      server.connections.delete(this)
    }
    const log: ConnectionLog = {
      id: this.id,
      service: this.host.config.name,
      client: { address: this.clientAddress, port: this.clientPort },
      server: server === null ? null : server.id,
      attempts: this.attempts,
      bytesFromClient,
      bytesFromServer,
      startedAt: this.startedAt,
      durationMs: Date.now() - this.startedAt,
      end,
    }
    if (this.association !== null) {
      log.callingAE = this.association.callingAE
      log.calledAE = this.association.calledAE
      log.abstractSyntaxes = this.association.abstractSyntaxes
    }
    this.host.closed(this, log)
  }
}
