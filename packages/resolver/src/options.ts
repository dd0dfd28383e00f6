import {
  DEFAULT_FAIL_THRESHOLD,
  DEFAULT_FAILURE_INTERVAL_MS,
  DEFAULT_INTERVAL_MS,
  DEFAULT_JITTER,
  DEFAULT_LAST_GOOD_MAX_AGE_MS,
  DEFAULT_MAX_ADDRESSES,
  DEFAULT_MAX_TTL_MS,
  DEFAULT_MIN_TTL_MS,
  DEFAULT_NEGATIVE_POLICY,
  DEFAULT_ORDER,
  DEFAULT_RESOLVE_NOW_MIN_INTERVAL_MS,
  DEFAULT_RESPECT_TTL,
  DEFAULT_TIMEOUT_MS,
  MAX_NAMESERVERS,
} from './constants.js'
import { invalidOption, isResolverError } from './errors.js'
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
  intervalMs?: number
  /** Random spread of each scheduled refresh, as a fraction of the delay (0-0.5). Default 0.1. */
  jitter?: number
  /** Schedule the next refresh from the answer's TTL, clamped to [minTtlMs, maxTtlMs], instead of `intervalMs`. */
  respectTtl?: boolean
  /** Lower clamp of the TTL-based refresh. Default 1 000. */
  minTtlMs?: number
  /** Upper clamp of the TTL-based refresh. Default 300 000. */
  maxTtlMs?: number
  /** First retry after a failed cycle; doubles with each consecutive failure, capped at `intervalMs`. Default 1 000. */
  failureIntervalMs?: number
  /** Per-try wait for one nameserver (the TCP retry after truncation gets its own). Default 1 000. */
  timeoutMs?: number
  /**
   * Consecutive failed cycles after which a name with nothing known to be good (never resolved, or its kept answer
   * expired) is offline. A name with last-known-good addresses keeps them instead (see `lastGoodMaxAgeMs`). Default 3.
   */
  failThreshold?: number
  /**
   * While every nameserver fails, a name keeps its last good addresses for at most this long after the answer that
   * gave them; then they expire (`'lastgood:expire'`) and the name is offline. 0 keeps nothing. Default 86 400 000
   * (one day).
   */
  lastGoodMaxAgeMs?: number
  /** What NXDOMAIN / an empty answer means. Default `'fallthrough'`. */
  negativePolicy?: NegativePolicy
  /** `resolveNow()` starts at most one lookup per name per this period. Default 250. */
  resolveNowMinIntervalMs?: number
  /** Addresses kept per name and family. Default 64. */
  maxAddresses?: number
  /**
   * `'answer'` (default) keeps the nameserver's order — a GSLB's order is its preference (site A, then site B).
   * `'sorted'` sorts each family's addresses, so a round-robin server's rotation is not reported as a change.
   */
  order?: AddressOrder
  /** The resolver's lifetime: aborting it destroys the resolver (like `destroy()`). */
  signal?: AbortSignal
}

export type AddressOrder = 'answer' | 'sorted'

export interface ResolvedOptions {
  nameservers: readonly Nameserver[]
  intervalMs: number
  jitter: number
  respectTtl: boolean
  minTtlMs: number
  maxTtlMs: number
  failureIntervalMs: number
  timeoutMs: number
  failThreshold: number
  lastGoodMaxAgeMs: number
  negativePolicy: NegativePolicy
  resolveNowMinIntervalMs: number
  maxAddresses: number
  order: AddressOrder
  signal: AbortSignal | undefined
}

const DAY = 86_400_000

/** One problem with the resolver's options: the option at fault (`nameservers[1]`, `intervalMs`) and why. */
export interface ResolverOptionIssue {
  path: string
  message: string
}

/**
 * Every problem with the options at once, each with its option; an empty list when `createResolver` accepts
 * them. Pure: nothing is sent or scheduled.
 */
export function validateResolverOptions(options: ResolverOptions): ResolverOptionIssue[] {
  const issues: ResolverOptionIssue[] = []
  checkOptions(issues, options)
  return issues
}

/** Validates the options and fills in defaults; throws a ResolverError naming the first option at fault. */
export function resolveOptions(options: ResolverOptions): ResolvedOptions {
  const issues: ResolverOptionIssue[] = []
  const resolved = checkOptions(issues, options)
  const first = issues[0]
  if (first) throw invalidOption(first.path, first.message)
  return resolved as ResolvedOptions
}

/** Runs one option's check; a problem is recorded and `fallback` stands in so that the others are checked too. */
function field<T>(issues: ResolverOptionIssue[], fallback: T, check: () => T): T {
  try {
    return check()
  } catch (error) {
    if (!isResolverError(error) || error.path === undefined) throw error
    const prefix = `invalid option '${error.path}': `
    const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message
    issues.push({ path: error.path, message })
    return fallback
  }
}

