import { isNativeError } from 'node:util/types'

/** What `'handler:error'` carries: the event whose listener threw, and what it threw. */
export interface HandlerErrorEvent {
  event: string
  error: Error
}

type Listener = (...args: unknown[]) => unknown

/** The part of an EventEmitter the safe emit needs. */
interface Listeners {
  rawListeners(event: string): readonly unknown[]
  listenerCount(event: string): number
}

/**
 * Calls every listener of `event`; one that throws neither stops the others nor reaches the caller (the network
 * path). Its error is emitted as `'handler:error'` `{ event, error }`; when nobody listens to that, or that listener
 * throws too, it becomes a process warning: never a crash, never silence.
 */
export function emitSafely(emitter: Listeners, event: string, args: readonly unknown[]): boolean {
  if (emitter.listenerCount(event) === 0) return false
  const listeners = emitter.rawListeners(event) as readonly Listener[]
  for (const listener of listeners) {
    try {
      listener.apply(emitter, args as unknown[])
    } catch (thrown) {
      reportHandlerError(emitter, event, asError(thrown))
    }
  }
  return listeners.length > 0
}

/** What a listener of `event` threw, to `'handler:error'` or else a process warning (for an emitter's own loop). */
export function reportHandlerError(emitter: Listeners, event: string, error: Error): void {
  const handlers =
    event === 'handler:error' ? [] : (emitter.rawListeners('handler:error') as readonly Listener[])
  if (handlers.length === 0) {
    warn(error)
    return
  }
  for (const handler of handlers) {
    try {
      handler.call(emitter, { event, error } satisfies HandlerErrorEvent)
    } catch (again) {
      warn(error)
      warn(asError(again))
    }
  }
}

/** process.emitWarning(error), which must not throw here: it refuses an Error of another realm (vm, jest). */
function warn(error: Error): void {
  try {
    process.emitWarning(error)
  } catch {
    const code = (error as { code?: unknown }).code
    process.emitWarning(String(error.message), {
      type: String(error.name),
      ...(typeof code === 'string' ? { code } : {}),
      ...(typeof error.stack === 'string' ? { detail: error.stack } : {}),
    })
  }
}

function asError(value: unknown): Error {
  if (value instanceof Error || isNativeError(value)) return value
  return new Error(`a listener threw a non-Error: ${describe(value)}`)
}

/** A thrown non-Error value as text (its own toString may throw). */
function describe(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}
