import type { Socket } from 'node:net'
import { aeTitleProblem } from './bytes.js'
import { decodeCommand, encodeCEchoRsp } from './command.js'
import {
  COMMAND_C_ECHO_RQ,
  DICOM_APPLICATION_CONTEXT,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLEMENTATION_CLASS_UID,
  IMPLEMENTATION_VERSION_NAME,
  IMPLICIT_VR_LITTLE_ENDIAN,
  MAX_ASSOCIATE_PDU_LENGTH,
  MAX_COMMAND_LENGTH,
  VERIFICATION_SOP_CLASS,
} from './constants.js'
import { asDicomError, type DicomError, protocolAbortReason } from './errors.js'
import { PduFramer } from './framer.js'
import { decodePdu } from './pdu-decode.js'
import {
  encodeAbort,
  encodeAssociateAc,
  encodeAssociateRj,
  encodeFragments,
  encodeReleaseRp,
} from './pdu-encode.js'
import type { AssociateRqPdu, Pdu, Pdv, PresentationContextAc } from './pdu-types.js'
import type { EventSink, PeerInfo, ResolvedServerOptions } from './server-types.js'
import type { AbortReason, RejectReason, RejectResult, RejectSource } from './words.js'

/** A P-DATA-TF variable field needs 6 bytes of PDV header plus at least one byte of data. */
const MIN_PEER_MAX_LENGTH = 7

type AssociationState = 'awaiting-request' | 'associated' | 'closing'

/** One TCP connection's upper-layer state machine (PS3.8 section 9.2, acceptor side). */
export class Association {
  readonly peer: PeerInfo
  private readonly socket: Socket
  private readonly options: ResolvedServerOptions
  private readonly server: EventSink
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
  private requestTimer: NodeJS.Timeout | undefined
  private drainTimer: NodeJS.Timeout | undefined

  constructor(socket: Socket, options: ResolvedServerOptions, server: EventSink, overLimit: boolean) {
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
    // PS3.8's ARTIM timer: the whole request must arrive in time, so trickling bytes cannot hold a slot.
    this.requestTimer = setTimeout(() => this.onRequestTimeout(), this.options.idleTimeoutMs)
    socket.once('close', () => {
      clearTimeout(this.requestTimer)
      clearTimeout(this.drainTimer)
    })
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    // A reset by the peer is routine for a server; the close event reports it.
    socket.on('error', () => socket.destroy())
    this.server.notify('connection:open', this.peer)
    if (this.overLimit) {
      this.reject('rejected-transient', 'service-provider-presentation', 'local-limit-exceeded')
    }
  }

  /** Server shutdown: an association in progress may finish within `deadlineMs`; everything else ends now. */
  drain(deadlineMs: number): void {
    clearTimeout(this.drainTimer)
    if (this.state !== 'associated' || deadlineMs === 0) {
      this.shutdown()
      return
    }
    this.drainTimer = setTimeout(() => this.shutdown(), deadlineMs)
  }

  destroy(): void {
    this.state = 'closing'
    this.socket.destroy()
  }

  /** Tells an associated peer why the connection goes away. */
  private shutdown(): void {
    if (this.state === 'associated') {
      this.abort('server is shutting down', 'reason-not-specified', 'service-user')
      return
    }
    this.socket.destroy()
  }

  private onRequestTimeout(): void {
    if (this.state !== 'awaiting-request') return
    this.abort(`no complete A-ASSOCIATE-RQ within ${this.options.idleTimeoutMs} ms`, 'reason-not-specified')
  }

  private onIdle(): void {
    if (this.state === 'closing') {
      this.socket.destroy()
      return
    }
    const ms = this.options.idleTimeoutMs
    const why = this.socket.isPaused()
      ? `the peer read none of our responses for ${ms} ms`
      : `no data from the peer for ${ms} ms`
    this.abort(why, 'reason-not-specified')
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closing') return
    try {
      this.framer.append(chunk)
    } catch (error) {
      this.protocolError(asDicomError(error))
      return
    }
    while (!this.closed) {
      try {
        const bytes = this.framer.next()
        if (bytes === undefined) return
        this.onPdu(decodePdu(bytes))
      } catch (error) {
        // Values the decoder accepts but an answer cannot carry end up here too: abort, never crash.
        this.protocolError(asDicomError(error))
        return
      }
    }
  }

  /** Read through a getter: handlers called in a loop may have closed the association. */
  private get closed(): boolean {
    return this.state === 'closing'
  }

  private protocolError(error: DicomError): void {
    this.server.notify('connection:error', { ...this.peer, error })
    this.abort(error.message, protocolAbortReason(error))
  }

  private onPdu(pdu: Pdu): void {
    if (pdu.type === 'A-ABORT') {
      this.server.notify('association:abort', {
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
      this.send(encodeReleaseRp())
      this.server.notify('association:release', {
        ...this.peer,
        callingAE: this.callingAE!,
        calledAE: this.calledAE!,
      })
      this.closeGracefully()
    } else this.abort(`unexpected ${pdu.type} in an established association`, 'unexpected-PDU')
  }

  private onRequest(rq: AssociateRqPdu): void {
    clearTimeout(this.requestTimer)
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
    const calledUnknown = this.options.acceptedCalledAE && !this.options.acceptedCalledAE.has(rq.calledAE)
    if (calledUnknown || aeTitleProblem(rq.calledAE)) {
      this.reject('rejected-permanent', 'service-user', 'called-AE-title-not-recognized')
      return
    }
    if (aeTitleProblem(rq.callingAE)) {
      this.reject('rejected-permanent', 'service-user', 'calling-AE-title-not-recognized')
      return
    }
    const maxLength = rq.userInformation.maxLength ?? 0
    if (maxLength > 0 && maxLength < MIN_PEER_MAX_LENGTH) {
      this.abort(
        `requestor maximum length ${maxLength} leaves no room for a response`,
        'invalid-PDU-parameter-value',
      )
      return
    }
    const presentationContexts = rq.presentationContexts.map((pc) => negotiate(pc))
    for (const pc of presentationContexts) {
      if (pc.result === 'acceptance') this.accepted.set(pc.id, pc.transferSyntax!)
    }
    this.peerMaxLength = maxLength
    this.send(
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
    this.server.notify('association:accept', {
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
      this.protocolError(asDicomError(error))
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
    for (const pdu of encodeFragments(contextId, true, response, this.peerMaxLength)) this.send(pdu)
    this.server.notify('echo:answer', {
      ...this.peer,
      callingAE: this.callingAE!,
      calledAE: this.calledAE!,
      messageId: command.messageId,
    })
    return true
  }

  private reject(result: RejectResult, source: RejectSource, reason: RejectReason): void {
    this.send(encodeAssociateRj({ result, source, reason }))
    this.server.notify('association:reject', { ...this.peer, ...this.titles(), result, source, reason })
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
    this.server.notify('association:abort', { ...this.peer, ...this.titles(), by: 'server', reason })
    this.state = 'closing'
    this.socket.destroy()
  }

  /**
   * A peer that keeps sending requests but never reads the responses must not grow our memory:
   * stop reading until the responses drain (the idle timeout ends a peer that never reads).
   */
  private send(bytes: Buffer): void {
    if (this.socket.write(bytes) || this.socket.isPaused()) return
    this.socket.pause()
    this.socket.once('drain', () => this.socket.resume())
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
