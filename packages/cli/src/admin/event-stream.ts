import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AssociationView, ConsoleEvent } from '@gslb/console'
import { CONSOLE_LIMITS } from '../constants.js'

/** What GET /events streams: live events as they happen, and the open associations now. */
export interface LiveSource {
  /** Calls `listener` for every live event until the returned function is called. */
  subscribe(listener: (event: ConsoleEvent) => void): () => void
  /** The open associations right now (bounded by the source); without it, no snapshots are sent. */
  associations?(): AssociationView[]
}

export interface EventStreamLimits {
  maxClients: number
  maxBufferedBytes: number
  heartbeatMs: number
  associationsEveryMs: number
}

const frame = (event: ConsoleEvent) => `event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`

/**
 * The Server-Sent Events streams of GET /events. Bounded: at most `maxClients` streams; a reader that lets more than
 * `maxBufferedBytes` pile up is disconnected (its browser reconnects and starts from now); the source is followed,
 * and associations are polled, only while at least one stream is open.
 */
export class EventStreams {
  readonly #clients = new Set<ServerResponse>()
  readonly #limits: EventStreamLimits
  #unsubscribe: (() => void) | undefined
  #heartbeat: ReturnType<typeof setInterval> | undefined
  #snapshots: ReturnType<typeof setInterval> | undefined

  constructor(
    private readonly source: LiveSource,
    limits: Partial<EventStreamLimits> = {},
  ) {
    this.#limits = {
      maxClients: limits.maxClients ?? CONSOLE_LIMITS.eventClients,
      maxBufferedBytes: limits.maxBufferedBytes ?? CONSOLE_LIMITS.eventBufferBytes,
      heartbeatMs: limits.heartbeatMs ?? CONSOLE_LIMITS.eventHeartbeatMs,
      associationsEveryMs: limits.associationsEveryMs ?? CONSOLE_LIMITS.associationsEveryMs,
    }
  }

  get size(): number {
    return this.#clients.size
  }

  /** Starts a stream on `res`; false (nothing written) when `maxClients` streams are open already. */
  open(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.#clients.size >= this.#limits.maxClients) return false
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    })
    res.write(': gslb-lb events\n\n')
    this.#clients.add(res)
    const forget = () => this.#remove(res)
    req.once('close', forget)
    res.once('close', forget)
    res.on('error', forget)
    if (this.#clients.size === 1) this.#follow()
    const snapshot = this.#snapshot()
    if (snapshot) this.#write(res, frame(snapshot))
    return true
  }

  /** Ends every stream and stops following the source. */
  close(): void {
    for (const res of [...this.#clients]) {
      this.#remove(res)
      res.end()
    }
  }

  #snapshot(): ConsoleEvent | undefined {
    const active = this.source.associations?.()
    return active && { type: 'associations', data: { at: Date.now(), active } }
  }

  #follow(): void {
    this.#unsubscribe = this.source.subscribe((event) => this.#broadcast(frame(event)))
    this.#heartbeat = setInterval(() => this.#broadcast(': ping\n\n'), this.#limits.heartbeatMs)
    this.#heartbeat.unref()
    if (this.source.associations) {
      this.#snapshots = setInterval(() => {
        const snapshot = this.#snapshot()
        if (snapshot) this.#broadcast(frame(snapshot))
      }, this.#limits.associationsEveryMs)
      this.#snapshots.unref()
    }
  }

  #remove(res: ServerResponse): void {
    if (!this.#clients.delete(res) || this.#clients.size > 0) return
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    clearInterval(this.#heartbeat)
    clearInterval(this.#snapshots)
    this.#heartbeat = undefined
    this.#snapshots = undefined
  }

  #broadcast(text: string): void {
    for (const res of [...this.#clients]) this.#write(res, text)
  }

  #write(res: ServerResponse, text: string): void {
    if (res.writableLength + text.length > this.#limits.maxBufferedBytes) {
      // A reader this far behind would only see stale data: let it reconnect and start from now.
      this.#remove(res)
      res.destroy()
      return
    }
    res.write(text)
  }
}
