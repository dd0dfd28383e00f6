/** Stable error codes. Callers match on `error.code`, never on the message. */
export const ResolverErrorCode = {
  /** An option or argument is invalid; `error.option` names it. */
  INVALID_OPTION: 'GSLB_RESOLVER_INVALID_OPTION',
  /** A nameserver did not answer within `timeout`. */
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
  /** Offline reason: every nameserver still fails and the kept addresses reached `lastGoodMaxAge`. */
  EXPIRED: 'GSLB_RESOLVER_EXPIRED',
  /** `resolveNow()`/`untrack()` on a name that is not tracked. */
  NOT_TRACKED: 'GSLB_RESOLVER_NOT_TRACKED',
  /** `resolveNow()` while the resolver is not started. */
  NOT_RUNNING: 'GSLB_RESOLVER_NOT_RUNNING',
  /** The operation was cut short by `stop()`, `untrack()` or an abort signal. */
  ABORTED: 'GSLB_RESOLVER_ABORTED',
} as const

export type ResolverErrorCode = (typeof ResolverErrorCode)[keyof typeof ResolverErrorCode]

export interface ResolverErrorDetails {
  /** The nameserver (`host:port`) the error came from, when there is one. */
  nameserver?: string
  /** The name being resolved, when there is one. */
  name?: string
  /** The option or argument at fault (INVALID_OPTION only). */
  option?: string
  cause?: unknown
}

/** The one error class of @gslb/resolver. */
export class ResolverError extends Error {
  override readonly name = 'ResolverError'
  readonly code: ResolverErrorCode
  readonly nameserver: string | undefined
  readonly hostname: string | undefined
  readonly option: string | undefined

  constructor(code: ResolverErrorCode, message: string, details: ResolverErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.code = code
    this.nameserver = details.nameserver
    this.hostname = details.name
    this.option = details.option
  }
}

export function invalidOption(option: string, why: string): ResolverError {
  return new ResolverError(ResolverErrorCode.INVALID_OPTION, `invalid option '${option}': ${why}`, { option })
}

export function badResponse(nameserver: string, name: string, why: string): ResolverError {
  return new ResolverError(
    ResolverErrorCode.BAD_RESPONSE,
    `${nameserver} gave an unusable reply for ${name}: ${why}`,
    {
      nameserver,
      name,
    },
  )
}
