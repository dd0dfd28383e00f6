import { BlockList, isIP } from 'node:net'
import {
  DEFAULT_BACKLOG,
  DEFAULT_CHECK_INTERVAL_MS,
  DEFAULT_CHECK_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_FIN_TIMEOUT_MS,
  DEFAULT_FIRST_RESPONSE_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_DELAY_MS,
  DEFAULT_PASSIVE_FAILURES,
  DEFAULT_PASSIVE_HOLD_MS,
  DEFAULT_RETRIES,
  DEFAULT_WEIGHT,
  MAX_RETRIES,
  MAX_WEIGHT,
} from './constants.js'
import { ForwarderConfigError } from './errors.js'
import type { BalanceMethod, ServiceCheck } from './types.js'

export interface ListenAddress {
  /** The configured text, used to match listeners across `update()`. */
  key: string
  address: string
  port: number
}

export interface ResolvedBackend {
  kind: 'static' | 'name'
  /** IP address (static) or DNS name. */
  host: string
  port: number
  weight: number
  backup: boolean
  family?: 4 | 6 | 'both'
  prefer?: 4 | 6
}

/** A service configuration with every default filled in. */
export interface ResolvedService {
  name: string
  listen: ListenAddress[]
  backends: ResolvedBackend[]
  balance: BalanceMethod
  connectTimeoutMs: number
  retries: number
  idleTimeoutMs: number
  finTimeoutMs: number
  keepAliveDelayMs: number
  maxConnections: number
  maxConnectionsPerClient: number
  allow: BlockList | null
  proxyProtocol: 0 | 1 | 2
  sniffDicom: boolean
  retryOnEmpty: boolean
  firstResponseTimeoutMs: number
  onMarkedDown: 'keep' | 'shutdown'
  passiveFailures: number
  passiveHoldMs: number
  check: Required<Pick<ServiceCheck, 'type' | 'intervalMs' | 'timeoutMs'>> & ServiceCheck
  checkEnabled: boolean
  backlog: number
}

const BALANCE: readonly BalanceMethod[] = ['first', 'roundrobin', 'leastconn', 'source']
const NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/
const HOST_RE = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function integer(value: unknown, option: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ForwarderConfigError(option, `expected an integer from ${min} to ${max}, got ${String(value)}`)
  }
  return value
}

function port(value: unknown, option: string, allowZero: boolean): number {
  return integer(value, option, Number.NaN, allowZero ? 0 : 1, 65_535)
}

/** Parses `1.2.3.4:104`, `[::1]:104` or `{ address, port }`. */
export function parseListen(value: unknown, option: string): ListenAddress {
  if (isObject(value)) {
    const address = value.address
    if (typeof address !== 'string' || isIP(address) === 0) {
      throw new ForwarderConfigError(`${option}.address`, `expected an IP address, got ${String(address)}`)
    }
    const p = port(value.port, `${option}.port`, true)
    return { key: `${formatHostPort(address, p)}`, address, port: p }
  }
  if (typeof value !== 'string') throw new ForwarderConfigError(option, 'expected "address:port"')
  const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(value) ?? /^([^:[\]]+):(\d{1,5})$/.exec(value)
  if (!match || isIP(match[1]!) === 0) {
    throw new ForwarderConfigError(option, `expected "address:port" or "[ipv6]:port", got "${value}"`)
  }
  return { key: value, address: match[1]!, port: port(Number(match[2]), option, true) }
}

export function formatHostPort(address: string, p: number): string {
  return address.includes(':') ? `[${address}]:${p}` : `${address}:${p}`
}

function backend(value: unknown, option: string): ResolvedBackend {
  if (!isObject(value))
    throw new ForwarderConfigError(option, 'expected an object { address, port } or { name, port }')
  const weight = integer(value.weight, `${option}.weight`, DEFAULT_WEIGHT, 0, MAX_WEIGHT)
  if (value.backup !== undefined && typeof value.backup !== 'boolean') {
    throw new ForwarderConfigError(`${option}.backup`, 'expected a boolean')
  }
  const backup = value.backup === true
  const p = port(value.port, `${option}.port`, false)
  if (value.address !== undefined && value.name !== undefined) {
    throw new ForwarderConfigError(option, 'give either address or name, not both')
  }
  if (typeof value.address === 'string') {
    if (isIP(value.address) === 0) {
      throw new ForwarderConfigError(`${option}.address`, `expected an IP address, got "${value.address}"`)
    }
    return { kind: 'static', host: value.address, port: p, weight, backup }
  }
  if (typeof value.name === 'string') {
    if (!HOST_RE.test(value.name)) {
      throw new ForwarderConfigError(`${option}.name`, `expected a DNS name, got "${value.name}"`)
    }
    const family = value.family
    if (family !== undefined && family !== 4 && family !== 6 && family !== 'both') {
      throw new ForwarderConfigError(`${option}.family`, 'expected 4, 6 or "both"')
    }
    const prefer = value.prefer
    if (prefer !== undefined && prefer !== 4 && prefer !== 6) {
      throw new ForwarderConfigError(`${option}.prefer`, 'expected 4 or 6')
    }
    const resolved: ResolvedBackend = { kind: 'name', host: value.name, port: p, weight, backup }
    if (family !== undefined) resolved.family = family
    if (prefer !== undefined) resolved.prefer = prefer
    return resolved
  }
  throw new ForwarderConfigError(option, 'expected an address (IP literal) or a name (DNS name)')
}

