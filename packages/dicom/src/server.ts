import { EventEmitter } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { Association } from './association.js'
import {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_PDU_LENGTH,
  MAX_MAX_PDU_LENGTH,
  MIN_MAX_PDU_LENGTH,
} from './constants.js'
import { DicomError, invalidOption } from './errors.js'
import { checkAETitle, checkHost, checkInteger, checkObject, checkPort } from './options.js'
import type {
  EventSink,
  Listener,
  ResolvedServerOptions,
  VerificationServer,
  VerificationServerEvent,
  VerificationServerEvents,
  VerificationServerOptions,
} from './server-types.js'

export type {
  PeerInfo,
  VerificationServer,
  VerificationServerEvent,
  VerificationServerEvents,
  VerificationServerOptions,
} from './server-types.js'

/**
 * A stand-in PACS for Verification: accepts associations proposing the Verification SOP Class
 * (Implicit VR LE preferred, Explicit VR LE if that is all that is proposed), answers C-ECHO,
 * handles release and abort, rejects other abstract syntaxes per presentation context.
 */
export function createVerificationServer(options: VerificationServerOptions): VerificationServer {
  return new VerificationServerImpl(resolveServerOptions(options))
}

function resolveServerOptions(options: VerificationServerOptions): ResolvedServerOptions {
  const o = checkObject(options, 'options')
  const aeTitle = checkAETitle(o.aeTitle, 'aeTitle')
  const accept = o.acceptCalledAE ?? true
  let acceptedCalledAE: Set<string> | undefined
  if (accept === false) acceptedCalledAE = new Set([aeTitle.trim()])
  else if (Array.isArray(accept)) {
    acceptedCalledAE = new Set([
      aeTitle.trim(),
      ...accept.map((title, i) => checkAETitle(title, `acceptCalledAE[${i}]`).trim()),
    ])
  } else if (accept !== true)
    throw invalidOption('acceptCalledAE', 'expected true, false or a list of AE titles')
  return {
    aeTitle,
    port: checkPort(o.port, 'port', true),
    host: checkHost(o.host, 'host'),
    acceptedCalledAE,
    maxPduLength: checkInteger(
      o.maxPduLength ?? DEFAULT_MAX_PDU_LENGTH,
      'maxPduLength',
      MIN_MAX_PDU_LENGTH,
      MAX_MAX_PDU_LENGTH,
    ),
    idleTimeoutMs: checkInteger(o.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, 'idleTimeoutMs', 1, 3_600_000),
    maxConnections: checkInteger(o.maxConnections ?? DEFAULT_MAX_CONNECTIONS, 'maxConnections', 1, 100_000),
  }
}

class VerificationServerImpl implements VerificationServer, EventSink {
  private readonly options: ResolvedServerOptions
  private readonly emitter = new EventEmitter()
  private readonly server: Server
  private readonly live = new Set<Association>()
  private serving = 0
  private listening: Promise<{ address: string; port: number }> | undefined
  private closing: Promise<void> | undefined

  constructor(options: ResolvedServerOptions) {
    this.options = options
    this.server = createServer({ noDelay: true }, (socket) => this.onConnection(socket))
    // Rejections for "too many" are answered, not dropped; past twice the limit Node closes new sockets at once.
    this.server.maxConnections = options.maxConnections * 2
  }

  get connections(): number {
    return this.live.size
  }

  listen(): Promise<{ address: string; port: number }> {
    if (this.closing) return Promise.reject(new DicomError('GSLB_DICOM_LISTEN_FAILED', 'server was closed'))
    this.listening ??= new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        const where = `${this.options.host}:${this.options.port}`
        reject(
          new DicomError('GSLB_DICOM_LISTEN_FAILED', `cannot listen on ${where}: ${error.message}`, {
            cause: error,
          }),
        )
      }
      this.server.once('error', onError)
      this.server.listen({ port: this.options.port, host: this.options.host }, () => {
        this.server.off('error', onError)
        resolve(this.address()!)
      })
    })
    return this.listening
  }

  address(): { address: string; port: number } | null {
    const bound = this.server.address()
    if (bound === null || typeof bound === 'string') return null
    return { address: bound.address, port: bound.port }
  }

  close(options: { graceMs?: number } = {}): Promise<void> {
    let graceMs: number
    try {
      graceMs = checkInteger(options.graceMs ?? 0, 'graceMs', 0, 3_600_000)
    } catch (error) {
      return Promise.reject(error)
    }
    this.closing ??= new Promise<void>((resolve) => {
      for (const association of this.live) association.drain(graceMs)
      if (!this.server.listening) {
        this.waitForSockets(resolve)
        return
      }
      this.server.close(() => resolve())
    })
    return this.closing
  }

  destroy(): void {
    for (const association of this.live) association.destroy()
    void this.close()
  }

  private waitForSockets(resolve: () => void): void {
    if (this.live.size === 0) {
      resolve()
      return
    }
    const onClose = (): void => {
      if (this.live.size > 0) return
      this.emitter.off('connection:close', onClose)
      resolve()
    }
    this.emitter.on('connection:close', onClose)
  }

  on<E extends VerificationServerEvent>(event: E, listener: Listener<E>): VerificationServer {
    this.emitter.on(event, listener)
    return this
  }

  once<E extends VerificationServerEvent>(event: E, listener: Listener<E>): VerificationServer {
    this.emitter.once(event, listener)
    return this
  }

  off<E extends VerificationServerEvent>(event: E, listener: Listener<E>): VerificationServer {
    this.emitter.off(event, listener)
    return this
  }

  emit<E extends VerificationServerEvent>(event: E, payload: VerificationServerEvents[E]): void {
    this.emitter.emit(event, payload)
  }

  private onConnection(socket: Socket): void {
    const overLimit = this.serving >= this.options.maxConnections || this.closing !== undefined
    const association = new Association(socket, this.options, this, overLimit)
    this.live.add(association)
    if (!overLimit) this.serving++
    socket.once('close', () => {
      this.live.delete(association)
      if (!overLimit) this.serving--
      this.emit('connection:close', association.peer)
    })
    association.start()
  }
}
