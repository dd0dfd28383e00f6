import { type Clock, systemClock } from './clock.js'
import {
  DEFAULT_CLOSE_DEADLINE_MS,
  DEFAULT_HISTORY_SIZE,
  DEFAULT_INITIAL_SPREAD_MS,
  DEFAULT_MAX_CONCURRENT,
  DEFAULT_MAX_LAG_CREDIT,
  DEFAULT_RELEASE_GRACE_MS,
  LIMITS,
} from './constants.js'
import { HealthError, invalidOptions } from './errors.js'
import { resolveTarget, type TargetDefaults } from './validate.js'

export interface HealthCheckerOptions {
  /** Timing defaults for targets that leave them out (intervalMs, timeoutMs, rise, fall, ...). */
  defaults?: TargetDefaults
  /** Checks in flight at once across all targets (default 256); due checks beyond it wait in FIFO order. */
  maxConcurrent?: number
  /** Results kept per target (default 10). */
  historySize?: number
  /** A target's first check happens at a random point within min(intervalMs, this) (default 2000 ms). */
  initialSpreadMs?: number
  /** How long close() waits for aborted checks to release their sockets and children (default 2000 ms). */
  releaseGraceMs?: number
  /**
   * Time this process's event loop was blocked while a check ran does not count against the check's timeout: its
   * deadline moves back by that time, up to this many times the timeout (default 1; 0 turns this off). A check that
   * still had less than its timeout of event-loop time when the deadline ran out reports code 'loop-lag' and counts
   * neither way.
   */
  maxLagCredit?: number
  /** Aborting it closes the checker at once: `close({ deadlineMs: 0 })`. */
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
  releaseGraceMs: number
  maxLagCredit: number
  signal: AbortSignal | undefined
  clock: Clock
  random: () => number
}

/** Validates checker options where they enter; errors are GSLB_HEALTH_OPTIONS_INVALID naming the option. */
export function resolveCheckerOptions(options: HealthCheckerOptions): ResolvedCheckerOptions {
  if (typeof options !== 'object' || options === null) throw invalidOptions('options', 'must be an object')
  const defaults = options.defaults ?? {}
  validateDefaults(defaults)
  const signal = optionSignal(options.signal)
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
    releaseGraceMs: optionInt(options.releaseGraceMs, 'releaseGraceMs', DEFAULT_RELEASE_GRACE_MS, 0, 60_000),
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
    if (error instanceof HealthError) throw invalidOptions(error.path ?? 'defaults', error.message)
    throw error
  }
}

/** Validates the options of close(); `deadlineMs` defaults to DEFAULT_CLOSE_DEADLINE_MS. */
export function resolveCloseOptions(options: unknown): {
  deadlineMs: number
  signal: AbortSignal | undefined
} {
  if (options === undefined) return { deadlineMs: DEFAULT_CLOSE_DEADLINE_MS, signal: undefined }
  if (typeof options !== 'object' || options === null) throw invalidOptions('options', 'must be an object')
  const { deadlineMs, signal } = options as { deadlineMs?: unknown; signal?: unknown }
  return {
    deadlineMs: optionInt(deadlineMs, 'deadlineMs', DEFAULT_CLOSE_DEADLINE_MS, 0, LIMITS.maxIntervalMs),
    signal: optionSignal(signal),
  }
}

export function optionSignal(signal: unknown, name = 'signal'): AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw invalidOptions(name, 'must be an AbortSignal')
  return signal
}
