import { connect, Socket } from 'node:net'
import { RETRY_ON_EMPTY_MAX_BYTES, SNIFF_MAX_BYTES } from './constants.js'
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

// Socket handlers are shared module functions rather than per-connection closures: an idle proxied connection
// costs a few KB of heap, and thirteen closures were a large part of it.
const kConnection = Symbol('gslb.forwarder.connection')
type Tagged = Socket & { [kConnection]: Connection }

function connectionOf(socket: Socket): Connection {
  return (socket as Tagged)[kConnection]
}
function onClientData(this: Socket, chunk: Buffer): void {
  const connection = connectionOf(this)
  if (!connection.backendSocket!.write(chunk)) this.pause()
  else if (this.bytesRead >= BULK_READ_BYTES) connection.readIntoOwnBuffer(this)
}
function onClientDataKept(this: Socket, chunk: Buffer): void {
  const connection = connectionOf(this)
  connection.keep(chunk)
  if (!connection.backendSocket!.write(chunk)) this.pause()
}
function onBackendData(this: Socket, chunk: Buffer): void {
  const connection = connectionOf(this)
  if (!connection.client.write(chunk)) this.pause()
  else if (this.bytesRead >= BULK_READ_BYTES) connection.readIntoOwnBuffer(this)
}
/**
 * A read into a socket's own reused buffer (see readIntoOwnBuffer): written on at once. While the other side still
 * holds the bytes (a partial write), the buffer is lent: reading stops (false) until that write is done.
 */
function onOwnBufferRead(this: Socket, length: number, buffer: Buffer): boolean {
  const connection = connectionOf(this)
  const target = this === connection.client ? connection.backendSocket! : connection.client
  // something else is queued (cannot happen while reads stop on a lent buffer): never queue a view of the buffer
  const chunk =
    target.writableLength > 0 ? Buffer.from(buffer.subarray(0, length)) : buffer.subarray(0, length)
  target.write(
    chunk,
    this === connection.client ? connection.clientBufferWritten! : connection.backendBufferWritten!,
  )
  return target.writableLength === 0
}
/** The server's first bytes while a replay was still possible: from now on it owns the connection. */
function onBackendDataFirst(this: Socket, chunk: Buffer): void {
  const connection = connectionOf(this)
  connection.commit()
  if (!connection.client.write(chunk)) this.pause()
}
function onBackendDrain(this: Socket): void {
  connectionOf(this).client.resume()
}
function onClientDrain(this: Socket): void {
  connectionOf(this).backendSocket!.resume()
}
function onClientEnd(this: Socket): void {
  connectionOf(this).clientEnd()
}
function onBackendEnd(this: Socket): void {
  connectionOf(this).backendEnd()
}
function onClientClose(this: Socket, hadError: boolean): void {
  connectionOf(this).clientClose(hadError)
}
function onBackendClose(this: Socket, hadError: boolean): void {
  connectionOf(this).backendClose(hadError)
}
function onBackendError(this: Socket, error: Error): void {
  connectionOf(this).backendError(this, error)
}
function onBackendConnect(this: Socket): void {
  connectionOf(this).backendConnect()
}
function onSniffData(this: Socket, chunk: Buffer): void {
  connectionOf(this).sniff(chunk)
}
// A deadline timer runs in the loop's timer phase, before the poll phase reads the sockets: after a stall (a long
// GC, a sync reload) it fires late while the connect completion or the first byte it waits for is already queued.
// So a deadline only fails the server after one more loop turn has let the sockets speak (undici does the same).
function onConnectTimeout(connection: Connection): void {
  setImmediate(onConnectDeadline, connection, connection.backendSocket)
}
function onConnectDeadline(connection: Connection, backend: Socket | null): void {
  connection.connectTimeout(backend)
}
function onFinTimeout(connection: Connection): void {
  connection.finTimeout()
}
function onFirstResponseTimeout(connection: Connection): void {
  setImmediate(onFirstResponseDeadline, connection, connection.backendSocket)
}
function onFirstResponseDeadline(connection: Connection, backend: Socket | null): void {
  connection.firstResponseTimeout(backend)
}

