import { isIP } from 'node:net'
import {
  DEFAULT_FALL,
  DEFAULT_FAST_INTERVAL_MS,
  DEFAULT_INTERVAL_MS,
  DEFAULT_JITTER,
  DEFAULT_RISE,
  DEFAULT_TIMEOUT_MS,
  LIMITS,
} from './constants.js'
import { invalidTarget } from './errors.js'
import type { MonitorSpec, ResolvedTarget, Target } from './types.js'

/** Per-target timing defaults a checker applies to targets that leave them out. */
export type TargetDefaults = Pick<
  Target,
  | 'intervalMs'
  | 'timeoutMs'
  | 'rise'
  | 'fall'
  | 'timeoutFall'
  | 'fastIntervalMs'
  | 'downIntervalMs'
  | 'jitter'
  | 'initialState'
>

/** Durations renamed with their unit in 0.2: an old name would otherwise be ignored and its default used silently. */
const RENAMED_DURATIONS: Readonly<Record<string, string>> = {
  interval: 'intervalMs',
  timeout: 'timeoutMs',
  fastInterval: 'fastIntervalMs',
  downInterval: 'downIntervalMs',
}

const RCODES = new Set(['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', 'NOTIMP', 'FORMERR'])
const HTTP_METHOD = /^[A-Z]{1,16}$/
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/
const AE_TITLE = /^[\x20-\x5b\x5d-\x7e]{1,16}$/
/** Headers the HTTP monitor sets itself (host: use `hostname`) or that undici refuses: every check would fail. */
const RESERVED_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'expect',
  'content-length',
])
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/

/** True for whitespace, C0 control characters and DEL: none may reach a request line or header. */
function hasControlOrSpace(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code <= 0x20 || code === 0x7f) return true
  }
  return false
}

/** One problem with a target: the path of the field at fault (`target.monitor.path`) and what is wrong with it. */
export interface TargetIssue {
  path: string
  message: string
}

/** Thrown by the small checks below and turned into a TargetIssue by `field()`. */
class FieldProblem extends Error {
  constructor(
    readonly path: string,
    readonly why: string,
  ) {
    super(why)
  }
}

function problem(path: string, why: string): FieldProblem {
  return new FieldProblem(path, why)
}

/** Runs one field's checks; a problem is recorded and `fallback` stands in so that the other fields are checked too. */
function field<T>(issues: TargetIssue[], fallback: T, check: () => T): T {
  try {
    return check()
  } catch (error) {
    if (!(error instanceof FieldProblem)) throw error
    issues.push({ path: error.path, message: error.why })
    return fallback
  }
}

function each(issues: TargetIssue[], checks: (() => void)[]): void {
  for (const check of checks) field(issues, undefined, check)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw problem(field, `must be an integer from ${min} to ${max} (got ${describe(value)})`)
  }
  return value
}

function finite(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw problem(field, `must be a number from ${min} to ${max} (got ${describe(value)})`)
  }
  return value
}

function text(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw problem(
      field,
      `must be a non-empty string of at most ${maxLength} characters (got ${describe(value)})`,
    )
  }
  return value
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
  if (value === null || typeof value !== 'object') return String(value)
  return Array.isArray(value) ? 'an array' : 'an object'
}

function byteLength(value: string | Uint8Array): number {
  return typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength
}

function matcher(value: unknown, field: string, maxLength: number, allowBytes: boolean): void {
  if (value instanceof RegExp) return
  if (typeof value === 'string' && value.length > 0 && value.length <= maxLength) return
  if (allowBytes && value instanceof Uint8Array && value.byteLength > 0 && value.byteLength <= maxLength)
    return
  throw problem(
    field,
    `must be a RegExp or a non-empty ${allowBytes ? 'string or Uint8Array' : 'string'} of at most ${maxLength} (got ${describe(value)})`,
  )
}

function needsIp(address: string, field: string): void {
  if (isIP(address) === 0) throw problem(field, `must be an IPv4 or IPv6 address (got ${describe(address)})`)
}