function allowList(value: unknown, option: string): BlockList | null {
  if (value === undefined) return null
  if (value instanceof BlockList) return value
  if (!Array.isArray(value))
    throw new ForwarderConfigError(option, 'expected an array of subnets or a net.BlockList')
  const list = new BlockList()
  value.forEach((entry, i) => {
    const where = `${option}[${i}]`
    if (typeof entry !== 'string')
      throw new ForwarderConfigError(where, 'expected "address" or "address/prefix"')
    const [address, prefixText, extra] = entry.split('/')
    const family = isIP(address ?? '')
    if (family === 0 || extra !== undefined) {
      throw new ForwarderConfigError(where, `expected "address" or "address/prefix", got "${entry}"`)
    }
    const type = family === 4 ? 'ipv4' : 'ipv6'
    if (prefixText === undefined) {
      list.addAddress(address!, type)
      return
    }
    const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1
    if (prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
      throw new ForwarderConfigError(where, `prefix out of range in "${entry}"`)
    }
    list.addSubnet(address!, prefix, type)
  })
  return list
}

function check(value: unknown, option: string): ResolvedService['check'] | null {
  if (value === undefined) return null
  if (!isObject(value))
    throw new ForwarderConfigError(option, 'expected an object { type: "tcp" | "dicom", ... }')
  if (value.type !== 'tcp' && value.type !== 'dicom') {
    throw new ForwarderConfigError(`${option}.type`, `expected "tcp" or "dicom", got ${String(value.type)}`)
  }
  const resolved: ResolvedService['check'] = {
    type: value.type,
    intervalMs: integer(value.intervalMs, `${option}.intervalMs`, DEFAULT_CHECK_INTERVAL_MS, 10, 3_600_000),
    timeoutMs: integer(value.timeoutMs, `${option}.timeoutMs`, DEFAULT_CHECK_TIMEOUT_MS, 10, 600_000),
  }
  if (resolved.timeoutMs >= resolved.intervalMs) {
    throw new ForwarderConfigError(`${option}.timeoutMs`, `must be below intervalMs (${resolved.intervalMs})`)
  }
  if (value.rise !== undefined) resolved.rise = integer(value.rise, `${option}.rise`, 1, 1, 100)
  if (value.fall !== undefined) resolved.fall = integer(value.fall, `${option}.fall`, 1, 1, 100)
  for (const key of ['callingAE', 'calledAE'] as const) {
    const ae = value[key]
    if (ae === undefined) continue
    if (typeof ae !== 'string' || !/^[\x20-\x7e]{1,16}$/.test(ae) || ae.trim() === '') {
      throw new ForwarderConfigError(`${option}.${key}`, 'expected 1 to 16 printable ASCII characters')
    }
    resolved[key] = ae
  }
  return resolved
}

