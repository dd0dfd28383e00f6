/** Stable error codes of @gslb/engine. Callers match on `code`, never on message text. */
export const EngineErrorCode = {
  INVALID_CONFIG: 'GSLB_ENGINE_INVALID_CONFIG',
  INVALID_ARGUMENT: 'GSLB_ENGINE_INVALID_ARGUMENT',
  UNKNOWN_MEMBER: 'GSLB_ENGINE_UNKNOWN_MEMBER',
  CLOSED: 'GSLB_ENGINE_CLOSED',
} as const
export type EngineErrorCode = (typeof EngineErrorCode)[keyof typeof EngineErrorCode]

/** The one base error of @gslb/engine. `path` names the config location for GSLB_ENGINE_INVALID_CONFIG. */
export class EngineError extends Error {
  override name = 'EngineError'
  readonly code: EngineErrorCode
  readonly path: string | undefined

  constructor(code: EngineErrorCode, message: string, options?: { path?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.path = options?.path
  }
}

export function configError(path: string, message: string): EngineError {
  return new EngineError(EngineErrorCode.INVALID_CONFIG, `${path}: ${message}`, { path })
}