function validateMonitor(issues: TargetIssue[], monitor: unknown, address: string): MonitorSpec {
  const at = 'target.monitor'
  if (!isObject(monitor)) {
    issues.push({ path: at, message: 'must be an object with a type' })
    return monitor as unknown as MonitorSpec
  }
  switch (monitor.type) {
    case 'tcp': {
      each(issues, [
        () => needsIp(address, 'target.address'),
        () => {
          if (monitor.send === undefined) return
          if (
            !(typeof monitor.send === 'string' || monitor.send instanceof Uint8Array) ||
            byteLength(monitor.send) > LIMITS.maxSendBytes
          ) {
            throw problem(
              `${at}.send`,
              `must be a string or Uint8Array of at most ${LIMITS.maxSendBytes} bytes`,
            )
          }
        },
        () => {
          if (monitor.expect !== undefined) matcher(monitor.expect, `${at}.expect`, LIMITS.maxReadBytes, true)
        },
        () => {
          if (monitor.maxBytes !== undefined)
            integer(monitor.maxBytes, `${at}.maxBytes`, 1, LIMITS.maxReadBytes)
        },
      ])
      break
    }
    case 'http':
    case 'https': {
      each(issues, [
        () => needsIp(address, 'target.address'),
        () => {
          if (
            monitor.method !== undefined &&
            !(typeof monitor.method === 'string' && HTTP_METHOD.test(monitor.method))
          ) {
            throw problem(
              `${at}.method`,
              `must be an upper-case HTTP method (got ${describe(monitor.method)})`,
            )
          }
        },
        () => {
          if (monitor.path === undefined) return
          const path = text(monitor.path, `${at}.path`, LIMITS.maxPathLength)
          if (!path.startsWith('/') || hasControlOrSpace(path)) {
            throw problem(`${at}.path`, `must start with '/' and hold no spaces or control characters`)
          }
        },
        () => {
          if (monitor.hostname === undefined) return
          const hostname = text(monitor.hostname, `${at}.hostname`, 253)
          if (!HOSTNAME.test(hostname) && isIP(hostname) === 0) {
            throw problem(`${at}.hostname`, `must be a DNS name or an IP address (got ${describe(hostname)})`)
          }
        },
        () => {
          if (monitor.expectStatus === undefined) return
          if (!Array.isArray(monitor.expectStatus) || monitor.expectStatus.length === 0) {
            throw problem(`${at}.expectStatus`, 'must be a non-empty array of status codes')
          }
          // indexed loops, not forEach: a hole in a sparse array must fail like any other bad entry
          const codes: unknown[] = monitor.expectStatus
          for (let i = 0; i < codes.length; i++) {
            field(issues, 0, () => integer(codes[i], `${at}.expectStatus[${i}]`, 100, 599))
          }
        },
        () => {
          if (monitor.bodyMatch !== undefined)
            matcher(monitor.bodyMatch, `${at}.bodyMatch`, LIMITS.maxReadBytes, false)
        },
        () => {
          if (monitor.maxBodyBytes !== undefined)
            integer(monitor.maxBodyBytes, `${at}.maxBodyBytes`, 1, LIMITS.maxReadBytes)
        },
        () => {
          if (monitor.verifyTls !== undefined && typeof monitor.verifyTls !== 'boolean') {
            throw problem(`${at}.verifyTls`, 'must be a boolean')
          }
        },
        () => {
          if (monitor.headers === undefined) return
          if (!isObject(monitor.headers)) throw problem(`${at}.headers`, 'must be an object of strings')
          for (const [name, value] of Object.entries(monitor.headers)) {
            field(issues, undefined, () => header(name, value, at))
          }
        },
      ])
      break
    }
    case 'dicom': {
      each(issues, [
        () => needsIp(address, 'target.address'),
        ...(['callingAE', 'calledAE'] as const).map((key) => () => {
          const value = monitor[key]
          if (
            value !== undefined &&
            !(typeof value === 'string' && AE_TITLE.test(value) && value.trim() !== '')
          ) {
            throw problem(
              `${at}.${key}`,
              `must be 1–16 printable ASCII characters without '\\' (got ${describe(value)})`,
            )
          }
        }),
      ])
      break
    }
    case 'dns': {
      each(issues, [
        () => needsIp(address, 'target.address'),
        () => {
          const name = text(monitor.name, `${at}.name`, 253)
          if (!HOSTNAME.test(name)) throw problem(`${at}.name`, `must be a DNS name (got ${describe(name)})`)
        },
        () => {
          if (monitor.rrtype !== undefined && monitor.rrtype !== 'A' && monitor.rrtype !== 'AAAA') {
            throw problem(`${at}.rrtype`, `must be 'A' or 'AAAA' (got ${describe(monitor.rrtype)})`)
          }
        },
        () => {
          if (monitor.expectRcode !== undefined && !RCODES.has(monitor.expectRcode as string)) {
            throw problem(`${at}.expectRcode`, `must be one of ${[...RCODES].join(', ')}`)
          }
        },
        () => {
          if (monitor.expectAddress === undefined) return
          const expected = text(monitor.expectAddress, `${at}.expectAddress`, 64)
          const family = isIP(expected)
          if (family === 0) throw problem(`${at}.expectAddress`, 'must be an IP address')
          if (family !== ((monitor.rrtype ?? 'A') === 'A' ? 4 : 6)) {
            throw problem(`${at}.expectAddress`, `is not of the family asked for by rrtype`)
          }
        },
      ])
      break
    }
    case 'external': {
      each(issues, [
        () => {
          // the id and address reach the command's environment, where spawn() refuses NUL bytes
          if (address.includes('\0')) throw problem('target.address', 'must not contain NUL bytes')
        },
        () => {
          if (text(monitor.command, `${at}.command`, 4_096).includes('\0'))
            throw problem(`${at}.command`, 'must not contain NUL bytes')
        },
        () => {
          if (monitor.args === undefined) return
          if (!Array.isArray(monitor.args) || monitor.args.length > 256) {
            throw problem(`${at}.args`, 'must be an array of at most 256 strings')
          }
          const args: unknown[] = monitor.args
          for (let i = 0; i < args.length; i++) {
            const arg = args[i]
            if (typeof arg !== 'string' || arg.includes('\0'))
              issues.push({ path: `${at}.args[${i}]`, message: 'must be a string without NUL bytes' })
          }
        },
        () => {
          if (monitor.env === undefined) return
          if (!isObject(monitor.env)) throw problem(`${at}.env`, 'must be an object of strings')
          for (const [name, value] of Object.entries(monitor.env)) {
            if (name === '' || name.includes('=') || name.includes('\0'))
              issues.push({
                path: `${at}.env.${name}`,
                message: "is not a valid variable name (no '=' or NUL)",
              })
            else if (typeof value !== 'string' || value.includes('\0'))
              issues.push({ path: `${at}.env.${name}`, message: 'must be a string without NUL bytes' })
          }
        },
        () => {
          if (monitor.maxOutputBytes !== undefined)
            integer(monitor.maxOutputBytes, `${at}.maxOutputBytes`, 0, LIMITS.maxOutputBytes)
        },
      ])
      break
    }
    case 'custom': {
      if (typeof monitor.check !== 'function')
        issues.push({ path: `${at}.check`, message: 'must be a function' })
      break
    }
    default:
      issues.push({
        path: `${at}.type`,
        message: `must be one of tcp, http, https, dicom, dns, external, custom (got ${describe(monitor.type)})`,
      })
  }
  return monitor as unknown as MonitorSpec
}

