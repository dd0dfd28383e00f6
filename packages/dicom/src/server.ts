import { EventEmitter } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { decodeCommand, encodeCEchoRsp } from './command.js'
import {
  COMMAND_C_ECHO_RQ,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_PDU_LENGTH,
  DICOM_APPLICATION_CONTEXT,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLEMENTATION_CLASS_UID,
  IMPLEMENTATION_VERSION_NAME,
  IMPLICIT_VR_LITTLE_ENDIAN,
  MAX_ASSOCIATE_PDU_LENGTH,
  MAX_COMMAND_LENGTH,
  MAX_MAX_PDU_LENGTH,
  MIN_MAX_PDU_LENGTH,
  VERIFICATION_SOP_CLASS,
} from './constants.js'
import { DicomError, invalidOption } from './errors.js'
import { PduFramer } from './framer.js'
import { checkAETitle, checkHost, checkInteger, checkObject, checkPort } from './options.js'
import { decodePdu } from './pdu-decode.js'
import {
  encodeAbort,
  encodeAssociateAc,
  encodeAssociateRj,
  encodeFragments,
  encodeReleaseRp,
} from './pdu-encode.js'
import type { AssociateRqPdu, Pdu, Pdv, PresentationContextAc } from './pdu-types.js'
import type { AbortReason, RejectReason, RejectResult, RejectSource } from './words.js'

export interface VerificationServerOptions {
  /** Our AE title, returned in the A-ASSOCIATE-AC. */
  aeTitle: string
  /** TCP port; 0 picks a free one (see listen()'s result). */
  port: number
  host: string
  /**
   * Which called AE titles are accepted: `true` (default) any; `false` only `aeTitle`; a list: `aeTitle`
   * and the listed titles. Others get A-ASSOCIATE-RJ permanent / service-user / called-AE-title-not-recognized.
   */
  acceptCalledAE?: boolean | string[]
  /** Largest P-DATA-TF variable field we receive (advertised in the AC). Default 16384. */
  maxPduLength?: number
  /** A connection that sends nothing for this long is aborted. Default 30000 ms. */
  idleTimeoutMs?: number
  /** Concurrent associations served; one more gets A-ASSOCIATE-RJ transient / local-limit-exceeded. Default 64. */
  maxConnections?: number
}

export interface PeerInfo {
  remoteAddress: string
  remotePort: number
}

export interface VerificationServerEvents {
  'connection:open': PeerInfo
  'connection:close': PeerInfo
  /** Bytes from the peer broke the protocol (the association is aborted as well). */
  'connection:error': PeerInfo & { error: DicomError }
  'association:accept': PeerInfo & {
    callingAE: string
    calledAE: string
    presentationContexts: PresentationContextAc[]
  }
  'association:reject': PeerInfo & {
    callingAE?: string
    calledAE?: string
    result: RejectResult
    source: RejectSource
    reason: RejectReason
  }
  'association:release': PeerInfo & { callingAE: string; calledAE: string }
  'association:abort': PeerInfo & {
    callingAE?: string
    calledAE?: string
    by: 'peer' | 'server'
    reason: string
  }
  /** A C-ECHO-RQ was answered with Success. */
  'echo:answer': PeerInfo & { callingAE: string; calledAE: string; messageId: number }
}

export type VerificationServerEvent = keyof VerificationServerEvents
type Listener<E extends VerificationServerEvent> = (payload: VerificationServerEvents[E]) => void

export interface VerificationServer {
  /** Starts listening; resolves with the bound address (the real port when `port` was 0). */
  listen(): Promise<{ address: string; port: number }>
  /** Stops accepting, aborts live associations (A-ABORT), resolves when every socket is closed. Idempotent. */
  close(): Promise<void>
  address(): { address: string; port: number } | null
  /** Connections currently open (served and being rejected). */
  readonly connections: number
  on<E extends VerificationServerEvent>(event: E, listener: Listener<E>): VerificationServer
  once<E extends VerificationServerEvent>(event: E, listener: Listener<E>): VerificationServer
  off<E extends VerificationServerEvent>(event: E, listener: Listener<E>): VerificationServer
}

interface ResolvedServerOptions {
  aeTitle: string
  port: number
  host: string
  acceptedCalledAE: Set<string> | undefined
  maxPduLength: number
  idleTimeoutMs: number
  maxConnections: number
}

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

class VerificationServerImpl implements VerificationServer {
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
    // Rejections for "too many" are answered, not dropped; past twice the limit the kernel backlog waits.
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

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const association of this.live) association.shutdown()
      if (!this.server.listening) {
        this.waitForSockets(resolve)
        return
      }
      this.server.close(() => resolve())
    })
    return this.closing
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

type AssociationState = 'awaiting-request' | 'associated' | 'closing'