function checkOptions(issues: ResolverOptionIssue[], options: ResolverOptions): ResolvedOptions | undefined {
  if (typeof options !== 'object' || options === null) {
    issues.push({ path: 'options', message: 'expected an object' })
    return undefined
  }
  unknownOptions(issues, options)
  const list = options.nameservers
  let nameservers: Nameserver[] = []
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_NAMESERVERS) {
    issues.push({ path: 'nameservers', message: `expected 1-${MAX_NAMESERVERS} "host:port" strings` })
  } else {
    // Array.from, not map: a hole in a sparse array must be named like any other bad entry
    const parsed = Array.from(list, (entry, i) =>
      field(issues, undefined, () => parseNameserver(entry, `nameservers[${i}]`)),
    )
    const seen = new Set<string>()
    for (const [i, ns] of parsed.entries()) {
      if (!ns) continue
      if (seen.has(ns.label))
        issues.push({ path: `nameservers[${i}]`, message: `${ns.label} is listed twice` })
      seen.add(ns.label)
    }
    nameservers = parsed.filter((ns): ns is Nameserver => ns !== undefined)
  }
  const time = (option: keyof ResolverOptions, fallback: number, min: number, max: number) =>
    field(issues, fallback, () => duration(options[option], option, fallback, min, max))
  const count = (option: keyof ResolverOptions, fallback: number, min: number, max: number) =>
    field(issues, fallback, () => integer(options[option], option, fallback, min, max))
  const intervalMs = time('intervalMs', DEFAULT_INTERVAL_MS, 10, DAY)
  const known = issues.length
  const minTtlMs = time('minTtlMs', DEFAULT_MIN_TTL_MS, 10, DAY)
  const maxTtlMs = time('maxTtlMs', Math.max(DEFAULT_MAX_TTL_MS, minTtlMs), 10, DAY)
  // Compared only when both are valid: a bad one is reported once, not again against a stand-in.
  if (issues.length === known && maxTtlMs < minTtlMs)
    issues.push({ path: 'maxTtlMs', message: `must be >= minTtlMs (${minTtlMs})` })
  const policy = options.negativePolicy ?? DEFAULT_NEGATIVE_POLICY
  if (policy !== 'authoritative' && policy !== 'fallthrough') {
    issues.push({
      path: 'negativePolicy',
      message: `expected 'authoritative' or 'fallthrough', got ${JSON.stringify(policy)}`,
    })
  }
  const respectTtl = options.respectTtl ?? DEFAULT_RESPECT_TTL
  if (typeof respectTtl !== 'boolean') issues.push({ path: 'respectTtl', message: 'expected a boolean' })
  const jitter = options.jitter ?? DEFAULT_JITTER
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 0.5)) {
    issues.push({ path: 'jitter', message: 'expected a fraction between 0 and 0.5' })
  }
  const order = options.order ?? DEFAULT_ORDER
  if (order !== 'answer' && order !== 'sorted') {
    issues.push({ path: 'order', message: `expected 'answer' or 'sorted', got ${JSON.stringify(order)}` })
  }
  const signal = options.signal
  if (signal !== undefined && !(signal instanceof AbortSignal))
    issues.push({ path: 'signal', message: 'expected an AbortSignal' })
  return {
    nameservers,
    intervalMs,
    jitter,
    respectTtl,
    minTtlMs,
    maxTtlMs,
    failureIntervalMs: time('failureIntervalMs', Math.min(DEFAULT_FAILURE_INTERVAL_MS, intervalMs), 10, DAY),
    timeoutMs: time('timeoutMs', DEFAULT_TIMEOUT_MS, 1, 60_000),
    failThreshold: count('failThreshold', DEFAULT_FAIL_THRESHOLD, 1, 1_000),
    lastGoodMaxAgeMs: time('lastGoodMaxAgeMs', DEFAULT_LAST_GOOD_MAX_AGE_MS, 0, 30 * DAY),
    negativePolicy: policy,
    resolveNowMinIntervalMs: time('resolveNowMinIntervalMs', DEFAULT_RESOLVE_NOW_MIN_INTERVAL_MS, 0, DAY),
    maxAddresses: count('maxAddresses', DEFAULT_MAX_ADDRESSES, 1, 1_024),
    order,
    signal,
  } as ResolvedOptions
}

const KNOWN_OPTIONS = new Set<string>([
  'nameservers',
  'intervalMs',
  'jitter',
  'respectTtl',
  'minTtlMs',
  'maxTtlMs',
  'failureIntervalMs',
  'timeoutMs',
  'failThreshold',
  'lastGoodMaxAgeMs',
  'negativePolicy',
  'resolveNowMinIntervalMs',
  'maxAddresses',
  'order',
  'signal',
] satisfies (keyof ResolverOptions)[])

/** The durations were renamed with their unit: an old name left in a caller would otherwise be ignored silently. */
const RENAMED: Record<string, string> = {
  interval: 'intervalMs',
  minTtl: 'minTtlMs',
  maxTtl: 'maxTtlMs',
  failureInterval: 'failureIntervalMs',
  timeout: 'timeoutMs',
  lastGoodMaxAge: 'lastGoodMaxAgeMs',
  resolveNowMinInterval: 'resolveNowMinIntervalMs',
}

function unknownOptions(issues: ResolverOptionIssue[], options: object): void {
  for (const key of Object.keys(options)) {
    if (KNOWN_OPTIONS.has(key)) continue
    const renamed = Object.hasOwn(RENAMED, key) ? RENAMED[key] : undefined
    issues.push({
      path: key,
      message: renamed ? `unknown option: renamed '${renamed}' (milliseconds)` : 'unknown option',
    })
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