function header(name: string, value: unknown, at: string): void {
  if (!HEADER_NAME.test(name)) throw problem(`${at}.headers`, `has an invalid header name ${describe(name)}`)
  if (RESERVED_HEADERS.has(name.toLowerCase())) {
    throw problem(
      `${at}.headers.${name}`,
      name.toLowerCase() === 'host'
        ? 'is set by the monitor: use monitor.hostname (it also sets SNI)'
        : 'is managed by the monitor (one request, no body, connection closed) and cannot be set',
    )
  }
  if (
    typeof value !== 'string' ||
    hasControlOrSpace(value.replaceAll(' ', '').replaceAll('\t', '')) ||
    value.length > 8_192
  ) {
    throw problem(`${at}.headers.${name}`, 'must be a string without control characters (≤ 8192 characters)')
  }
}

/** Checks every field of a target; `issues` gets each problem, the result has stand-ins where a field was bad. */
function checkTarget(issues: TargetIssue[], input: unknown, defaults: TargetDefaults): ResolvedTarget {
  if (!isObject(input)) {
    issues.push({ path: 'target', message: 'must be an object' })
    return input as unknown as ResolvedTarget
  }
  const id = field(issues, '', () => {
    const id = text(input.id, 'target.id', LIMITS.maxIdLength)
    if (id.includes('\0')) throw problem('target.id', 'must not contain NUL bytes')
    return id
  })
  const address = field(issues, undefined, () => text(input.address, 'target.address', 253))
  const port = field(issues, 0, () => integer(input.port, 'target.port', 1, 65_535))
  // A bad address is reported once, above; the monitor's fields are checked with a stand-in.
  const monitor = validateMonitor(issues, input.monitor, address ?? '127.0.0.1')

  const pick = (key: keyof TargetDefaults) => (input[key] !== undefined ? input[key] : defaults[key])
  const at = (key: string) => (input[key] !== undefined ? `target.${key}` : `defaults.${key}`)
  const number = (key: keyof TargetDefaults, fallback: number, min: number, max: number) =>
    field(issues, Number.NaN, () => integer(pick(key) ?? fallback, at(key), min, max))

  for (const [old, renamed] of Object.entries(RENAMED_DURATIONS)) {
    if (input[old] !== undefined) {
      issues.push({ path: `target.${old}`, message: `is now '${renamed}' (milliseconds)` })
    }
    if ((defaults as Record<string, unknown>)[old] !== undefined) {
      issues.push({ path: `defaults.${old}`, message: `is now '${renamed}' (milliseconds)` })
    }
  }
  const intervalMs = number('intervalMs', DEFAULT_INTERVAL_MS, LIMITS.minIntervalMs, LIMITS.maxIntervalMs)
  // A bad interval is reported once: the values that follow from it are checked against the default.
  const known = Number.isNaN(intervalMs) ? DEFAULT_INTERVAL_MS : intervalMs
  const timeoutDefault = Math.min(DEFAULT_TIMEOUT_MS, Math.floor(known / 2))
  const timeoutMs = number('timeoutMs', timeoutDefault, LIMITS.minTimeoutMs, LIMITS.maxIntervalMs)
  if (timeoutMs >= intervalMs) {
    issues.push({
      path: at('timeoutMs'),
      message: `must be below the interval (${timeoutMs} ≥ ${intervalMs})`,
    })
  }
  const rise = number('rise', DEFAULT_RISE, 1, LIMITS.maxThreshold)
  const fall = number('fall', DEFAULT_FALL, 1, LIMITS.maxThreshold)
  const knownFall = Number.isNaN(fall) ? DEFAULT_FALL : fall
  const timeoutFall = Math.max(
    knownFall,
    number('timeoutFall', Math.min(knownFall + 1, LIMITS.maxThreshold), 1, LIMITS.maxThreshold),
  )
  const fastIntervalMs = number(
    'fastIntervalMs',
    Math.min(known, DEFAULT_FAST_INTERVAL_MS),
    LIMITS.minIntervalMs,
    known,
  )
  const downIntervalMs = number('downIntervalMs', known, LIMITS.minIntervalMs, LIMITS.maxIntervalMs)
  const jitter = field(issues, 0, () => finite(pick('jitter') ?? DEFAULT_JITTER, at('jitter'), 0, 0.5))
  const initialState = pick('initialState') ?? 'unknown'
  if (initialState !== 'unknown' && initialState !== 'up' && initialState !== 'down') {
    issues.push({
      path: at('initialState'),
      message: `must be 'unknown', 'up' or 'down' (got ${describe(initialState)})`,
    })
  }
  return Object.freeze({
    ...(input as unknown as Target),
    id,
    address: address ?? '',
    port,
    monitor,
    intervalMs,
    timeoutMs,
    rise,
    fall,
    timeoutFall,
    fastIntervalMs,
    downIntervalMs,
    jitter,
    initialState: initialState as ResolvedTarget['initialState'],
  })
}

