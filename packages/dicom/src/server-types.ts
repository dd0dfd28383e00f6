import type { EventEmitter } from 'node:events'
import type { DicomError } from './errors.js'
import type { HandlerErrorEvent } from './events.js'
import type { PresentationContextAc } from './pdu-types.js'
import type { RejectReason, RejectResult, RejectSource } from './words.js'

export interface VerificationServerOptions {
  /** Our AE title, returned in the A-ASSOCIATE-AC. */
  aeTitle: string
  /** TCP port; 0 picks a free one (read it with address() once started). */
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
  'connection:open': [PeerInfo]
  'connection:close': [PeerInfo]
  /** Bytes from the peer broke the protocol (the association is aborted as well). */
  'connection:error': [PeerInfo & { error: DicomError }]
  'association:accept': [
    PeerInfo & {
      callingAE: string
      calledAE: string
      presentationContexts: PresentationContextAc[]
    },
  ]
  'association:reject': [
    PeerInfo & {
      callingAE?: string
      calledAE?: string
      result: RejectResult
      source: RejectSource
      reason: RejectReason
    },
  ]
  'association:release': [PeerInfo & { callingAE: string; calledAE: string }]
  'association:abort': [
    PeerInfo & {
      callingAE?: string
      calledAE?: string
      by: 'peer' | 'server'
      reason: string
    },
  ]
  /** A C-ECHO-RQ was answered with Success. */
  'echo:answer': [PeerInfo & { callingAE: string; calledAE: string; messageId: number }]
  /** The bound listening socket failed (EMFILE on accept, …); binding failures reject start() instead. */
  'listener:error': [{ listen: string; error: Error }]
  /** A listener of another event threw; the server carried on (without a listener here: a process warning). */
  'handler:error': [HandlerErrorEvent]
}

export type VerificationServerEvent = keyof VerificationServerEvents

/** A Verification SCP made by `createVerificationServer()`. */
export interface VerificationServer extends EventEmitter<VerificationServerEvents> {
  /**
   * Binds the port; resolves once listening (read the port with `address()`). Idempotent: a second call while
   * starting or running returns the same promise. Rejects with `GSLB_DICOM_LISTEN_FAILED` when the port cannot be
   * bound (start() may be called again), with `GSLB_DICOM_CLOSED` after close() or destroy(), and with
   * `signal.reason` when `signal` aborts before the port is bound (nothing stays bound; start() may be called again).
   */
  start(options?: { signal?: AbortSignal }): Promise<void>
  /**
   * Graceful: stops accepting; associations in progress get `deadlineMs` (default 0) to finish and release, then
   * are ended with A-ABORT; connections not yet associated are closed at once (PS3.8 AA-2). `signal` cuts the
   * deadline short. Resolves when every socket is closed, also when never started. Idempotent (later calls
   * return the first call's promise).
   */
  close(options?: { deadlineMs?: number; signal?: AbortSignal }): Promise<void>
  /**
   * Abrupt: drops every connection at once without a word on the wire, as a crashed PACS would. A start() in
   * progress rejects with `error` (default: a `GSLB_DICOM_CLOSED` error). Idempotent.
   */
  destroy(error?: Error): void
  /** The bound address (the real port when `port` was 0); null unless listening. */
  address(): { address: string; port: number } | null
  /** Connections currently open (served and being rejected). */
  readonly connections: number
  /** close(): for `await using server = createVerificationServer(...)`. */
  [Symbol.asyncDispose](): Promise<void>
}

/** Options after validation and defaults. */
export interface ResolvedServerOptions {
  aeTitle: string
  port: number
  host: string
  acceptedCalledAE: Set<string> | undefined
  maxPduLength: number
  idleTimeoutMs: number
  maxConnections: number
}

/** What an association needs from its server: a way to report events (through the safe emit). */
export interface EventSink {
  notify<E extends VerificationServerEvent>(event: E, ...args: VerificationServerEvents[E]): void
}
