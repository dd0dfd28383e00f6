/** Stable error codes of @gslb/health. Callers match on `code`, never on the message. */
export const HealthErrorCode = {
  /** A target failed validation; `field` names the offending field (`target.monitor.path`). */
  InvalidTarget: 'GSLB_HEALTH_INVALID_TARGET',
  /** Checker options failed validation; `field` names the option. */
  InvalidOptions: 'GSLB_HEALTH_INVALID_OPTIONS',
  /** add() with an id that is already registered. */
  DuplicateTarget: 'GSLB_HEALTH_DUPLICATE_TARGET',
  /** update(), checkNow() or setAdmin() with an id that is not registered. */
  UnknownTarget: 'GSLB_HEALTH_UNKNOWN_TARGET',
  /** A check did not finish within the target's timeout. */
  Timeout: 'GSLB_HEALTH_TIMEOUT',
  /** A check was cancelled because the checker stopped or the target was removed or updated. */
  Aborted: 'GSLB_HEALTH_ABORTED',
} as const

export type HealthErrorCode = (typeof HealthErrorCode)[keyof typeof HealthErrorCode]

/** Base error of @gslb/health: every error thrown by this package is one, with a stable `code`. */
export class HealthError extends Error {
  override name = 'HealthError'
  readonly code: HealthErrorCode
  /** For validation errors: the path of the field at fault, e.g. `target.monitor.expectStatus[1]`. */
  readonly field: string | undefined

  constructor(code: HealthErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.field = options.field
  }
}

export function invalidTarget(field: string, why: string): HealthError {
  return new HealthError(HealthErrorCode.InvalidTarget, `invalid target: ${field} ${why}`, { field })
}

export function invalidOptions(field: string, why: string): HealthError {
  return new HealthError(HealthErrorCode.InvalidOptions, `invalid health checker options: ${field} ${why}`, {
    field,
  })
}

const CODES = new Set<string>(Object.values(HealthErrorCode))

/** True for a HealthError, also one from another copy of this package (matches on name and code, not instanceof). */
export function isHealthError(error: unknown): error is HealthError {
  if (typeof error !== 'object' || error === null) return false
  const { name, code } = error as { name?: unknown; code?: unknown }
  return name === 'HealthError' && typeof code === 'string' && CODES.has(code)
}
