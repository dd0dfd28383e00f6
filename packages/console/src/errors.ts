/** Stable error codes of @gslb/console. Callers match on `code`, never on message text. */
export const ConsoleErrorCode = {
  /** An option or argument is missing, of the wrong type or out of range; `path` and the message name it. */
  OPTIONS_INVALID: 'GSLB_CONSOLE_OPTIONS_INVALID',
  /** The console's static files are not built (run `pnpm --filter @gslb/console build`). */
  NOT_BUILT: 'GSLB_CONSOLE_NOT_BUILT',
  /** Nothing answered at the admin API in time (refused, unreachable, timed out). */
  UNREACHABLE: 'GSLB_CONSOLE_UNREACHABLE',
  /** The node wants a (valid) bearer token for this write (HTTP 401). */
  UNAUTHORIZED: 'GSLB_CONSOLE_UNAUTHORIZED',
  /** The node refused the request (any other HTTP error); `status` and the node's reason are kept. */
  REFUSED: 'GSLB_CONSOLE_REFUSED',
  /** The answer was not the JSON expected, or larger than the client accepts. */
  BAD_RESPONSE: 'GSLB_CONSOLE_BAD_RESPONSE',
  /** The operation was aborted through its AbortSignal. */
  ABORTED: 'GSLB_CONSOLE_ABORTED',
} as const

export type ConsoleErrorCode = (typeof ConsoleErrorCode)[keyof typeof ConsoleErrorCode]

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ConsoleErrorCode))

/** The one error class of @gslb/console; the code says what kind. */
export class ConsoleError extends Error {
  override name = 'ConsoleError'
  readonly code: ConsoleErrorCode
  /** The option or argument at fault (`baseUrl`, `timeoutMs`, `pool`), for OPTIONS_INVALID. */
  readonly path: string | undefined
  /** The HTTP status, when the node answered. */
  readonly status: number | undefined

  constructor(
    code: ConsoleErrorCode,
    message: string,
    options: { path?: string; cause?: unknown; status?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.path = options.path
    this.status = options.status
  }
}

/** True for a ConsoleError, also one from another copy of this package (matches name and a known code, not instanceof). */
export function isConsoleError(value: unknown): value is ConsoleError {
  return (
    value instanceof Error &&
    value.name === 'ConsoleError' &&
    KNOWN_CODES.has((value as { code?: unknown }).code as string)
  )
}
