import { type Clock, systemClock } from './clock.js'
import {
  DEFAULT_HISTORY_SIZE,
  DEFAULT_INITIAL_SPREAD_MS,
  DEFAULT_MAX_CONCURRENT,
  DEFAULT_MAX_LAG_CREDIT,
  DEFAULT_STOP_GRACE_MS,
  LIMITS,
} from './constants.js'
import { HealthError, invalidOptions } from './errors.js'
import { resolveTarget, type TargetDefaults } from './validate.js'

export interface HealthCheckerOptions {
  /** Timing defaults for targets that leave them out (interval, timeout, rise, fall, ...). */
  defaults?: TargetDefaults
  /** Checks in flight at once across all targets (default 256); due checks beyond it wait in FIFO order. */
  maxConcurrent?: number
  /** Results kept per target (default 10). */
  historySize?: number
  /** A target's first check happens at a random point within min(interval, this) (default 2000 ms). */
  initialSpreadMs?: number
  /** How long stop() waits for aborted checks to release their resources (default 2000 ms). */
  stopGraceMs?: number
  /**
   * Time this process's event loop was blocked while a check ran does not count against the check's timeout: its
   * deadline moves back by that time, up to this many times the timeout (default 1; 0 turns this off). A check that
   * still had less than its timeout of event-loop time when the deadline ran out reports code 'loop-lag' and counts
   * neither way.
   */
  maxLagCredit?: number
  /** Aborting it stops the checker. */
  signal?: AbortSignal
  /** Time source and timers (tests inject a manual clock). */
  clock?: Clock
  /** Random source in [0, 1) for jitter and spread (tests inject a fixed one). */
  random?: () => number
}

export interface ResolvedCheckerOptions {
  defaults: TargetDefaults
  maxConcurrent: number
  historySize: number
  initialSpreadMs: number
  stopGraceMs: number
  maxLagCredit: number
  signal: AbortSignal | undefined
  clock: Clock
  random: () => number
}

/** Validates checker options where they enter; errors are GSLB_HEALTH_INVALID_OPTIONS naming the option. */
export function resolveCheckerOptions(options: HealthCheckerOptions): ResolvedCheckerOptions {
  if (typeof options !== 'object' || options === null) throw invalidOptions('options', 'must be an object')
  const defaults = options.defaults ?? {}
  validateDefaults(defaults)
  const signal = options.signal
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalidOptions('signal', 'must be an AbortSignal')
  }
  if (options.random !== undefined && typeof options.random !== 'function') {
    throw invalidOptions('random', 'must be a function returning a number in [0, 1)')
  }
  const clock = options.clock ?? systemClock
  for (const method of ['now', 'wallNow', 'setTimer', 'clearTimer'] as const) {
    if (typeof clock?.[method] !== 'function') throw invalidOptions(`clock.${method}`, 'must be a function')
  }
  return {
    defaults,
    maxConcurrent: optionInt(
      options.maxConcurrent,
      'maxConcurrent',
      DEFAULT_MAX_CONCURRENT,
      1,
      LIMITS.maxConcurrent,
    ),
    historySize: optionInt(
      options.historySize,
      'historySize',
      DEFAULT_HISTORY_SIZE,
      0,
      LIMITS.maxHistorySize,
    ),
    initialSpreadMs: optionInt(
      options.initialSpreadMs,
      'initialSpreadMs',
      DEFAULT_INITIAL_SPREAD_MS,
      0,
      LIMITS.maxIntervalMs,
    ),
    stopGraceMs: optionInt(options.stopGraceMs, 'stopGraceMs', DEFAULT_STOP_GRACE_MS, 0, 60_000),
    maxLagCredit: optionNumber(
      options.maxLagCredit,
      'maxLagCredit',
      DEFAULT_MAX_LAG_CREDIT,
      0,
      LIMITS.maxLagCredit,
    ),
    signal,
    clock,
    random: options.random ?? Math.random,
  }
}

function optionInt(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOptions(name, `must be an integer from ${min} to ${max} (got ${String(value)})`)
  }
  return value
}

function optionNumber(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalidOptions(name, `must be a number from ${min} to ${max} (got ${String(value)})`)
  }
  return value
}

function validateDefaults(defaults: TargetDefaults): void {
  if (typeof defaults !== 'object' || defaults === null) throw invalidOptions('defaults', 'must be an object')
  try {
    resolveTarget({ id: 'defaults', address: '127.0.0.1', port: 1, monitor: { type: 'tcp' } }, defaults)
  } catch (error) {
    if (error instanceof HealthError) throw invalidOptions(error.field ?? 'defaults', error.message)
    throw error
  }
}
