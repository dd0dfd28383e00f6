/** Stable error codes of @gslb/health. Callers match on `code`, never on the message. */
export const HealthErrorCode = {
  /** A target failed validation; `path` names the offending field (`target.monitor.path`). */
  INVALID_TARGET: 'GSLB_HEALTH_INVALID_TARGET',
  /** Checker options (or the options of start/close/checkNow) failed validation; `path` names the option. */
  OPTIONS_INVALID: 'GSLB_HEALTH_OPTIONS_INVALID',
  /** add() with an id that is already registered. */
  DUPLICATE_TARGET: 'GSLB_HEALTH_DUPLICATE_TARGET',
  /** update(), checkNow() or setAdmin() with an id that is not registered. */
  UNKNOWN_TARGET: 'GSLB_HEALTH_UNKNOWN_TARGET',
  /** A check did not finish within the target's timeout. */
  TIMEOUT: 'GSLB_HEALTH_TIMEOUT',
  /** A check or a wait was cancelled: the checker closed, the target was removed or updated, a signal aborted. */
  ABORTED: 'GSLB_HEALTH_ABORTED',
  /** start() or checkNow() after close() or destroy(). */
  CLOSED: 'GSLB_HEALTH_CLOSED',
} as const

export type HealthErrorCode = (typeof HealthErrorCode)[keyof typeof HealthErrorCode]

/** The error of @gslb/health: every error this package throws or rejects with is one, with a stable `code`. */
export class HealthError extends Error {
  override name = 'HealthError'
  readonly code: HealthErrorCode
  /** Where the problem is, as a dotted path into the target or options (`target.monitor.expectStatus[1]`), when known. */
  readonly path: string | undefined

  constructor(code: HealthErrorCode, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.path = options.path
  }
}

export function invalidTarget(path: string, why: string): HealthError {
  return new HealthError(HealthErrorCode.INVALID_TARGET, `invalid target: ${path} ${why}`, { path })
}

export function invalidOptions(path: string, why: string): HealthError {
  return new HealthError(HealthErrorCode.OPTIONS_INVALID, `invalid health checker options: ${path} ${why}`, {
    path,
  })
}

const CODES = new Set<string>(Object.values(HealthErrorCode))

/** True for a HealthError, also one from another copy of this package (matches name and a known code, not instanceof). */
export function isHealthError(value: unknown): value is HealthError {
  if (typeof value !== 'object' || value === null) return false
  const { name, code } = value as { name?: unknown; code?: unknown }
  return name === 'HealthError' && typeof code === 'string' && CODES.has(code)
}
