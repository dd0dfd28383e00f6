/** Stable error codes of @gslb/forwarder. Callers match on `code`, never on message text. */
export const ForwarderErrorCode = {
  /** An option is missing, of the wrong type or out of range; the message names the option. */
  CONFIG_INVALID: 'GSLB_CONFIG_INVALID',
  /** A listener could not be bound (address in use, not local, no permission). */
  LISTEN_FAILED: 'GSLB_FORWARDER_LISTEN_FAILED',
  /** A backend did not accept the connection within `connectTimeoutMs`. */
  CONNECT_TIMEOUT: 'GSLB_FORWARDER_CONNECT_TIMEOUT',
  /** With `retryOnEmpty`: the server closed or reset the connection before sending a single byte. */
  EMPTY_RESPONSE: 'GSLB_FORWARDER_EMPTY_RESPONSE',
  /** With `firstResponseTimeoutMs`: the server sent nothing that long after the client's first bytes (hung). */
  FIRST_RESPONSE_TIMEOUT: 'GSLB_FORWARDER_FIRST_RESPONSE_TIMEOUT',
  /** The forwarder was closed or destroyed while the operation was pending. */
  CLOSED: 'GSLB_FORWARDER_CLOSED',
  /** The operation was aborted through its AbortSignal. */
  ABORTED: 'GSLB_FORWARDER_ABORTED',
} as const

export type ForwarderErrorCode = (typeof ForwarderErrorCode)[keyof typeof ForwarderErrorCode]

/** The one base error of @gslb/forwarder. */
export class ForwarderError extends Error {
  override name = 'ForwarderError'
  readonly code: ForwarderErrorCode

  constructor(code: ForwarderErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** Thrown by option validation; `option` is the dotted path of the offending option. */
export class ForwarderConfigError extends ForwarderError {
  override name = 'ForwarderConfigError'
  readonly option: string

  constructor(option: string, why: string) {
    super(ForwarderErrorCode.CONFIG_INVALID, `invalid option '${option}': ${why}`)
    this.option = option
  }
}
