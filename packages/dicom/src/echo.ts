import { connect, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { type DicomCommand, decodeCommand, encodeCEchoRq } from './command.js'
import {
  COMMAND_C_ECHO_RSP,
  DEFAULT_CALLED_AE,
  DEFAULT_CALLING_AE,
  DEFAULT_ECHO_TIMEOUT_MS,
  DEFAULT_MAX_PDU_LENGTH,
  EXPLICIT_VR_LITTLE_ENDIAN,
  IMPLEMENTATION_CLASS_UID,
  IMPLEMENTATION_VERSION_NAME,
  IMPLICIT_VR_LITTLE_ENDIAN,
  MAX_ASSOCIATE_PDU_LENGTH,
  MAX_COMMAND_LENGTH,
  MAX_ECHO_TIMEOUT_MS,
  MAX_MAX_PDU_LENGTH,
  MIN_MAX_PDU_LENGTH,
  STATUS_SUCCESS,
  VERIFICATION_SOP_CLASS,
} from './constants.js'
import { type EchoStage, hex4, messageOf, networkReason, statusText } from './echo-reasons.js'
import { protocolAbortReason } from './errors.js'
import { PduFramer } from './framer.js'
import {
  checkAETitle,
  checkHost,
  checkInteger,
  checkObject,
  checkPort,
  checkSignal,
  checkTimeout,
  hostPort,
} from './options.js'
import { decodePdu } from './pdu-decode.js'
import {
  encodeAbort,
  encodeAssociateRq,
  encodeFragments,
  encodeReleaseRp,
  encodeReleaseRq,
} from './pdu-encode.js'
import type { AssociateAcPdu, Pdu } from './pdu-types.js'
import { type AbortReason, describeAbort, describeReject } from './words.js'

export type { EchoStage } from './echo-reasons.js'

export interface EchoOptions {
  host: string
  port: number
  /** Our AE title. Default 'GSLB-LB'. */
  callingAE?: string
  /** The peer's AE title. Default 'ANY-SCP'. */
  calledAE?: string
  /** One deadline for the whole exchange (connect, associate, echo, release). Default 5000 ms. */
  timeoutMs?: number
  signal?: AbortSignal
  /** Largest P-DATA-TF we accept from the peer (advertised in the request). Default 16384. */
  maxPduLength?: number
}

export interface EchoResult {
  /** True when the peer answered the C-ECHO with status Success (0x0000). */
  ok: boolean
  /** Milliseconds from the call until the outcome was known (the C-ECHO-RSP, or the failure). */
  rttMs: number
  stage: EchoStage
  /** A sentence for an operator: what happened, and for failures why. */
  reason: string
  /** The C-ECHO-RSP status, when one arrived. */
  status?: number
}

interface ResolvedEchoOptions {
  host: string
  port: number
  callingAE: string
  calledAE: string
  timeoutMs: number
  signal: AbortSignal | undefined
  maxPduLength: number
}

const CONTEXT_ID = 1
const EMPTY = Buffer.alloc(0)
const MESSAGE_ID = 1

/**
 * Verifies a DICOM peer in-process: TCP connect, A-ASSOCIATE (Verification SOP Class), C-ECHO,
 * A-RELEASE, all under one deadline. Never rejects for network or peer trouble: the result says
 * how far it got and why it stopped. Rejects only for invalid options (`GSLB_DICOM_OPTIONS_INVALID`).
 */
export async function echo(options: EchoOptions): Promise<EchoResult> {
  const resolved = resolveEchoOptions(options)
  return new Promise<EchoResult>((resolve) => new EchoExchange(resolved, resolve).start())
}

function resolveEchoOptions(options: EchoOptions): ResolvedEchoOptions {
  const o = checkObject(options, 'options')
  return {
    host: checkHost(o.host, 'host'),
    port: checkPort(o.port, 'port', false),
    callingAE: checkAETitle(o.callingAE ?? DEFAULT_CALLING_AE, 'callingAE'),
    calledAE: checkAETitle(o.calledAE ?? DEFAULT_CALLED_AE, 'calledAE'),
    timeoutMs: checkTimeout(o.timeoutMs ?? DEFAULT_ECHO_TIMEOUT_MS, 'timeoutMs', MAX_ECHO_TIMEOUT_MS),
    signal: checkSignal(o.signal, 'signal'),
    maxPduLength: checkInteger(
      o.maxPduLength ?? DEFAULT_MAX_PDU_LENGTH,
      'maxPduLength',
      MIN_MAX_PDU_LENGTH,
      MAX_MAX_PDU_LENGTH,
    ),
  }
}

class EchoExchange {
  private readonly options: ResolvedEchoOptions
  private readonly resolve: (result: EchoResult) => void
  private readonly startedAt = performance.now()
  private readonly framer = new PduFramer({ maxPduLength: MAX_ASSOCIATE_PDU_LENGTH })
  private readonly target: string
  private stage: EchoStage = 'tcp'
  private socket: Socket | undefined
  private timer: NodeJS.Timeout | undefined
  private settled = false
  private connected = false
  private command: Buffer[] = []
  private commandLength = 0
  private echoRttMs = 0
  private echoStatus: number | undefined

  constructor(options: ResolvedEchoOptions, resolve: (result: EchoResult) => void) {
    this.options = options
    this.resolve = resolve
    this.target = hostPort(options.host, options.port)
  }

  start(): void {
    const { signal } = this.options
    if (signal?.aborted) {
      this.fail('cancelled by the caller before connecting')
      return
    }
    signal?.addEventListener('abort', this.onAbort, { once: true })
    this.timer = setTimeout(this.onTimeout, this.options.timeoutMs)
    const socket = connect({ host: this.options.host, port: this.options.port })
    this.socket = socket
    socket.setNoDelay(true)
    socket.on('connect', () => this.onConnect())
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (error: NodeJS.ErrnoException) => this.onSocketError(error))
    socket.on('close', () => this.onClose())
  }

  private readonly onAbort = (): void => {
    this.fail(`cancelled by the caller during the ${this.stage} stage`, { sendAbort: true })
  }

  private readonly onTimeout = (): void => {
    const ms = this.options.timeoutMs
    const partial = this.framer.buffered > 0 ? ` (only ${this.framer.buffered} byte(s) of a PDU arrived)` : ''
    const reasons: Record<EchoStage, string> = {
      tcp: `no TCP connection to ${this.target} within ${ms} ms`,
      associate: `peer accepted the TCP connection but sent no association response within ${ms} ms${partial}`,
      echo: `association accepted but no C-ECHO response within ${ms} ms${partial}`,
      release: `the peer did not confirm the release within ${ms} ms`,
    }
    this.fail(reasons[this.stage], { sendAbort: true })
  }

  private onConnect(): void {
    if (this.settled) return
    this.connected = true
    this.stage = 'associate'
    this.write(
      encodeAssociateRq({
        calledAE: this.options.calledAE,
        callingAE: this.options.callingAE,
        presentationContexts: [
          {
            id: CONTEXT_ID,
            abstractSyntax: VERIFICATION_SOP_CLASS,
            transferSyntaxes: [IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN],
          },
        ],
        userInformation: {
          maxLength: this.options.maxPduLength,
          implementationClassUID: IMPLEMENTATION_CLASS_UID,
          implementationVersionName: IMPLEMENTATION_VERSION_NAME,
        },
      }),
    )
  }

  private onData(chunk: Buffer): void {
    if (this.settled) return
    for (;;) {
      let bytes: Buffer | undefined
      try {
        this.framer.append(chunk)
        chunk = EMPTY
        bytes = this.framer.next()
      } catch (error) {
        this.fail(`peer sent bytes that are not DICOM during the ${this.stage} stage: ${messageOf(error)}`, {
          sendAbort: true,
          providerReason: protocolAbortReason(error),
        })
        return
      }
      if (bytes === undefined) return
      let pdu: Pdu
      try {
        pdu = decodePdu(bytes)
      } catch (error) {
        this.fail(`peer sent a malformed PDU during the ${this.stage} stage: ${messageOf(error)}`, {
          sendAbort: true,
          providerReason: protocolAbortReason(error),
        })
        return
      }
      try {
        this.onPdu(pdu)
      } catch (error) {
        this.fail(`cannot handle the peer's ${pdu.type}: ${messageOf(error)}`, { sendAbort: true })
      }
      if (this.settled) return
    }
  }

  private onPdu(pdu: Pdu): void {
    if (pdu.type === 'A-ABORT') {
      this.fail(describeAbort(pdu))
      return
    }
    switch (this.stage) {
      case 'associate':
        if (pdu.type === 'A-ASSOCIATE-AC') this.onAccept(pdu)
        else if (pdu.type === 'A-ASSOCIATE-RJ') this.fail(describeReject(pdu))
        else this.unexpected(pdu, 'the association response')
        return
      case 'echo':
        if (pdu.type === 'P-DATA-TF') this.onPData(pdu.pdvs)
        else if (pdu.type === 'A-RELEASE-RQ')
          this.fail('peer asked to release the association before answering the C-ECHO')
        else this.unexpected(pdu, 'the C-ECHO response')
        return
      case 'release':
        if (pdu.type === 'A-RELEASE-RP') this.succeed('C-ECHO succeeded and the association was released')
        else if (pdu.type === 'A-RELEASE-RQ') {
          // Release collision (PS3.8 9.2.4.2): both sides asked; the requestor answers and is done.
          this.write(encodeReleaseRp())
          this.succeed('C-ECHO succeeded and the association was released')
        } else {
          this.fail(`the peer sent ${pdu.type} instead of confirming the release`, {
            sendAbort: true,
            providerReason: 'unexpected-PDU',
          })
        }
        return
      default:
        this.unexpected(pdu, 'the TCP connection')
    }
  }

  private onAccept(ac: AssociateAcPdu): void {
    const context = ac.presentationContexts.find((pc) => pc.id === CONTEXT_ID)
    if (context === undefined) {
      this.fail('the association was accepted but the Verification presentation context was not answered', {
        sendAbort: true,
      })
      return
    }
    if (context.result !== 'acceptance') {
      this.fail(`the peer does not accept Verification (C-ECHO): presentation context ${context.result}`, {
        sendAbort: true,
      })
      return
    }
    this.stage = 'echo'
    this.framer.maxPduLength = Math.max(this.options.maxPduLength, MIN_MAX_PDU_LENGTH)
    const peerMax = ac.userInformation.maxLength ?? 0
    const echoRq = encodeCEchoRq({ messageId: MESSAGE_ID })
    try {
      for (const pdu of encodeFragments(CONTEXT_ID, true, echoRq, peerMax)) this.write(pdu)
    } catch (error) {
      this.fail(`cannot send the C-ECHO request: ${messageOf(error)}`, { sendAbort: true })
    }
  }

  private onPData(pdvs: { contextId: number; command: boolean; last: boolean; data: Uint8Array }[]): void {
    for (const pdv of pdvs) {
      if (pdv.contextId !== CONTEXT_ID) {
        this.fail(`peer answered on presentation context ${pdv.contextId}, which was never proposed`, {
          sendAbort: true,
        })
        return
      }
      if (!pdv.command) {
        this.fail('peer sent a data set while a C-ECHO response (which has none) was expected', {
          sendAbort: true,
        })
        return
      }
      this.commandLength += pdv.data.length
      if (this.commandLength > MAX_COMMAND_LENGTH) {
        this.fail(`peer's response command exceeds ${MAX_COMMAND_LENGTH} bytes`, { sendAbort: true })
        return
      }
      this.command.push(Buffer.from(pdv.data))
      if (pdv.last) {
        this.onCommand(Buffer.concat(this.command))
        return
      }
    }
  }

  private onCommand(bytes: Buffer): void {
    let command: DicomCommand
    try {
      command = decodeCommand(bytes)
    } catch (error) {
      this.fail(`peer sent a malformed C-ECHO response: ${messageOf(error)}`, { sendAbort: true })
      return
    }
    if (command.commandField !== COMMAND_C_ECHO_RSP) {
      this.fail(`expected a C-ECHO-RSP (0x8030), got command 0x${hex4(command.commandField)}`, {
        sendAbort: true,
      })
      return
    }
    if (command.messageIdBeingRespondedTo !== MESSAGE_ID) {
      this.fail(`C-ECHO-RSP answers message ${command.messageIdBeingRespondedTo}, not ${MESSAGE_ID}`, {
        sendAbort: true,
      })
      return
    }
    if (command.status === undefined) {
      this.fail('C-ECHO-RSP carries no Status (0000,0900)', { sendAbort: true })
      return
    }
    this.echoStatus = command.status
    this.echoRttMs = this.elapsed()
    if (command.status !== STATUS_SUCCESS) {
      this.fail(
        `C-ECHO answered with failure status 0x${hex4(command.status)} (${statusText(command.status)})`,
        {
          sendAbort: true,
        },
      )
      return
    }
    this.stage = 'release'
    this.write(encodeReleaseRq())
  }

  private unexpected(pdu: Pdu, waitingFor: string): void {
    this.fail(`unexpected ${pdu.type} while waiting for ${waitingFor}`, {
      sendAbort: true,
      providerReason: 'unexpected-PDU',
    })
  }

  private onSocketError(error: NodeJS.ErrnoException): void {
    if (this.settled) return
    this.fail(networkReason(error, this.stage, this.target, this.options.host))
  }

  private onClose(): void {
    if (this.settled) return
    const expected = this.framer.expected
    if (this.framer.buffered > 0) {
      const of = expected === undefined ? 'its header' : `${expected} bytes`
      this.fail(
        `peer closed the connection in the middle of a PDU (${this.framer.buffered} of ${of} received)`,
      )
      return
    }
    const reasons: Record<EchoStage, string> = {
      tcp: `connection to ${this.target} closed before it was established`,
      associate: 'peer closed the connection without answering the association request',
      echo: 'peer closed the connection before answering the C-ECHO',
      release: 'the peer closed the connection instead of confirming the release',
    }
    this.fail(reasons[this.stage])
  }

  private write(bytes: Buffer): void {
    const socket = this.socket
    if (socket && !socket.destroyed && socket.writable) socket.write(bytes)
  }

  private elapsed(): number {
    return Math.round((performance.now() - this.startedAt) * 1000) / 1000
  }

  private succeed(reason: string): void {
    this.settle({ ok: true, rttMs: this.echoRttMs, stage: 'release', reason, status: STATUS_SUCCESS })
  }

  /**
   * After a successful C-ECHO the peer is verified; trouble during release only adds a note. The A-ABORT is
   * the provider's, with its PS3.8 reason, when the peer broke the protocol (AA-8); else ours (a timeout, the
   * caller, or an answer we do not accept).
   */
  private fail(reason: string, how: { sendAbort?: boolean; providerReason?: AbortReason } = {}): void {
    if (this.settled) return
    if (how.sendAbort && this.connected) {
      this.write(
        how.providerReason === undefined
          ? encodeAbort({ source: 'service-user', reason: 'not-significant' })
          : encodeAbort({ source: 'service-provider', reason: how.providerReason }),
      )
    }
    if (this.stage === 'release') {
      this.succeed(`C-ECHO succeeded but the release was not confirmed: ${reason}`)
      return
    }
    const result: EchoResult = {
      ok: false,
      rttMs: this.echoStatus === undefined ? this.elapsed() : this.echoRttMs,
      stage: this.stage,
      reason,
    }
    if (this.echoStatus !== undefined) result.status = this.echoStatus
    this.settle(result)
  }

  private settle(result: EchoResult): void {
    if (this.settled) return
    this.settled = true
    if (this.timer) clearTimeout(this.timer)
    this.options.signal?.removeEventListener('abort', this.onAbort)
    this.socket?.destroy()
    this.resolve(result)
  }
}
