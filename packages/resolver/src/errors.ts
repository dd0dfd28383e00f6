/** Stable error codes of @gslb/resolver. Callers match on `code`, never on the message. */
export const ResolverErrorCode = {
  /** An option or argument is invalid; `error.path` names it (`nameservers[1]`, `intervalMs`, `family`). */
  OPTIONS_INVALID: 'GSLB_RESOLVER_OPTIONS_INVALID',
  /** A nameserver did not answer within `timeoutMs`. */
  TIMEOUT: 'GSLB_RESOLVER_TIMEOUT',
  /** A nameserver's port is closed (ICMP port unreachable on UDP, RST on TCP). */
  CONNECTION_REFUSED: 'GSLB_RESOLVER_CONNECTION_REFUSED',
  /** A nameserver answered SERVFAIL. */
  SERVFAIL: 'GSLB_RESOLVER_SERVFAIL',
  /** A nameserver answered REFUSED. */
  REFUSED: 'GSLB_RESOLVER_REFUSED',
  /** A nameserver answered something unusable (FORMERR, NOTIMP, undecodable, truncated over TCP). */
  BAD_RESPONSE: 'GSLB_RESOLVER_BAD_RESPONSE',
  /** Any other socket error (unreachable network, reset, ...). */
  NETWORK: 'GSLB_RESOLVER_NETWORK',
  /** Offline reason: the name does not exist (accepted per the negative policy). */
  NXDOMAIN: 'GSLB_RESOLVER_NXDOMAIN',
  /** Offline reason: the name exists but has no address of the wanted families. */
  NODATA: 'GSLB_RESOLVER_NODATA',
  /** Offline reason: `failThreshold` consecutive cycles failed and no address was known to be good. */
  FAILED: 'GSLB_RESOLVER_FAILED',
  /** Offline reason: every nameserver still fails and the kept addresses reached `lastGoodMaxAgeMs`. */
  EXPIRED: 'GSLB_RESOLVER_EXPIRED',
  /** `resolveNow()` on a name that is not tracked. */
  NOT_TRACKED: 'GSLB_RESOLVER_NOT_TRACKED',
  /** `resolveNow()` before `start()`. */
  NOT_RUNNING: 'GSLB_RESOLVER_NOT_RUNNING',
  /** `start()` or `resolveNow()` after `close()`/`destroy()`, or a `start()` cut short by them. */
  CLOSED: 'GSLB_RESOLVER_CLOSED',
  /** The operation was cut short by `close()`, `destroy()`, `untrack()` or an abort signal. */
  ABORTED: 'GSLB_RESOLVER_ABORTED',
} as const

export type ResolverErrorCode = (typeof ResolverErrorCode)[keyof typeof ResolverErrorCode]

/** The one error class of @gslb/resolver. */
export class ResolverError extends Error {
  override name = 'ResolverError'
  readonly code: ResolverErrorCode
  /** The option or argument at fault (`nameservers[1]`, `intervalMs`, `name`), for OPTIONS_INVALID. */
  readonly path: string | undefined
  /** The nameserver (`host:port`) the error came from, when there is one. */
  readonly nameserver: string | undefined
  /** The name being resolved, when there is one. */
  readonly hostname: string | undefined

  constructor(
    code: ResolverErrorCode,
    message: string,
    options: { path?: string; cause?: unknown; nameserver?: string; hostname?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.path = options.path
    this.nameserver = options.nameserver
    this.hostname = options.hostname
  }
}

const CODES = new Set<string>(Object.values(ResolverErrorCode))

/** True for a ResolverError, also one from another copy of this package (matches name and a known code, not instanceof). */
export function isResolverError(value: unknown): value is ResolverError {
  if (typeof value !== 'object' || value === null) return false
  const { name, code } = value as { name?: unknown; code?: unknown }
  return name === 'ResolverError' && typeof code === 'string' && CODES.has(code)
}

export function invalidOption(path: string, why: string): ResolverError {
  return new ResolverError(ResolverErrorCode.OPTIONS_INVALID, `invalid option '${path}': ${why}`, { path })
}

export function badResponse(nameserver: string, hostname: string, why: string): ResolverError {
  return new ResolverError(
    ResolverErrorCode.BAD_RESPONSE,
    `${nameserver} gave an unusable reply for ${hostname}: ${why}`,
    { nameserver, hostname },
  )
}