/**
 * Node allocates a new 64 KiB buffer for every socket read; under a bulk transfer (1 GB/s) that is what makes V8
 * collect: a scavenge for every ~32 MB of external memory, and in some processes a mark-compact after each one.
 * A socket that has read BULK_READ_BYTES gets one buffer of its own, reused for every read (Node's `onread`).
 * Node offers `onread` only on `net.connect`, not on accepted sockets; the fields it sets are read off a probe socket
 * made with it, and when they are not there (another Node) every socket keeps the allocating path (decision 0019).
 */
const ownBufferFields = probeOwnBufferFields()
const BULK_READ_BYTES = ownBufferFields === null ? Number.POSITIVE_INFINITY : 1_048_576
const OWN_BUFFER_BYTES = 65_536

interface OwnBufferFields {
  buffer: symbol
  callback: symbol
  next: symbol
}

function probeOwnBufferFields(): OwnBufferFields | null {
  try {
    // the constructor reads `onread` as net.connect's options do; @types/node lists it for connect only
    const options = { onread: { buffer: Buffer.alloc(1), callback: noop } }
    const probe = new Socket(options as ConstructorParameters<typeof Socket>[0])
    const byName = new Map(Object.getOwnPropertySymbols(probe).map((key) => [key.description, key]))
    const fields = {
      buffer: byName.get('kBuffer'),
      callback: byName.get('kBufferCb'),
      next: byName.get('kBufferGen'),
    }
    const probed = probe as unknown as Record<symbol, unknown>
    if (fields.buffer === undefined || fields.callback === undefined || fields.next === undefined) return null
    if (!(probed[fields.buffer] instanceof Uint8Array) || probed[fields.callback] !== noop) return null
    if (probed[fields.next] !== null) return null
    return fields as OwnBufferFields
  } catch {
    return null
  }
}

type UserBufferHandle = { useUserBuffer?: (buffer: Uint8Array) => void }

/**
 * One proxied client connection: tries servers until one accepts, then moves bytes both ways with
 * backpressure, honours half-close, and reports one log record when both sides are done.
 */
