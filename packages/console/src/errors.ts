/** Stable error codes of @gslb/console. Callers match on `code`, never on message text. */
export const ConsoleErrorCode = {
  /** An option is missing, of the wrong type or out of range; the message names the option. */
  INVALID_ARGUMENT: 'GSLB_CONSOLE_INVALID_ARGUMENT',
  /** The console's static files are not built (run `pnpm --filter @gslb/console build`). */
  NOT_BUILT: 'GSLB_CONSOLE_NOT_BUILT',
  /** Nothing answered at the admin API in time (refused, unreachable, timed out). */
  UNREACHABLE: 'GSLB_ADMIN_UNREACHABLE',
  /** The node wants a (valid) bearer token for this write (HTTP 401). */
  UNAUTHORIZED: 'GSLB_ADMIN_UNAUTHORIZED',
  /** The node refused the request (any other HTTP error); `status` and the node's reason are kept. */
  REFUSED: 'GSLB_ADMIN_REFUSED',
  /** The answer was not the JSON expected, or larger than the client accepts. */
  BAD_RESPONSE: 'GSLB_ADMIN_BAD_RESPONSE',
  /** The operation was aborted through its AbortSignal. */
  ABORTED: 'GSLB_CONSOLE_ABORTED',
} as const

export type ConsoleErrorCode = (typeof ConsoleErrorCode)[keyof typeof ConsoleErrorCode]

/** The one base error of @gslb/console. `status` is the HTTP status when the node answered. */
export class ConsoleError extends Error {
  override name = 'ConsoleError'
  readonly code: ConsoleErrorCode
  readonly status: number | undefined

  constructor(code: ConsoleErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.status = options?.status
  }
}
