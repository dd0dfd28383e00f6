import { BlockList, isIP } from 'node:net'
import { validateTarget } from '@gslb/health'
import { formatHostPort } from '@gslb/topology'
import {
  DEFAULT_BACKLOG,
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
import { optionsInvalid } from './errors.js'
import type { BalanceMethod, ServiceConfig } from './types.js'

/** A service's active checks: a health target without its per-server fields. */
type Check = NonNullable<ServiceConfig['check']>

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
  /** Active checks of the service's servers; null = none. */
  check: Check | null
  backlog: number
}

const BALANCE: readonly BalanceMethod[] = ['first', 'roundrobin', 'leastconn', 'source']
const NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/
const HOST_RE = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/

/** One problem with the forwarder's options: the dotted path of the option and what is wrong with it. */
export interface ForwarderOptionIssue {
  /** E.g. `services[1].check.timeoutMs`. */
  path: string
  message: string
}

/** Where the checks below write what they find; each check goes on with a stand-in value so all are found. */
type Issues = ForwarderOptionIssue[]

function report(issues: Issues, option: string, why: string): void {
  issues.push({ path: option, message: why })
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function integer(
  issues: Issues,
  value: unknown,
  option: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    report(issues, option, `expected an integer from ${min} to ${max}, got ${String(value)}`)
    return fallback
  }
  return value
}

function port(issues: Issues, value: unknown, option: string, allowZero: boolean): number {
  if (value === undefined) {
    report(issues, option, `expected an integer from ${allowZero ? 0 : 1} to 65535, got undefined`)
    return 0
  }
  return integer(issues, value, option, 0, allowZero ? 0 : 1, 65_535)
}

/** Parses `1.2.3.4:104`, `[::1]:104` or `{ address, port }`. */
export function parseListen(value: unknown, option: string): ListenAddress {
  const issues: Issues = []
  const listen = listenAddress(issues, value, option)
  throwFirst(issues)
  return listen
}

function listenAddress(issues: Issues, value: unknown, option: string): ListenAddress {
  if (isObject(value)) {
    const address = value.address
    if (typeof address !== 'string' || isIP(address) === 0) {
      report(issues, `${option}.address`, `expected an IP address, got ${String(address)}`)
    }
    const p = port(issues, value.port, `${option}.port`, true)
    return { key: `${formatHostPort(String(address), p)}`, address: String(address), port: p }
  }
  if (typeof value !== 'string') {
    report(issues, option, 'expected "address:port"')
    return { key: `${option}`, address: '', port: 0 }
  }
  const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(value) ?? /^([^:[\]]+):(\d{1,5})$/.exec(value)
  if (!match || isIP(match[1]!) === 0) {
    report(issues, option, `expected "address:port" or "[ipv6]:port", got "${value}"`)
    return { key: value, address: '', port: 0 }
  }
  return { key: value, address: match[1]!, port: port(issues, Number(match[2]), option, true) }
}

function backend(issues: Issues, value: unknown, option: string): ResolvedBackend {
  const standIn: ResolvedBackend = { kind: 'static', host: '', port: 0, weight: 0, backup: false }
  if (!isObject(value)) {
    report(issues, option, 'expected an object { address, port } or { name, port }')
    return standIn
  }
  const weight = integer(issues, value.weight, `${option}.weight`, DEFAULT_WEIGHT, 0, MAX_WEIGHT)
  if (value.backup !== undefined && typeof value.backup !== 'boolean') {
    report(issues, `${option}.backup`, 'expected a boolean')
  }
  const backup = value.backup === true
  const p = port(issues, value.port, `${option}.port`, false)
  if (value.address !== undefined && value.name !== undefined) {
    report(issues, option, 'give either address or name, not both')
    return standIn
  }
  if (typeof value.address === 'string') {
    if (isIP(value.address) === 0) {
      report(issues, `${option}.address`, `expected an IP address, got "${value.address}"`)
    }
    return { kind: 'static', host: value.address, port: p, weight, backup }
  }
  if (typeof value.name === 'string') {
    if (!HOST_RE.test(value.name)) {
      report(issues, `${option}.name`, `expected a DNS name, got "${value.name}"`)
    }
    const family = value.family
    if (family !== undefined && family !== 4 && family !== 6 && family !== 'both') {
      report(issues, `${option}.family`, 'expected 4, 6 or "both"')
    }
    const prefer = value.prefer
    if (prefer !== undefined && prefer !== 4 && prefer !== 6) {
      report(issues, `${option}.prefer`, 'expected 4 or 6')
    }
    const resolved: ResolvedBackend = { kind: 'name', host: value.name, port: p, weight, backup }
    if (family === 4 || family === 6 || family === 'both') resolved.family = family
    if (prefer === 4 || prefer === 6) resolved.prefer = prefer
    return resolved
  }
  report(issues, option, 'expected an address (IP literal) or a name (DNS name)')
  return standIn
}