/** One TCP connection's upper-layer state machine (PS3.8 section 9.2, acceptor side). */
class Association {
  readonly peer: PeerInfo
  private readonly socket: Socket
  private readonly options: ResolvedServerOptions
  private readonly server: VerificationServerImpl
  private readonly overLimit: boolean
  private readonly framer = new PduFramer({ maxPduLength: MAX_ASSOCIATE_PDU_LENGTH })
  private state: AssociationState = 'awaiting-request'
  private callingAE: string | undefined
  private calledAE: string | undefined
  private accepted = new Map<number, string>()
  private peerMaxLength = 0
  private command: Buffer[] = []
  private commandLength = 0
  private commandContext = 0

  constructor(
    socket: Socket,
    options: ResolvedServerOptions,
    server: VerificationServerImpl,
    overLimit: boolean,
  ) {
    this.socket = socket
    this.options = options
    this.server = server
    this.overLimit = overLimit
    this.peer = { remoteAddress: socket.remoteAddress ?? '', remotePort: socket.remotePort ?? 0 }
  }

  start(): void {
    const socket = this.socket
    socket.setTimeout(this.options.idleTimeoutMs)
    socket.on('timeout', () => this.onIdle())
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    // A reset by the peer is routine for a server; the close event reports it.
    socket.on('error', () => socket.destroy())
    this.server.emit('connection:open', this.peer)
    if (this.overLimit) {
      this.reject('rejected-transient', 'service-provider-presentation', 'local-limit-exceeded')
    }
  }

  /** Server shutdown: tell an associated peer why the connection goes away. */
  shutdown(): void {
    if (this.state === 'associated') {
      this.abort('server is shutting down', 'reason-not-specified', 'service-user')
      return
    }
    this.socket.destroy()
  }

  private onIdle(): void {
    if (this.state === 'closing') {
      this.socket.destroy()
      return
    }
    this.abort(`no data from the peer for ${this.options.idleTimeoutMs} ms`, 'reason-not-specified')
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closing') return
    try {
      this.framer.append(chunk)
    } catch (error) {
      this.protocolError(error as DicomError)
      return
    }
    while (!this.closed) {
      let pdu: Pdu
      try {
        const bytes = this.framer.next()
        if (bytes === undefined) return
        pdu = decodePdu(bytes)
      } catch (error) {
        this.protocolError(error as DicomError)
        return
      }
      this.onPdu(pdu)
    }
  }

  /** Read through a getter: handlers called in a loop may have closed the association. */
  private get closed(): boolean {
    return this.state === 'closing'
  }

  private protocolError(error: DicomError): void {
    this.server.emit('connection:error', { ...this.peer, error })
    const reason: AbortReason =
      error.code === 'GSLB_DICOM_UNRECOGNIZED_PDU' ? 'unrecognized-PDU' : 'invalid-PDU-parameter-value'
    this.abort(error.message, reason)
  }

  private onPdu(pdu: Pdu): void {
    if (pdu.type === 'A-ABORT') {
      this.server.emit('association:abort', {
        ...this.peer,
        ...this.titles(),
        by: 'peer',
        reason:
          pdu.source === 'service-user'
            ? 'aborted by the peer application'
            : `peer DICOM stack: ${pdu.reason}`,
      })
      this.state = 'closing'
      this.socket.destroy()
      return
    }
    if (this.state === 'awaiting-request') {
      if (pdu.type === 'A-ASSOCIATE-RQ') this.onRequest(pdu)
      else this.abort(`unexpected ${pdu.type} before A-ASSOCIATE-RQ`, 'unexpected-PDU')
      return
    }
    if (pdu.type === 'P-DATA-TF') this.onPData(pdu.pdvs)
    else if (pdu.type === 'A-RELEASE-RQ') {
      this.socket.write(encodeReleaseRp())
      this.server.emit('association:release', {
        ...this.peer,
        callingAE: this.callingAE!,
        calledAE: this.calledAE!,
      })
      this.closeGracefully()
    } else this.abort(`unexpected ${pdu.type} in an established association`, 'unexpected-PDU')
  }

  private onRequest(rq: AssociateRqPdu): void {
    this.callingAE = rq.callingAE
    this.calledAE = rq.calledAE
    if ((rq.protocolVersion & 0x0001) === 0) {
      this.reject('rejected-permanent', 'service-provider-acse', 'protocol-version-not-supported')
      return
    }
    if (rq.applicationContext !== DICOM_APPLICATION_CONTEXT) {
      this.reject('rejected-permanent', 'service-user', 'application-context-name-not-supported')
      return
    }
    if (this.options.acceptedCalledAE && !this.options.acceptedCalledAE.has(rq.calledAE)) {
      this.reject('rejected-permanent', 'service-user', 'called-AE-title-not-recognized')
      return
    }
    const presentationContexts = rq.presentationContexts.map((pc) => negotiate(pc))
    for (const pc of presentationContexts) {
      if (pc.result === 'acceptance') this.accepted.set(pc.id, pc.transferSyntax!)
    }
    this.peerMaxLength = rq.userInformation.maxLength ?? 0
    this.socket.write(
      encodeAssociateAc({
        calledAE: rq.calledAE,
        callingAE: rq.callingAE,
        presentationContexts,
        userInformation: {
          maxLength: this.options.maxPduLength,
          implementationClassUID: IMPLEMENTATION_CLASS_UID,
          implementationVersionName: IMPLEMENTATION_VERSION_NAME,
        },
      }),
    )
    this.state = 'associated'
    this.framer.maxPduLength = this.options.maxPduLength
    this.server.emit('association:accept', {
      ...this.peer,
      callingAE: rq.callingAE,
      calledAE: rq.calledAE,
      presentationContexts,
    })
  }