/** Validates one service and fills in defaults; every error names the option it is about. */
export function resolveService(value: unknown, option: string): ResolvedService {
  if (!isObject(value)) throw new ForwarderConfigError(option, 'expected an object')
  if (typeof value.name !== 'string' || !NAME_RE.test(value.name)) {
    throw new ForwarderConfigError(`${option}.name`, 'expected 1 to 64 characters from [A-Za-z0-9_.-]')
  }
  if (!Array.isArray(value.listen) || value.listen.length === 0) {
    throw new ForwarderConfigError(`${option}.listen`, 'expected a non-empty array of "address:port"')
  }
  const listen = value.listen.map((entry, i) => parseListen(entry, `${option}.listen[${i}]`))
  const keys = new Set<string>()
  for (const [i, entry] of listen.entries()) {
    if (keys.has(entry.key))
      throw new ForwarderConfigError(`${option}.listen[${i}]`, `duplicate "${entry.key}"`)
    keys.add(entry.key)
  }
  if (!Array.isArray(value.backends) || value.backends.length === 0) {
    throw new ForwarderConfigError(`${option}.backends`, 'expected a non-empty array')
  }
  const backends = value.backends.map((entry, i) => backend(entry, `${option}.backends[${i}]`))
  const balance = value.balance ?? 'first'
  if (!BALANCE.includes(balance as BalanceMethod)) {
    throw new ForwarderConfigError(`${option}.balance`, `expected one of ${BALANCE.join(', ')}`)
  }
  const proxyProtocol = value.proxyProtocol ?? false
  if (proxyProtocol !== false && proxyProtocol !== 1 && proxyProtocol !== 2) {
    throw new ForwarderConfigError(`${option}.proxyProtocol`, 'expected false, 1 or 2')
  }
  const onMarkedDown = value.onMarkedDown ?? 'keep'
  if (onMarkedDown !== 'keep' && onMarkedDown !== 'shutdown') {
    throw new ForwarderConfigError(`${option}.onMarkedDown`, 'expected "keep" or "shutdown"')
  }
  if (value.sniffDicom !== undefined && typeof value.sniffDicom !== 'boolean') {
    throw new ForwarderConfigError(`${option}.sniffDicom`, 'expected a boolean')
  }
  if (value.retryOnEmpty !== undefined && typeof value.retryOnEmpty !== 'boolean') {
    throw new ForwarderConfigError(`${option}.retryOnEmpty`, 'expected a boolean')
  }
  const passive = value.passive ?? {}
  if (!isObject(passive)) throw new ForwarderConfigError(`${option}.passive`, 'expected an object')
  const resolvedCheck = check(value.check, `${option}.check`)
  const day = 86_400_000
  return {
    name: value.name,
    listen,
    backends,
    balance: balance as BalanceMethod,
    connectTimeoutMs: integer(
      value.connectTimeoutMs,
      `${option}.connectTimeoutMs`,
      DEFAULT_CONNECT_TIMEOUT_MS,
      1,
      600_000,
    ),
    retries: integer(value.retries, `${option}.retries`, DEFAULT_RETRIES, 0, MAX_RETRIES),
    idleTimeoutMs: integer(value.idleTimeoutMs, `${option}.idleTimeoutMs`, DEFAULT_IDLE_TIMEOUT_MS, 0, day),
    finTimeoutMs: integer(value.finTimeoutMs, `${option}.finTimeoutMs`, DEFAULT_FIN_TIMEOUT_MS, 1, day),
    keepAliveDelayMs: integer(
      value.keepAliveDelayMs,
      `${option}.keepAliveDelayMs`,
      DEFAULT_KEEPALIVE_DELAY_MS,
      0,
      day,
    ),
    maxConnections: integer(value.maxConnections, `${option}.maxConnections`, 0, 0, 10_000_000),
    maxConnectionsPerClient: integer(
      value.maxConnectionsPerClient,
      `${option}.maxConnectionsPerClient`,
      0,
      0,
      10_000_000,
    ),
    allow: allowList(value.allow, `${option}.allow`),
    proxyProtocol: proxyProtocol === false ? 0 : proxyProtocol,
    sniffDicom: value.sniffDicom === true,
    retryOnEmpty: value.retryOnEmpty === true,
    firstResponseTimeoutMs: integer(
      value.firstResponseTimeoutMs,
      `${option}.firstResponseTimeoutMs`,
      DEFAULT_FIRST_RESPONSE_TIMEOUT_MS,
      0,
      600_000,
    ),
    onMarkedDown,
    passiveFailures: integer(
      passive.failures,
      `${option}.passive.failures`,
      DEFAULT_PASSIVE_FAILURES,
      1,
      1_000,
    ),
    passiveHoldMs: integer(passive.holdMs, `${option}.passive.holdMs`, DEFAULT_PASSIVE_HOLD_MS, 0, day),
    check: resolvedCheck ?? {
      type: 'tcp',
      intervalMs: DEFAULT_CHECK_INTERVAL_MS,
      timeoutMs: DEFAULT_CHECK_TIMEOUT_MS,
    },
    checkEnabled: resolvedCheck !== null,
    backlog: integer(value.backlog, `${option}.backlog`, DEFAULT_BACKLOG, 1, 65_535),
  }
}

/** Validates the whole service list (unique names) and returns the resolved services. */
export function resolveServices(value: unknown, option = 'services'): ResolvedService[] {
  if (!Array.isArray(value)) throw new ForwarderConfigError(option, 'expected an array of services')
  const services = value.map((entry, i) => resolveService(entry, `${option}[${i}]`))
  const names = new Set<string>()
  for (const [i, service] of services.entries()) {
    if (names.has(service.name))
      throw new ForwarderConfigError(`${option}[${i}].name`, `duplicate "${service.name}"`)
    names.add(service.name)
  }
  return services
}
