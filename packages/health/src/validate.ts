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
  | 'interval'
  | 'timeout'
  | 'rise'
  | 'fall'
  | 'timeoutFall'
  | 'fastInterval'
  | 'downInterval'
  | 'jitter'
  | 'initialState'
>

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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidTarget(field, `must be an integer from ${min} to ${max} (got ${describe(value)})`)
  }
  return value
}

function finite(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalidTarget(field, `must be a number from ${min} to ${max} (got ${describe(value)})`)
  }
  return value
}

function text(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw invalidTarget(
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
  throw invalidTarget(
    field,
    `must be a RegExp or a non-empty ${allowBytes ? 'string or Uint8Array' : 'string'} of at most ${maxLength} (got ${describe(value)})`,
  )
}

function needsIp(address: string, field: string): void {
  if (isIP(address) === 0)
    throw invalidTarget(field, `must be an IPv4 or IPv6 address (got ${describe(address)})`)
}

function validateMonitor(monitor: unknown, address: string): MonitorSpec {
  const at = 'target.monitor'
  if (!isObject(monitor)) throw invalidTarget(at, 'must be an object with a type')
  switch (monitor.type) {
    case 'tcp': {
      needsIp(address, 'target.address')
      if (monitor.send !== undefined) {
        if (
          !(typeof monitor.send === 'string' || monitor.send instanceof Uint8Array) ||
          byteLength(monitor.send) > LIMITS.maxSendBytes
        ) {
          throw invalidTarget(
            `${at}.send`,
            `must be a string or Uint8Array of at most ${LIMITS.maxSendBytes} bytes`,
          )
        }
      }
      if (monitor.expect !== undefined) matcher(monitor.expect, `${at}.expect`, LIMITS.maxReadBytes, true)
      if (monitor.maxBytes !== undefined) integer(monitor.maxBytes, `${at}.maxBytes`, 1, LIMITS.maxReadBytes)
      break
    }
    case 'http':
    case 'https': {
      needsIp(address, 'target.address')
      if (
        monitor.method !== undefined &&
        !(typeof monitor.method === 'string' && HTTP_METHOD.test(monitor.method))
      ) {
        throw invalidTarget(
          `${at}.method`,
          `must be an upper-case HTTP method (got ${describe(monitor.method)})`,
        )
      }
      if (monitor.path !== undefined) {
        const path = text(monitor.path, `${at}.path`, LIMITS.maxPathLength)
        if (!path.startsWith('/') || hasControlOrSpace(path)) {
          throw invalidTarget(`${at}.path`, `must start with '/' and hold no spaces or control characters`)
        }
      }
      if (monitor.hostname !== undefined) {
        const hostname = text(monitor.hostname, `${at}.hostname`, 253)
        if (!HOSTNAME.test(hostname) && isIP(hostname) === 0) {
          throw invalidTarget(
            `${at}.hostname`,
            `must be a DNS name or an IP address (got ${describe(hostname)})`,
          )
        }
      }
      if (monitor.expectStatus !== undefined) {
        if (!Array.isArray(monitor.expectStatus) || monitor.expectStatus.length === 0) {
          throw invalidTarget(`${at}.expectStatus`, 'must be a non-empty array of status codes')
        }
        // indexed loops, not forEach: a hole in a sparse array must fail like any other bad entry
        for (let i = 0; i < monitor.expectStatus.length; i++) {
          integer(monitor.expectStatus[i], `${at}.expectStatus[${i}]`, 100, 599)
        }
      }
      if (monitor.bodyMatch !== undefined)
        matcher(monitor.bodyMatch, `${at}.bodyMatch`, LIMITS.maxReadBytes, false)
      if (monitor.maxBodyBytes !== undefined) {
        integer(monitor.maxBodyBytes, `${at}.maxBodyBytes`, 1, LIMITS.maxReadBytes)
      }
      if (monitor.verifyTls !== undefined && typeof monitor.verifyTls !== 'boolean') {
        throw invalidTarget(`${at}.verifyTls`, 'must be a boolean')
      }
      if (monitor.headers !== undefined) {
        if (!isObject(monitor.headers)) throw invalidTarget(`${at}.headers`, 'must be an object of strings')
        for (const [name, value] of Object.entries(monitor.headers)) {
          if (!HEADER_NAME.test(name))
            throw invalidTarget(`${at}.headers`, `has an invalid header name ${describe(name)}`)
          if (RESERVED_HEADERS.has(name.toLowerCase())) {
            throw invalidTarget(
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
            throw invalidTarget(
              `${at}.headers.${name}`,
              'must be a string without control characters (≤ 8192 characters)',
            )
          }
        }
      }
      break
    }
    case 'dicom': {
      needsIp(address, 'target.address')
      for (const key of ['callingAE', 'calledAE'] as const) {
        const value = monitor[key]
        if (
          value !== undefined &&
          !(typeof value === 'string' && AE_TITLE.test(value) && value.trim() !== '')
        ) {
          throw invalidTarget(
            `${at}.${key}`,
            `must be 1–16 printable ASCII characters without '\\' (got ${describe(value)})`,
          )
        }
      }
      break
    }
    case 'dns': {
      needsIp(address, 'target.address')
      const name = text(monitor.name, `${at}.name`, 253)
      if (!HOSTNAME.test(name))
        throw invalidTarget(`${at}.name`, `must be a DNS name (got ${describe(name)})`)
      if (monitor.rrtype !== undefined && monitor.rrtype !== 'A' && monitor.rrtype !== 'AAAA') {
        throw invalidTarget(`${at}.rrtype`, `must be 'A' or 'AAAA' (got ${describe(monitor.rrtype)})`)
      }
      if (monitor.expectRcode !== undefined && !RCODES.has(monitor.expectRcode as string)) {
        throw invalidTarget(`${at}.expectRcode`, `must be one of ${[...RCODES].join(', ')}`)
      }
      if (monitor.expectAddress !== undefined) {
        const expected = text(monitor.expectAddress, `${at}.expectAddress`, 64)
        const family = isIP(expected)
        if (family === 0) throw invalidTarget(`${at}.expectAddress`, 'must be an IP address')
        if (family !== ((monitor.rrtype ?? 'A') === 'A' ? 4 : 6)) {
          throw invalidTarget(`${at}.expectAddress`, `is not of the family asked for by rrtype`)
        }
      }
      break
    }
    case 'external': {
      // the id and address reach the command's environment, where spawn() refuses NUL bytes
      if (address.includes('\0')) throw invalidTarget('target.address', 'must not contain NUL bytes')
      if (text(monitor.command, `${at}.command`, 4_096).includes('\0'))
        throw invalidTarget(`${at}.command`, 'must not contain NUL bytes')
      if (monitor.args !== undefined) {
        if (!Array.isArray(monitor.args) || monitor.args.length > 256) {
          throw invalidTarget(`${at}.args`, 'must be an array of at most 256 strings')
        }
        for (let i = 0; i < monitor.args.length; i++) {
          const arg: unknown = monitor.args[i]
          if (typeof arg !== 'string' || arg.includes('\0'))
            throw invalidTarget(`${at}.args[${i}]`, 'must be a string without NUL bytes')
        }
      }
      if (monitor.env !== undefined) {
        if (!isObject(monitor.env)) throw invalidTarget(`${at}.env`, 'must be an object of strings')
        for (const [name, value] of Object.entries(monitor.env)) {
          if (name === '' || name.includes('=') || name.includes('\0'))
            throw invalidTarget(`${at}.env.${name}`, "is not a valid variable name (no '=' or NUL)")
          if (typeof value !== 'string' || value.includes('\0'))
            throw invalidTarget(`${at}.env.${name}`, 'must be a string without NUL bytes')
        }
      }
      if (monitor.maxOutputBytes !== undefined) {
        integer(monitor.maxOutputBytes, `${at}.maxOutputBytes`, 0, LIMITS.maxOutputBytes)
      }
      break
    }
    case 'custom': {
      if (typeof monitor.check !== 'function') throw invalidTarget(`${at}.check`, 'must be a function')
      break
    }
    default:
      throw invalidTarget(
        `${at}.type`,
        `must be one of tcp, http, https, dicom, dns, external, custom (got ${describe(monitor.type)})`,
      )
  }
  return monitor as unknown as MonitorSpec
}

/** Validates a target and fills in defaults (the result is frozen). Throws HealthError GSLB_HEALTH_INVALID_TARGET naming the field. */
export function resolveTarget(input: unknown, defaults: TargetDefaults = {}): ResolvedTarget {
  if (!isObject(input)) throw invalidTarget('target', 'must be an object')
  const id = text(input.id, 'target.id', LIMITS.maxIdLength)
  if (id.includes('\0')) throw invalidTarget('target.id', 'must not contain NUL bytes')
  const address = text(input.address, 'target.address', 253)
  const port = integer(input.port, 'target.port', 1, 65_535)
  const monitor = validateMonitor(input.monitor, address)

  const pick = (key: keyof TargetDefaults) => (input[key] !== undefined ? input[key] : defaults[key])
  const field = (key: string) => (input[key] !== undefined ? `target.${key}` : `defaults.${key}`)

  const interval = integer(
    pick('interval') ?? DEFAULT_INTERVAL_MS,
    field('interval'),
    LIMITS.minIntervalMs,
    LIMITS.maxIntervalMs,
  )
  const timeoutDefault = Math.min(DEFAULT_TIMEOUT_MS, Math.floor(interval / 2))
  const timeout = integer(
    pick('timeout') ?? timeoutDefault,
    field('timeout'),
    LIMITS.minTimeoutMs,
    LIMITS.maxIntervalMs,
  )
  if (timeout >= interval) {
    throw invalidTarget(field('timeout'), `must be below the interval (${timeout} ≥ ${interval})`)
  }
  const rise = integer(pick('rise') ?? DEFAULT_RISE, field('rise'), 1, LIMITS.maxThreshold)
  const fall = integer(pick('fall') ?? DEFAULT_FALL, field('fall'), 1, LIMITS.maxThreshold)
  const timeoutFall = Math.max(
    fall,
    integer(
      pick('timeoutFall') ?? Math.min(fall + 1, LIMITS.maxThreshold),
      field('timeoutFall'),
      1,
      LIMITS.maxThreshold,
    ),
  )
  const fastDefault = Math.min(interval, DEFAULT_FAST_INTERVAL_MS)
  const fastInterval = integer(
    pick('fastInterval') ?? fastDefault,
    field('fastInterval'),
    LIMITS.minIntervalMs,
    interval,
  )
  const downInterval = integer(
    pick('downInterval') ?? interval,
    field('downInterval'),
    LIMITS.minIntervalMs,
    LIMITS.maxIntervalMs,
  )
  const jitter = finite(pick('jitter') ?? DEFAULT_JITTER, field('jitter'), 0, 0.5)
  const initialState = pick('initialState') ?? 'unknown'
  if (initialState !== 'unknown' && initialState !== 'up' && initialState !== 'down') {
    throw invalidTarget(
      field('initialState'),
      `must be 'unknown', 'up' or 'down' (got ${describe(initialState)})`,
    )
  }
  return Object.freeze({
    ...(input as unknown as Target),
    id,
    address,
    port,
    monitor,
    interval,
    timeout,
    rise,
    fall,
    timeoutFall,
    fastInterval,
    downInterval,
    jitter,
    initialState,
  })
}

const TIMING_KEYS = new Set([
  'interval',
  'rise',
  'fall',
  'timeoutFall',
  'fastInterval',
  'downInterval',
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