function allowList(issues: Issues, value: unknown, option: string): BlockList | null {
  if (value === undefined) return null
  if (value instanceof BlockList) return value
  if (!Array.isArray(value)) {
    report(issues, option, 'expected an array of subnets or a net.BlockList')
    return null
  }
  const list = new BlockList()
  value.forEach((entry, i) => {
    const where = `${option}[${i}]`
    if (typeof entry !== 'string') {
      report(issues, where, 'expected "address" or "address/prefix"')
      return
    }
    const [address, prefixText, extra] = entry.split('/')
    const family = isIP(address ?? '')
    if (family === 0 || extra !== undefined) {
      report(issues, where, `expected "address" or "address/prefix", got "${entry}"`)
      return
    }
    const type = family === 4 ? 'ipv4' : 'ipv6'
    if (prefixText === undefined) {
      list.addAddress(address!, type)
      return
    }
    const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1
    if (prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
      report(issues, where, `prefix out of range in "${entry}"`)
      return
    }
    list.addSubnet(address!, prefix, type)
  })
  return list
}

/** Fields of a health target the forwarder fills in per server; a check that sets them is refused. */
const PER_SERVER_FIELDS = ['id', 'address', 'port', 'meta'] as const

/** `@gslb/health` judges the check as the target it becomes for a server (any address and port stand in). */
function check(issues: Issues, value: unknown, option: string): Check | null {
  if (value === undefined) return null
  if (!isObject(value)) {
    report(issues, option, 'expected an object { monitor, intervalMs?, timeoutMs?, rise?, fall?, ... }')
    return null
  }
  for (const key of PER_SERVER_FIELDS) {
    if (value[key] !== undefined) report(issues, `${option}.${key}`, 'is set per server by the forwarder')
  }
  const target = { ...value, id: 'check', address: '127.0.0.1', port: 1 }
  for (const issue of validateTarget(target)) {
    report(issues, `${option}.${issue.path.replace(/^(target|defaults)\./, '')}`, issue.message)
  }
  // a copy: the caller's object may change later, the running service's check must not
  return { ...value } as unknown as Check
}