  private onPData(pdvs: Pdv[]): void {
    for (const pdv of pdvs) {
      if (!this.accepted.has(pdv.contextId)) {
        this.abort(
          `P-DATA on presentation context ${pdv.contextId}, which was not accepted`,
          'unexpected-PDU-parameter',
        )
        return
      }
      if (!pdv.command) {
        this.abort('a data set arrived, but Verification carries none', 'unexpected-PDU-parameter')
        return
      }
      if (this.command.length > 0 && pdv.contextId !== this.commandContext) {
        this.abort('command fragments interleave presentation contexts', 'unexpected-PDU-parameter')
        return
      }
      this.commandContext = pdv.contextId
      this.commandLength += pdv.data.length
      if (this.commandLength > MAX_COMMAND_LENGTH) {
        this.abort(`command set exceeds ${MAX_COMMAND_LENGTH} bytes`, 'invalid-PDU-parameter-value')
        return
      }
      this.command.push(Buffer.from(pdv.data))
      if (pdv.last) {
        const bytes = Buffer.concat(this.command)
        this.command = []
        this.commandLength = 0
        if (!this.onCommand(pdv.contextId, bytes)) return
      }
    }
  }

  /** Returns false when the association was aborted. */
  private onCommand(contextId: number, bytes: Buffer): boolean {
    let command: ReturnType<typeof decodeCommand>
    try {
      command = decodeCommand(bytes)
    } catch (error) {
      this.protocolError(error as DicomError)
      return false
    }
    if (command.commandField !== COMMAND_C_ECHO_RQ || command.messageId === undefined || command.hasDataSet) {
      const field = command.commandField.toString(16).padStart(4, '0')
      this.abort(
        `unsupported command 0x${field}: this server answers C-ECHO only`,
        'unexpected-PDU-parameter',
      )
      return false
    }
    const response = encodeCEchoRsp({
      messageIdBeingRespondedTo: command.messageId,
      affectedSOPClassUID: command.affectedSOPClassUID ?? VERIFICATION_SOP_CLASS,
    })
    for (const pdu of encodeFragments(contextId, true, response, this.peerMaxLength)) this.socket.write(pdu)
    this.server.emit('echo:answer', {
      ...this.peer,
      callingAE: this.callingAE!,
      calledAE: this.calledAE!,
      messageId: command.messageId,
    })
    return true
  }

  private reject(result: RejectResult, source: RejectSource, reason: RejectReason): void {
    this.socket.write(encodeAssociateRj({ result, source, reason }))
    this.server.emit('association:reject', { ...this.peer, ...this.titles(), result, source, reason })
    this.closeGracefully()
  }

  private abort(
    reason: string,
    abortReason: AbortReason,
    source: 'service-user' | 'service-provider' = 'service-provider',
  ): void {
    if (this.state === 'closing') return
    const wire = source === 'service-user' ? 'not-significant' : abortReason
    if (this.socket.writable) this.socket.write(encodeAbort({ source, reason: wire }))
    this.server.emit('association:abort', { ...this.peer, ...this.titles(), by: 'server', reason })
    this.state = 'closing'
    this.socket.destroy()
  }

  /** After RJ or RP the requestor closes the connection (PS3.8 9.2.2); the idle timeout bounds the wait. */
  private closeGracefully(): void {
    this.state = 'closing'
    this.socket.end()
  }

  private titles(): { callingAE?: string; calledAE?: string } {
    const titles: { callingAE?: string; calledAE?: string } = {}
    if (this.callingAE !== undefined) titles.callingAE = this.callingAE
    if (this.calledAE !== undefined) titles.calledAE = this.calledAE
    return titles
  }
}

/** Verification only; Implicit VR LE preferred, Explicit VR LE when that is all that is proposed. */
function negotiate(pc: {
  id: number
  abstractSyntax: string
  transferSyntaxes: string[]
}): PresentationContextAc {
  if (pc.abstractSyntax !== VERIFICATION_SOP_CLASS) {
    return { id: pc.id, result: 'abstract-syntax-not-supported', transferSyntax: pc.transferSyntaxes[0]! }
  }
  for (const ts of [IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN]) {
    if (pc.transferSyntaxes.includes(ts)) return { id: pc.id, result: 'acceptance', transferSyntax: ts }
  }
  return { id: pc.id, result: 'transfer-syntaxes-not-supported', transferSyntax: pc.transferSyntaxes[0]! }
}
