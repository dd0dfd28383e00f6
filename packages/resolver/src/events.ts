import type { EventEmitter } from 'node:events'

/**
 * Calls the handlers of `event` one by one. A handler that throws must not break the refresh loop or leave a name
 * half-updated, nor be lost: its error is emitted as `'handler:error'` `{ event, error }`, and when nobody handles
 * that (or that handler throws too) it goes to `process.emitWarning`. The library itself never logs.
 */
export function safeEmit(emitter: EventEmitter, event: string, ...args: unknown[]): boolean {
  // rawListeners: once() wrappers must run (and so remove themselves), not the bare functions.
  const listeners = emitter.rawListeners(event)
  for (const listener of listeners) {
    try {
      ;(listener as (...a: unknown[]) => void).apply(emitter, args)
    } catch (thrown) {
      handlerFailed(emitter, event, asError(thrown))
    }
  }
  return listeners.length > 0
}

function handlerFailed(emitter: EventEmitter, event: string, error: Error): void {
  const handlers = event === HANDLER_ERROR ? [] : emitter.rawListeners(HANDLER_ERROR)
  if (handlers.length === 0) {
    process.emitWarning(error)
    return
  }
  for (const handler of handlers) {
    try {
      ;(handler as (e: { event: string; error: Error }) => void).call(emitter, { event, error })
    } catch (again) {
      process.emitWarning(error)
      process.emitWarning(asError(again))
    }
  }
}

const HANDLER_ERROR = 'handler:error'

function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(`a handler threw a non-error: ${String(thrown)}`)
}