function service(issues: Issues, value: unknown, option: string): ResolvedService | null {
  if (!isObject(value)) {
    report(issues, option, 'expected an object')
    return null
  }
  if (typeof value.name !== 'string' || !NAME_RE.test(value.name)) {
    report(issues, `${option}.name`, 'expected 1 to 64 characters from [A-Za-z0-9_.-]')
  }
  let listen: ListenAddress[] = []
  if (!Array.isArray(value.listen) || value.listen.length === 0) {
    report(issues, `${option}.listen`, 'expected a non-empty array of "address:port"')
  } else {
    listen = value.listen.map((entry, i) => listenAddress(issues, entry, `${option}.listen[${i}]`))
  }
  const keys = new Set<string>()
  for (const [i, entry] of listen.entries()) {
    if (keys.has(entry.key)) report(issues, `${option}.listen[${i}]`, `duplicate "${entry.key}"`)
    keys.add(entry.key)
  }
  let backends: ResolvedBackend[] = []
  if (!Array.isArray(value.backends) || value.backends.length === 0) {
    report(issues, `${option}.backends`, 'expected a non-empty array')
  } else {
    backends = value.backends.map((entry, i) => backend(issues, entry, `${option}.backends[${i}]`))
  }
  const balance = value.balance ?? 'first'
  if (!BALANCE.includes(balance as BalanceMethod)) {
    report(issues, `${option}.balance`, `expected one of ${BALANCE.join(', ')}`)
  }
  const proxyProtocol = value.proxyProtocol ?? false
  if (proxyProtocol !== false && proxyProtocol !== 1 && proxyProtocol !== 2) {
    report(issues, `${option}.proxyProtocol`, 'expected false, 1 or 2')
  }
  const onMarkedDown = value.onMarkedDown ?? 'keep'
  if (onMarkedDown !== 'keep' && onMarkedDown !== 'shutdown') {
    report(issues, `${option}.onMarkedDown`, 'expected "keep" or "shutdown"')
  }
  if (value.sniffDicom !== undefined && typeof value.sniffDicom !== 'boolean') {
    report(issues, `${option}.sniffDicom`, 'expected a boolean')
  }
  if (value.retryOnEmpty !== undefined && typeof value.retryOnEmpty !== 'boolean') {
    report(issues, `${option}.retryOnEmpty`, 'expected a boolean')
  }
  let passive = value.passive ?? {}
  if (!isObject(passive)) {
    report(issues, `${option}.passive`, 'expected an object')
    passive = {}
  }
  const passiveOptions = passive as Record<string, unknown>
  const resolvedCheck = check(issues, value.check, `${option}.check`)
  const day = 86_400_000
  const number = (key: string, fallback: number, min: number, max: number) =>
    integer(issues, value[key], `${option}.${key}`, fallback, min, max)
  return {
    name: String(value.name),
    listen,
    backends,
    balance: balance as BalanceMethod,
    connectTimeoutMs: number('connectTimeoutMs', DEFAULT_CONNECT_TIMEOUT_MS, 1, 600_000),
    retries: number('retries', DEFAULT_RETRIES, 0, MAX_RETRIES),
    idleTimeoutMs: number('idleTimeoutMs', DEFAULT_IDLE_TIMEOUT_MS, 0, day),
    finTimeoutMs: number('finTimeoutMs', DEFAULT_FIN_TIMEOUT_MS, 1, day),
    keepAliveDelayMs: number('keepAliveDelayMs', DEFAULT_KEEPALIVE_DELAY_MS, 0, day),
    maxConnections: number('maxConnections', 0, 0, 10_000_000),
    maxConnectionsPerClient: number('maxConnectionsPerClient', 0, 0, 10_000_000),
    allow: allowList(issues, value.allow, `${option}.allow`),
    proxyProtocol: proxyProtocol === 1 || proxyProtocol === 2 ? proxyProtocol : 0,
    sniffDicom: value.sniffDicom === true,
    retryOnEmpty: value.retryOnEmpty === true,
    firstResponseTimeoutMs: number('firstResponseTimeoutMs', DEFAULT_FIRST_RESPONSE_TIMEOUT_MS, 0, 600_000),
    onMarkedDown: onMarkedDown === 'shutdown' ? 'shutdown' : 'keep',
    passiveFailures: integer(
      issues,
      passiveOptions.failures,
      `${option}.passive.failures`,
      DEFAULT_PASSIVE_FAILURES,
      1,
      1_000,
    ),
    passiveHoldMs: integer(
      issues,
      passiveOptions.holdMs,
      `${option}.passive.holdMs`,
      DEFAULT_PASSIVE_HOLD_MS,
      0,
      day,
    ),
    check: resolvedCheck,
    backlog: number('backlog', DEFAULT_BACKLOG, 1, 65_535),
  }
}

function services(issues: Issues, value: unknown, option: string): ResolvedService[] {
  if (!Array.isArray(value)) {
    report(issues, option, 'expected an array of services')
    return []
  }
  const resolved = value.map((entry, i) => service(issues, entry, `${option}[${i}]`))
  const names = new Set<string>()
  for (const [i, entry] of resolved.entries()) {
    if (entry === null || !NAME_RE.test(entry.name)) continue
    if (names.has(entry.name)) report(issues, `${option}[${i}].name`, `duplicate "${entry.name}"`)
    names.add(entry.name)
  }
  return resolved.filter((entry): entry is ResolvedService => entry !== null)
}

function throwFirst(issues: Issues): void {
  const first = issues[0]
  if (first) throw optionsInvalid(first.path, first.message)
}

/**
 * Every problem with the forwarder's service options at once, each with the dotted path of its option
 * (`services[1].check.timeoutMs`); an empty list when `createForwarder` and `update` accept them. Pure: nothing
 * is bound, resolved or scheduled. The collaborators (`addressSource`, `health`) are objects, not
 * options, and are checked by `createForwarder`.
 */
export function validateForwarderOptions(options: { services: unknown }): ForwarderOptionIssue[] {
  const issues: Issues = []
  if (!isObject(options)) report(issues, 'options', 'expected an object')
  else services(issues, options.services, 'services')
  return issues
}

/** Validates one service and fills in defaults; throws an OPTIONS_INVALID ForwarderError naming the first bad option. */
export function resolveService(value: unknown, option: string): ResolvedService {
  const issues: Issues = []
  const resolved = service(issues, value, option)
  throwFirst(issues)
  return resolved as ResolvedService
}

/** Validates the whole service list (unique names) and returns the resolved services; throws on the first problem. */
export function resolveServices(value: unknown, option = 'services'): ResolvedService[] {
  const issues: Issues = []
  const resolved = services(issues, value, option)
  throwFirst(issues)
  return resolved
}
