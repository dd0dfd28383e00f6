import { MAX_QUOTED_INPUT_LENGTH } from './constants.js'

/** Stable error codes of @gslb/topology. Callers match on `code`, never on the message. */
export const TopologyErrorCode = {
  /** Address text or bytes that are not a valid IPv4/IPv6 address. */
  INVALID_ADDRESS: 'GSLB_TOPOLOGY_INVALID_ADDRESS',
  /** CIDR text that is not valid (bad address part, bad or out-of-range prefix length). */
  INVALID_CIDR: 'GSLB_TOPOLOGY_INVALID_CIDR',
  /** The same prefix appears twice in a topology (under one or two datacenters). */
  DUPLICATE_PREFIX: 'GSLB_TOPOLOGY_DUPLICATE_PREFIX',
  /** A datacenter name that the topology does not define. */
  UNKNOWN_DATACENTER: 'GSLB_TOPOLOGY_UNKNOWN_DATACENTER',
  /** A preference list that repeats a datacenter or lists the datacenter itself. */
  INVALID_PREFERENCE: 'GSLB_TOPOLOGY_INVALID_PREFERENCE',
  /** Options or arguments of the wrong shape, type or range (`path` and the message name the option). */
  OPTIONS_INVALID: 'GSLB_TOPOLOGY_OPTIONS_INVALID',
} as const

export type TopologyErrorCode = (typeof TopologyErrorCode)[keyof typeof TopologyErrorCode]

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(TopologyErrorCode))

/**
 * The one error class of `@gslb/topology`; the code says what kind. Its own messages read `<where>: <what>: <why>`,
 * e.g. `datacenters.siteB[1]: '10.2.0.0/33': prefix length 33 is out of range 0-32`.
 */
export class TopologyError extends Error {
  override name = 'TopologyError'
  readonly code: TopologyErrorCode
  /** Where in the options the bad value was (`datacenters.siteB[1]`), when it came from options. */
  readonly path: string | undefined
  /** The reason alone, without location or quoted input (the message when none was given apart). */
  readonly reason: string
  /** The offending input text, when there was one. */
  readonly input: string | undefined

  constructor(
    code: TopologyErrorCode,
    message: string,
    options: { path?: string; cause?: unknown; input?: string; reason?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.path = options.path
    this.reason = options.reason ?? message
    this.input = options.input
  }
}

/** True for a TopologyError, also one from another copy of this package (matches name and a known code, not instanceof). */
export function isTopologyError(value: unknown): value is TopologyError {
  return (
    value instanceof Error &&
    value.name === 'TopologyError' &&
    KNOWN_CODES.has((value as { code?: unknown }).code as string)
  )
}

/** A TopologyError whose message is `<path>: '<input>': <reason>` (each part when known). */
export function topologyError(
  code: TopologyErrorCode,
  reason: string,
  options: { input?: string; path?: string } = {},
): TopologyError {
  const parts: string[] = []
  if (options.path !== undefined) parts.push(options.path)
  if (options.input !== undefined) parts.push(quote(options.input))
  parts.push(reason)
  return new TopologyError(code, parts.join(': '), { ...options, reason })
}

/** Quotes input for a message, bounded in length and with control characters escaped. */
export function quote(input: string): string {
  const clipped =
    input.length > MAX_QUOTED_INPUT_LENGTH ? `${input.slice(0, MAX_QUOTED_INPUT_LENGTH)}…` : input
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
  return `'${clipped.replace(/[\u0000-\u001f\u007f']/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}'`
}

/** Re-raises a parse error with the option path in front of it. */
export function atPath(error: unknown, path: string): unknown {
  if (!isTopologyError(error)) return error
  return topologyError(error.code, error.reason, {
    path,
    ...(error.input === undefined ? {} : { input: error.input }),
  })
}