/**
 * Every problem with a target at once, each with the path of its field (`target.monitor.path`, or
 * `defaults.timeoutMs` for a value taken from the defaults); an empty list when `add()` accepts it. Pure.
 */
export function validateTarget(input: unknown, defaults: TargetDefaults = {}): TargetIssue[] {
  const issues: TargetIssue[] = []
  checkTarget(issues, input, defaults)
  return issues
}

/** Validates a target and fills in defaults (the result is frozen). Throws HealthError GSLB_HEALTH_INVALID_TARGET naming the first field at fault. */
export function resolveTarget(input: unknown, defaults: TargetDefaults = {}): ResolvedTarget {
  const issues: TargetIssue[] = []
  const target = checkTarget(issues, input, defaults)
  const first = issues[0]
  if (first) throw invalidTarget(first.path, first.message)
  return target
}

const TIMING_KEYS = new Set([
  'intervalMs',
  'rise',
  'fall',
  'timeoutFall',
  'fastIntervalMs',
  'downIntervalMs',
  'jitter',
  'meta',
])

/** Key of everything that decides what a check does; timing-only changes keep the counts. */
export function checkKey(target: ResolvedTarget): string {
  return JSON.stringify(target, (key, value: unknown) => {
    if (TIMING_KEYS.has(key)) return undefined
    if (value instanceof RegExp) return `re:${String(value)}`
    if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex')}`
    return value
  })
}
