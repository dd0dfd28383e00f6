import {
  DEFAULT_FAIL_THRESHOLD,
  DEFAULT_FAILURE_INTERVAL,
  DEFAULT_INTERVAL,
  DEFAULT_JITTER,
  DEFAULT_LAST_GOOD_MAX_AGE,
  DEFAULT_MAX_ADDRESSES,
  DEFAULT_MAX_TTL,
  DEFAULT_MIN_TTL,
  DEFAULT_NEGATIVE_POLICY,
  DEFAULT_ORDER,
  DEFAULT_RESOLVE_NOW_MIN_INTERVAL,
  DEFAULT_RESPECT_TTL,
  DEFAULT_TIMEOUT,
  MAX_NAMESERVERS,
} from './constants.js'
import { invalidOption } from './errors.js'
import type { NegativePolicy } from './lookup.js'
import { type Nameserver, parseNameserver } from './nameserver.js'

/** Options of {@link createResolver}. All durations are in milliseconds. */
export interface ResolverOptions {
  /**
   * Nameservers asked in this order, as `host:port` (`"127.0.0.1:53"`, `"[::1]:5353"`; port 53 when omitted).
   * In the field: the local GSLB first, the primary DNS after it.
   */
  nameservers: readonly string[]
  /** Refresh period of every name. Default 10 000. */
  interval?: number
  /** Random spread of each scheduled refresh, as a fraction of the delay (0-0.5). Default 0.1. */
  jitter?: number
  /** Schedule the next refresh from the answer's TTL, clamped to [minTtl, maxTtl], instead of `interval`. */
  respectTtl?: boolean
  /** Lower clamp of the TTL-based refresh. Default 1 000. */
  minTtl?: number
  /** Upper clamp of the TTL-based refresh. Default 300 000. */
  maxTtl?: number
  /** First retry after a failed cycle; doubles with each consecutive failure, capped at `interval`. Default 1 000. */
  failureInterval?: number
  /** Per-try wait for one nameserver (the TCP retry after truncation gets its own). Default 1 000. */
  timeout?: number
  /**
   * Consecutive failed cycles after which a name with nothing known to be good (never resolved, or its kept answer
   * expired) is offline. A name with last-known-good addresses keeps them instead (see `lastGoodMaxAge`). Default 3.
   */
  failThreshold?: number
  /**
   * While every nameserver fails, a name keeps its last good addresses for at most this long after the answer that
   * gave them; then they expire (`'lastgood:expire'`) and the name is offline. 0 keeps nothing. Default 86 400 000
   * (one day).
   */
  lastGoodMaxAge?: number
  /** What NXDOMAIN / an empty answer means. Default `'fallthrough'`. */
  negativePolicy?: NegativePolicy
  /** `resolveNow()` starts at most one lookup per name per this period. Default 250. */
  resolveNowMinInterval?: number
  /** Addresses kept per name and family. Default 64. */
  maxAddresses?: number
  /**
   * `'answer'` (default) keeps the nameserver's order — a GSLB's order is its preference (site A, then site B).
   * `'sorted'` sorts each family's addresses, so a round-robin server's rotation is not reported as a change.
   */
  order?: AddressOrder
  /** Aborting it stops the resolver. */
  signal?: AbortSignal
}

export type AddressOrder = 'answer' | 'sorted'

export interface ResolvedOptions {
  nameservers: readonly Nameserver[]
  interval: number
  jitter: number
  respectTtl: boolean
  minTtl: number
  maxTtl: number
  failureInterval: number
  timeout: number
  failThreshold: number
  lastGoodMaxAge: number
  negativePolicy: NegativePolicy
  resolveNowMinInterval: number
  maxAddresses: number
  order: AddressOrder
  signal: AbortSignal | undefined
}

const DAY = 86_400_000

export function resolveOptions(options: ResolverOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalidOption('options', 'expected an object')
  const list = options.nameservers
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_NAMESERVERS) {
    throw invalidOption('nameservers', `expected 1-${MAX_NAMESERVERS} "host:port" strings`)
  }
  // Array.from, not map: a hole in a sparse array must be named like any other bad entry
  const nameservers = Array.from(list, (entry, i) => parseNameserver(entry, `nameservers[${i}]`))
  const seen = new Set<string>()
  for (const [i, ns] of nameservers.entries()) {
    if (seen.has(ns.label)) throw invalidOption(`nameservers[${i}]`, `${ns.label} is listed twice`)
    seen.add(ns.label)
  }
  const interval = duration(options.interval, 'interval', DEFAULT_INTERVAL, 10, DAY)
  const minTtl = duration(options.minTtl, 'minTtl', DEFAULT_MIN_TTL, 10, DAY)
  const maxTtl = duration(options.maxTtl, 'maxTtl', Math.max(DEFAULT_MAX_TTL, minTtl), 10, DAY)
  if (maxTtl < minTtl) throw invalidOption('maxTtl', `must be >= minTtl (${minTtl})`)
  const policy = options.negativePolicy ?? DEFAULT_NEGATIVE_POLICY
  if (policy !== 'authoritative' && policy !== 'fallthrough') {
    throw invalidOption(
      'negativePolicy',
      `expected 'authoritative' or 'fallthrough', got ${JSON.stringify(policy)}`,
    )
  }
  const respectTtl = options.respectTtl ?? DEFAULT_RESPECT_TTL
  if (typeof respectTtl !== 'boolean') throw invalidOption('respectTtl', 'expected a boolean')
  const jitter = options.jitter ?? DEFAULT_JITTER
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 0.5)) {
    throw invalidOption('jitter', 'expected a fraction between 0 and 0.5')
  }
  const order = options.order ?? DEFAULT_ORDER
  if (order !== 'answer' && order !== 'sorted') {
    throw invalidOption('order', `expected 'answer' or 'sorted', got ${JSON.stringify(order)}`)
  }
  const signal = options.signal
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw invalidOption('signal', 'expected an AbortSignal')
  return {
    nameservers,
    interval,
    jitter,
    respectTtl,
    minTtl,
    maxTtl,
    failureInterval: duration(
      options.failureInterval,
      'failureInterval',
      Math.min(DEFAULT_FAILURE_INTERVAL, interval),
      10,
      DAY,
    ),
    timeout: duration(options.timeout, 'timeout', DEFAULT_TIMEOUT, 1, 60_000),
    failThreshold: integer(options.failThreshold, 'failThreshold', DEFAULT_FAIL_THRESHOLD, 1, 1_000),
    lastGoodMaxAge: duration(
      options.lastGoodMaxAge,
      'lastGoodMaxAge',
      DEFAULT_LAST_GOOD_MAX_AGE,
      0,
      30 * DAY,
    ),
    negativePolicy: policy,
    resolveNowMinInterval: duration(
      options.resolveNowMinInterval,
      'resolveNowMinInterval',
      DEFAULT_RESOLVE_NOW_MIN_INTERVAL,
      0,
      DAY,
    ),
    maxAddresses: integer(options.maxAddresses, 'maxAddresses', DEFAULT_MAX_ADDRESSES, 1, 1_024),
    order,
    signal,
  }
}

function duration(value: unknown, option: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalidOption(option, `expected milliseconds between ${min} and ${max}, got ${String(value)}`)
  }
  return value
}

function integer(value: unknown, option: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(option, `expected an integer between ${min} and ${max}, got ${String(value)}`)
  }
  return value
}
