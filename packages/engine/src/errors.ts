/** Stable error codes of @gslb/engine. Callers match on `code`, never on the message. */
export const EngineErrorCode = {
  /** The engine config (`options.config`, `update(config)`) is invalid; `path` names the value at fault. */
  INVALID_CONFIG: 'GSLB_ENGINE_INVALID_CONFIG',
  /** An option of `createEngine` (other than `config`) is invalid; `path` names it. */
  OPTIONS_INVALID: 'GSLB_ENGINE_OPTIONS_INVALID',
  /** A method was called with a bad argument (`setHealth` state, `explain` name or client). */
  INVALID_ARGUMENT: 'GSLB_ENGINE_INVALID_ARGUMENT',
  UNKNOWN_MEMBER: 'GSLB_ENGINE_UNKNOWN_MEMBER',
  /** The engine was closed or destroyed. */
  CLOSED: 'GSLB_ENGINE_CLOSED',
} as const
export type EngineErrorCode = (typeof EngineErrorCode)[keyof typeof EngineErrorCode]

const CODES = new Set<string>(Object.values(EngineErrorCode))

/** The one error class of @gslb/engine; `code` says what kind. */
export class EngineError extends Error {
  override name = 'EngineError'
  readonly code: EngineErrorCode
  /** Where the problem is, as a dotted path into the config or options (`pools.pacs.members[1].address`). */
  readonly path: string | undefined

  constructor(code: EngineErrorCode, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.path = options.path
  }
}

/** True for an EngineError, also one from another copy of this package (matches name and a known code). */
export function isEngineError(value: unknown): value is EngineError {
  if (!(value instanceof Error)) return false
  const { name, code } = value as { name?: unknown; code?: unknown }
  return name === 'EngineError' && typeof code === 'string' && CODES.has(code)
}

export function configError(path: string, message: string): EngineError {
  return new EngineError(EngineErrorCode.INVALID_CONFIG, `${path}: ${message}`, { path })
}

export function optionsError(path: string, message: string): EngineError {
  return new EngineError(EngineErrorCode.OPTIONS_INVALID, `${path}: ${message}`, { path })
}
