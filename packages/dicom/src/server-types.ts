import type { DicomError } from './errors.js'
import type { PresentationContextAc } from './pdu-types.js'
import type { RejectReason, RejectResult, RejectSource } from './words.js'

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
export type Listener<E extends VerificationServerEvent> = (payload: VerificationServerEvents[E]) => void

export interface VerificationServer {
  /** Starts listening; resolves with the bound address (the real port when `port` was 0). */
  listen(): Promise<{ address: string; port: number }>
  /**
   * Stops accepting. Associations in progress get `graceMs` (default 0) to finish and release, then are ended
   * with A-ABORT; connections not yet associated are closed at once (PS3.8 AA-2). Resolves when every socket
   * is closed.
   * Idempotent (later calls return the first call's promise).
   */
  close(options?: { graceMs?: number }): Promise<void>
  /** Drops every connection at once without a word on the wire, as a crashed PACS would. */
  destroy(): void
  address(): { address: string; port: number } | null
  /** Connections currently open (served and being rejected). */
  readonly connections: number
  on<E extends VerificationServerEvent>(event: E, listener: Listener<E>): VerificationServer
  once<E extends VerificationServerEvent>(event: E, listener: Listener<E>): VerificationServer
  off<E extends VerificationServerEvent>(event: E, listener: Listener<E>): VerificationServer
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

/** What an association needs from its server: a way to report events. */
export interface EventSink {
  emit<E extends VerificationServerEvent>(event: E, payload: VerificationServerEvents[E]): void
}
