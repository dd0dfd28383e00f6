/** Stable error codes of @gslb/forwarder. Callers match on `code`, never on the message. */
export const ForwarderErrorCode = {
  /** An option is missing, of the wrong type or out of range; `path` names the option. */
  OPTIONS_INVALID: 'GSLB_FORWARDER_OPTIONS_INVALID',
  /** A listener could not be bound (address in use, not local, no permission). */
  LISTEN_FAILED: 'GSLB_FORWARDER_LISTEN_FAILED',
  /** A backend did not accept the connection within `connectTimeoutMs`. */
  CONNECT_TIMEOUT: 'GSLB_FORWARDER_CONNECT_TIMEOUT',
  /** With `retryOnEmpty`: the server closed or reset the connection before sending a single byte. */
  EMPTY_RESPONSE: 'GSLB_FORWARDER_EMPTY_RESPONSE',
  /** With `firstResponseTimeoutMs`: the server sent nothing that long after the client's first bytes (hung). */
  FIRST_RESPONSE_TIMEOUT: 'GSLB_FORWARDER_FIRST_RESPONSE_TIMEOUT',
  /** The forwarder was closed or destroyed while the operation was pending, or before it was asked. */
  CLOSED: 'GSLB_FORWARDER_CLOSED',
  /** The operation was aborted through its AbortSignal. */
  ABORTED: 'GSLB_FORWARDER_ABORTED',
} as const

export type ForwarderErrorCode = (typeof ForwarderErrorCode)[keyof typeof ForwarderErrorCode]

/** The one error of @gslb/forwarder; `code` says what kind. */
export class ForwarderError extends Error {
  override name = 'ForwarderError'
  readonly code: ForwarderErrorCode
  /** Where the problem is, as a dotted path into the options (`services[1].check.timeout`), when known. */
  readonly path: string | undefined

  constructor(code: ForwarderErrorCode, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.path = options.path
  }
}

/** An OPTIONS_INVALID error naming the option at fault in its message and its `path`. */
export function optionsInvalid(path: string, why: string): ForwarderError {
  return new ForwarderError(ForwarderErrorCode.OPTIONS_INVALID, `invalid option '${path}': ${why}`, { path })
}

const CODES = new Set<string>(Object.values(ForwarderErrorCode))

/** True for a ForwarderError, also one from another copy of this package (matches name and a known code, not instanceof). */
export function isForwarderError(value: unknown): value is ForwarderError {
  if (typeof value !== 'object' || value === null) return false
  const { name, code } = value as { name?: unknown; code?: unknown }
  return name === 'ForwarderError' && typeof code === 'string' && CODES.has(code)
}