export class Connection implements Closable {
  readonly startedAt = Date.now()
  readonly attempts: ConnectAttempt[] = []
  private readonly tried: Server[] = []
  /** The backend socket of the current attempt, then of the connection. */
  backendSocket: Socket | null = null
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
  /**
   * With `retryOnEmpty` or `firstResponseTimeoutMs`: the client's bytes so far, kept until the server's first byte
   * so they can be replayed to the next server if this one closes or stays silent; null once the server has spoken
   * (or too much was sent).
   */
  kept: Buffer[] | null = null
  private keptLength = 0
  /** Runs from the client's first bytes to the current server's first byte, while a replay is possible. */
  private responseTimer: NodeJS.Timeout | null = null
  private relaying = false
  /** Set once a side reads into its own buffer: resumes that side's reading when the lent buffer is written. */
  clientBufferWritten: (() => void) | null = null
  backendBufferWritten: (() => void) | null = null
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
    ;(client as Tagged)[kConnection] = this
    client.on('error', noop)
    client.on('close', onClientClose)
    if (host.config.retryOnEmpty || host.config.firstResponseTimeoutMs > 0) this.kept = []
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
    return this.backendSocket !== null && this.connected ? this.backendSocket.bytesRead : 0
  }

  /** Bytes waiting in either socket's write queue. */
  get buffered(): number {
    return (
      this.client.writableLength +
      (this.backendSocket !== null && this.connected ? this.backendSocket.writableLength : 0)
    )
  }

  /** The server carrying this connection once connected. */
  get currentServer(): Server | null {
    return this.server
  }

  /** The AE titles of the client's A-ASSOCIATE-RQ, once sniffed (`sniffDicom`). */
  get aeTitles(): { callingAE: string; calledAE: string } | null {
    return this.association
  }

  /** Closes both sides now (server marked down with `onMarkedDown: 'shutdown'`, or forwarder closing). */
  shutdown(reason: 'server-down' | 'shutdown'): void {
    this.finish(reason)
  }

  /** Called periodically by the service; closes the connection when no byte moved for `idleTimeoutMs`. */
  checkIdle(now: number, idleTimeoutMs: number): void {
    if (!this.connected || this.ended !== null) return
    const activity = this.client.bytesRead + this.backendSocket!.bytesRead
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
    ;(backend as Tagged)[kConnection] = this
    this.backendSocket = backend
    backend.on('error', onBackendError)
    backend.once('connect', onBackendConnect)
    this.timer = setTimeout(onConnectTimeout, config.connectTimeoutMs, this)
  }

  /** The connect deadline passed (and a loop turn since): `backend` is the attempt it was armed for. */
  connectTimeout(backend: Socket | null): void {
    const server = this.pending
    if (server === null || this.connected || backend !== this.backendSocket) return
    this.timer = null
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
    const backend = this.backendSocket!
    backend.removeAllListeners()
    backend.on('error', noop)
    backend.destroy()
    this.backendSocket = null
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

  backendError(socket: Socket, error: Error): void {
    // after the connect, errors surface as close(hadError); before it, they fail the attempt
    if (!this.connected && socket === this.backendSocket && this.pending !== null)
      this.attemptFailed(this.pending, error)
  }

  backendConnect(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const server = this.pending!
    const backend = this.backendSocket!
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
    // while a replay is possible, the attempt succeeds only when the server speaks (see commit)
    if (this.kept === null) this.host.connectSucceeded(server)
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
    backend.on('close', onBackendClose)
    if (!this.relaying) {
      this.relaying = true
      if (this.host.sniffer !== null) {
        this.sniffChunks = []
        client.on('data', onSniffData)
      }
      // keepalive and nodelay of the client socket come from the listener's options
      client.on('end', onClientEnd)
    }
    if (this.kept !== null) {
      for (const chunk of this.kept) backend.write(chunk)
      if (this.kept.length > 0) this.armFirstResponse()
      if (this.clientEnded) {
        backend.end()
        this.halfClosed()
      }
    }
    const replayable = this.kept !== null
    client.on('data', replayable ? onClientDataKept : onClientData)
    client.on('drain', onClientDrain)
    backend.on('data', replayable ? onBackendDataFirst : onBackendData)
    backend.on('end', onBackendEnd)
    backend.on('drain', onBackendDrain)
    client.resume()
  }

  /**
   * Moves one side that has read BULK_READ_BYTES onto a buffer of its own, reused for every read; called from its
   * 'data' handler once its chunk is written, never while a replay or the sniffer still needs the chunks.
   */
  readIntoOwnBuffer(socket: Socket): void {
    const fields = ownBufferFields
    const handle = (socket as unknown as { _handle: UserBufferHandle | null })._handle
    if (fields === null || handle === null || typeof handle.useUserBuffer !== 'function') return
    const isClient = socket === this.client
    // the sniffer reads the client's 'data' events only: the server's side need not wait for it
    if (this.kept !== null || (isClient && this.sniffChunks !== null)) return
    if (socket.readableLength > 0 || this.ended !== null) return
    if ((isClient ? this.clientBufferWritten : this.backendBufferWritten) !== null) return
    const target = isClient ? this.backendSocket! : this.client
    const written = (): void => {
      if (target.writableLength === 0 && !socket.destroyed) socket.resume()
    }
    if (isClient) this.clientBufferWritten = written
    else this.backendBufferWritten = written
    const buffer = Buffer.allocUnsafeSlow(OWN_BUFFER_BYTES)
    const tagged = socket as unknown as Record<symbol, unknown>
    tagged[fields.buffer] = buffer
    tagged[fields.callback] = onOwnBufferRead
    tagged[fields.next] = null
    handle.useUserBuffer(buffer)
    socket.off('data', isClient ? onClientData : onBackendData)
  }

  /** A client chunk while a replay is still possible. */
  keep(chunk: Buffer): void {
    const kept = this.kept!
    kept.push(chunk)
    this.keptLength += chunk.length
    if (this.keptLength > RETRY_ON_EMPTY_MAX_BYTES) this.commit()
    else this.armFirstResponse()
  }

  /** Starts the first-response deadline at the client's first bytes to the current server (once per server). */
  private armFirstResponse(): void {
    const timeout = this.host.config.firstResponseTimeoutMs
    if (timeout === 0 || this.responseTimer !== null) return
    this.responseTimer = setTimeout(onFirstResponseTimeout, timeout, this)
  }

  private disarmFirstResponse(): void {
    if (this.responseTimer) clearTimeout(this.responseTimer)
    this.responseTimer = null
  }

  /** The server stayed silent `firstResponseTimeoutMs` after the client's first bytes (and a loop turn since). */
  firstResponseTimeout(backend: Socket | null): void {
    const server = this.server
    if (this.ended !== null || this.kept === null || server === null || backend !== this.backendSocket) return
    this.responseTimer = null
    const timeout = this.host.config.firstResponseTimeoutMs
    this.abandon(
      server,
      new ForwarderError(
        ForwarderErrorCode.FIRST_RESPONSE_TIMEOUT,
        `${server.id} sent nothing within ${timeout} ms of the client's first bytes`,
      ),
    )
  }

  /** The server has spoken (or the client sent more than a replay may hold): no more replays. */
  commit(): void {
    if (this.kept === null) return
    this.kept = null
    this.keptLength = 0
    this.disarmFirstResponse()
    if (this.server !== null) this.host.connectSucceeded(this.server)
    this.client.off('data', onClientDataKept)
    this.client.on('data', onClientData)
    const backend = this.backendSocket
    if (backend !== null && this.connected) {
      backend.off('data', onBackendDataFirst)
      backend.on('data', onBackendData)
    }
  }

  /**
   * With `retryOnEmpty`: the server ended or reset the connection without sending a byte. Drops that server like a
   * failed connect and tries the next one, replaying the client's bytes. False when no retry is possible, and when
   * the client ended without sending a byte: then the server's close answers the client's (a TCP probe, a port
   * scan), which is no server failure.
   */
  private retryEmpty(): boolean {
    const server = this.server
    const backend = this.backendSocket
    if (!this.host.config.retryOnEmpty || this.kept === null || server === null || backend === null)
      return false
    if (this.clientClosed || (this.clientEnded && this.client.bytesRead === 0)) return false
    if (backend.bytesRead !== 0 || this.attempts.length > this.host.config.retries) return false
    this.abandon(
      server,
      new ForwarderError(
        ForwarderErrorCode.EMPTY_RESPONSE,
        `${server.id} closed the connection before sending anything`,
      ),
    )
    return true
  }

  /**
   * Gives up on a connected server that has not sent a byte: reports it like a failed connect and replays the
   * client's bytes to the next server, or closes the client when the retries are spent.
   */
  private abandon(server: Server, error: ForwarderError): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.disarmFirstResponse()
    const backend = this.backendSocket!
    backend.removeAllListeners()
    backend.on('error', noop)
    backend.destroy()
    const client = this.client
    client.pause()
    client.off('data', onClientDataKept)
    client.off('drain', onClientDrain)
    server.active--
    server.connections.delete(this)
    this.server = null
    this.backendSocket = null
    this.connected = false
    this.backendEnded = false
    this.backendClosed = false
    const last = this.attempts[this.attempts.length - 1]!
    last.error = error.code
    last.durationMs = Date.now() - this.attemptStartedAt
    this.host.connectFailed(server, error)
    if (this.ended !== null) return
    if (this.attempts.length > this.host.config.retries) this.finish('connect-failed')
    else this.connectNext()
  }

  clientEnd(): void {
    this.clientEnded = true
    // between a retryEmpty and the next connect there is no backend; the replay ends it
    this.backendSocket?.end()
    this.halfClosed()
  }

  backendEnd(): void {
    if (this.kept !== null && this.retryEmpty()) return
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
    if (this.timer === null) this.timer = setTimeout(onFinTimeout, this.host.config.finTimeoutMs, this)
  }

  finTimeout(): void {
    this.timer = null
    this.finish('fin-timeout')
  }

  sniff(chunk: Buffer): void {
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
      this.client.off('data', onSniffData)
    }
  }

  clientClose(hadError: boolean): void {
    this.clientClosed = true
    if (this.ended !== null) return
    if (hadError || !this.connected) {
      this.finish('client-reset')
      return
    }
    if (this.backendClosed) this.finish('closed')
  }

  backendClose(hadError: boolean): void {
    if (this.ended === null && this.kept !== null && this.retryEmpty()) return
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
    this.disarmFirstResponse()
    const client = this.client
    const backend = this.backendSocket
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
