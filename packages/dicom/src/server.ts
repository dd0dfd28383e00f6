import { EventEmitter } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { Association } from './association.js'
import { DicomError, DicomErrorCode } from './errors.js'
import { emitSafely } from './events.js'
import { hostPort } from './options.js'
import { resolveCloseOptions, resolveServerOptions, resolveStartOptions } from './server-options.js'
import type {
  EventSink,
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
 * Nothing is bound until `start()`.
 */
export function createVerificationServer(options: VerificationServerOptions): VerificationServer {
  return new VerificationServerImpl(resolveServerOptions(options))
}

type State = 'idle' | 'starting' | 'running' | 'closed'

class VerificationServerImpl
  extends EventEmitter<VerificationServerEvents>
  implements VerificationServer, EventSink
{
  private readonly options: ResolvedServerOptions
  private readonly server: Server
  private readonly live = new Set<Association>()
  private serving = 0
  private state: State = 'idle'
  private destroyed = false
  private starting: Promise<void> | undefined
  /** Rejects the start() in progress; the bind itself goes on and close() waits for it. */
  private failStart: ((reason: unknown) => void) | undefined
  /** The bind in flight or done; undefined before, after a failure and once let go. */
  private listening: Promise<void> | undefined
  private closing: Promise<void> | undefined
  private onEmpty: (() => void) | undefined

  constructor(options: ResolvedServerOptions) {
    super()
    this.options = options
    this.server = createServer({ noDelay: true }, (socket) => this.onConnection(socket))
    // A bound listener can still fail (EMFILE on accept): report it; unhandled, Node would end the process.
    // Bind failures are not reported here: they reject start().
    this.server.on('error', (error: Error) => {
      const bound = this.address()
      if (bound) this.notify('listener:error', { listen: hostPort(bound.address, bound.port), error })
    })
    // Rejections for "too many" are answered, not dropped; past twice the limit Node closes new sockets at once.
    this.server.maxConnections = options.maxConnections * 2
  }

  get connections(): number {
    return this.live.size
  }

  start(options?: { signal?: AbortSignal }): Promise<void> {
    if (this.state === 'closed') return Promise.reject(closedError())
    if (this.starting) return this.starting
    let signal: AbortSignal | undefined
    try {
      signal = resolveStartOptions(options).signal
    } catch (error) {
      return Promise.reject(error)
    }
    if (signal?.aborted) return Promise.reject(signal.reason)
    this.state = 'starting'
    const starting: Promise<void> = new Promise<void>((resolve, reject) => {
      const fail = (reason: unknown): void => {
        signal?.removeEventListener('abort', onAbort)
        if (this.failStart === fail) this.failStart = undefined
        reject(reason)
      }
      const onAbort = (): void => {
        this.backToIdle(starting)
        fail(signal?.reason)
      }
      this.failStart = fail
      signal?.addEventListener('abort', onAbort, { once: true })
      this.bind().then(
        () => {
          signal?.removeEventListener('abort', onAbort)
          if (this.starting !== starting || this.state !== 'starting') return
          this.failStart = undefined
          this.state = 'running'
          resolve()
        },
        (error: unknown) => {
          this.backToIdle(starting)
          fail(error)
        },
      )
    })
    this.starting = starting
    return starting
  }

  address(): { address: string; port: number } | null {
    const bound = this.server.address()
    if (bound === null || typeof bound === 'string') return null
    return { address: bound.address, port: bound.port }
  }

  close(options?: { deadlineMs?: number; signal?: AbortSignal }): Promise<void> {
    let resolved: ReturnType<typeof resolveCloseOptions>
    try {
      resolved = resolveCloseOptions(options)
    } catch (error) {
      return Promise.reject(error)
    }
    this.closing ??= this.shutDown(resolved.deadlineMs, resolved.signal)
    return this.closing
  }

  destroy(error?: Error): void {
    if (this.destroyed) return
    this.destroyed = true
    this.failStart?.(error ?? closedError())
    for (const association of this.live) association.destroy()
    void this.close()
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  notify<E extends VerificationServerEvent>(event: E, ...args: VerificationServerEvents[E]): void {
    emitSafely(this, event, args)
  }

  /**
   * Binds the port; one attempt at a time, shared by the start() calls that wait for it. A start() aborted meanwhile
   * does not stop the attempt: when it binds with nobody waiting any more, the port is let go again.
   */
  private bind(): Promise<void> {
    this.listening ??= new Promise<void>((resolve, reject) => {
      const settle = (): void => {
        this.server.off('error', onError)
        this.server.off('listening', onListening)
      }
      const onError = (error: Error): void => {
        settle()
        this.listening = undefined
        const where = hostPort(this.options.host, this.options.port)
        reject(
          new DicomError(DicomErrorCode.LISTEN_FAILED, `cannot listen on ${where}: ${error.message}`, {
            cause: error,
          }),
        )
      }
      const onListening = (): void => {
        settle()
        resolve()
        if (this.state !== 'idle') return
        this.listening = undefined
        this.server.close()
      }
      this.server.once('error', onError)
      this.server.once('listening', onListening)
      this.server.listen({ port: this.options.port, host: this.options.host })
    })
    return this.listening
  }

  /** A start() that failed or was aborted: start() may be called again. */
  private backToIdle(starting: Promise<void>): void {
    if (this.starting !== starting || this.state !== 'starting') return
    this.starting = undefined
    this.state = 'idle'
  }

  private async shutDown(deadlineMs: number, signal: AbortSignal | undefined): Promise<void> {
    this.state = 'closed'
    this.failStart?.(closedError())
    await this.listening?.catch(() => {})
    const hurry = (): void => {
      for (const association of this.live) association.drain(0)
    }
    signal?.addEventListener('abort', hurry, { once: true })
    try {
      for (const association of this.live) association.drain(signal?.aborted ? 0 : deadlineMs)
      await new Promise<void>((resolve) => {
        if (this.server.listening) this.server.close(() => resolve())
        else this.waitForSockets(resolve)
      })
    } finally {
      signal?.removeEventListener('abort', hurry)
    }
  }

  private waitForSockets(resolve: () => void): void {
    if (this.live.size === 0) {
      resolve()
      return
    }
    this.onEmpty = () => {
      this.onEmpty = undefined
      resolve()
    }
  }

  private onConnection(socket: Socket): void {
    if (this.destroyed) {
      socket.destroy()
      return
    }
    const overLimit = this.serving >= this.options.maxConnections || this.state !== 'running'
    const association = new Association(socket, this.options, this, overLimit)
    this.live.add(association)
    if (!overLimit) this.serving++
    socket.once('close', () => {
      this.live.delete(association)
      if (!overLimit) this.serving--
      this.notify('connection:close', association.peer)
      if (this.live.size === 0) this.onEmpty?.()
    })
    association.start()
  }
}

function closedError(): DicomError {
  return new DicomError(DicomErrorCode.CLOSED, 'the verification server was closed: it cannot start again')
}
