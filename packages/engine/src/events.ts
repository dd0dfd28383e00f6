import { EventEmitter } from 'node:events'
import type { ObservedHealth } from './model.js'
import type { AnswerClient } from './respond.js'

export interface MemberChangeEvent {
  pool: string
  member: string
  /** The effective state answers are based on ('drain' when drained). */
  state: ObservedHealth | 'drain'
  previous: ObservedHealth | 'drain'
  observed: ObservedHealth
  source: 'none' | 'checker' | 'pushed'
}

export interface ConfigUpdateEvent {
  zones: number
  pools: number
  names: number
  /** Zones whose SOA serial changed. */
  changedZones: string[]
}

export interface SerialChangeEvent {
  zone: string
  serial: number
  previous: number
  fingerprint: string
}

/** A query the engine could not answer because of an internal error (a bug): nothing was sent. */
export interface QueryErrorEvent {
  error: Error
  /** The asker. */
  client: AnswerClient
}

/** The HealthChecker refused to add, update or remove one of the engine's targets. */
export interface TargetErrorEvent {
  target: string
  action: 'register' | 'remove'
  error: Error
}

/** Pools with monitors but no HealthChecker to run them: their members stay unknown until `setHealth()`. */
export interface MonitorsUncheckedEvent {
  pools: string[]
}

/** A handler of `event` threw `error`. */
export interface HandlerErrorEvent {
  event: string
  error: Error
}

export interface EngineEvents {
  'member:change': [MemberChangeEvent]
  'config:update': [ConfigUpdateEvent]
  /** An update changed a zone's SOA serial (its content changed, or a fixed serial did). */
  'serial:change': [SerialChangeEvent]
  'query:error': [QueryErrorEvent]
  'target:error': [TargetErrorEvent]
  /** After createEngine (on the next tick, so a listener added right away hears it) and after an update. */
  'monitors:unchecked': [MonitorsUncheckedEvent]
  'handler:error': [HandlerErrorEvent]
}

/**
 * An EventEmitter whose handlers cannot break the engine: a handler that throws is reported as 'handler:error'
 * { event, error }; when nobody listens to that (or its handler throws too), as a process warning. Never rethrown
 * into the answer path or the health checker, never swallowed.
 */
export class SafeEmitter extends EventEmitter<EngineEvents> {
  protected emitSafely<E extends keyof EngineEvents>(event: E, ...args: EngineEvents[E]): void {
    for (const handler of this.rawListeners(event) as ((...a: unknown[]) => unknown)[]) {
      try {
        handler.apply(this, args)
      } catch (thrown) {
        this.handlerThrew(event, thrown, args)
      }
    }
  }

  private handlerThrew(event: string, thrown: unknown, args: unknown[]): void {
    const error = thrown instanceof Error ? thrown : new Error(String(thrown))
    if (event !== 'handler:error' && this.listenerCount('handler:error') > 0) {
      this.emitSafely('handler:error', { event, error })
      return
    }
    // The 'handler:error' handler threw too: the error it was told about is reported as well.
    if (event === 'handler:error') process.emitWarning((args[0] as HandlerErrorEvent).error)
    process.emitWarning(error)
  }
}
