import { execFile } from 'node:child_process'
import { isIPv6 } from 'node:net'

/**
 * Reading the kernel's routes with iproute2's `ip -json` (no privilege needed). Linux acknowledges at once on a
 * route that carries `quickack 1`, for every TCP socket whose route to its peer is that route; see decision 0023.
 */

/** Runs `ip` with these arguments; resolves to its stdout, rejects with an IpError. */
export type IpRunner = (args: readonly string[]) => Promise<string>

/** Why `ip` failed: `noRoute` when the kernel answered that there is no route (not a failure of the tool). */
export class IpError extends Error {
  constructor(
    message: string,
    readonly noRoute = false,
  ) {
    super(message)
    this.name = 'IpError'
  }
}

/** One route as `ip -json route` prints it (the fields this module reads; others are kept as they came). */
export interface IpRoute {
  type?: string
  dst: string
  gateway?: string
  dev?: string
  protocol?: string
  scope?: string
  prefsrc?: string
  metric?: number
  table?: string
  pref?: string
  flags?: string[]
  metrics?: Record<string, unknown>[]
  [key: string]: unknown
}

/** How the LB reaches a peer: the route `ip route get` picks and whether it carries `quickack 1`. */
export type RouteVerdict =
  | { kind: 'quickack'; route: IpRoute }
  | { kind: 'missing'; route: IpRoute; change?: string; noChange?: string }
  | { kind: 'local'; route: IpRoute }
  | { kind: 'unreachable'; error: string }

const IP_TIMEOUT_MS = 3_000
const IP_MAX_OUTPUT = 1 << 20
const IP_PATHS = ['ip', '/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip']

/** Runs the system's `ip` (the first of PATH, /usr/sbin, /sbin, /usr/bin, /bin), each call bounded to 3 s and 1 MiB. */
export const systemIp: IpRunner = async (args) => {
  for (const binary of IP_PATHS) {
    try {
      return await runIp(binary, args)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  throw new IpError(`'ip' (iproute2) is not installed: apt-get install iproute2`)
}

function runIp(binary: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      { timeout: IP_TIMEOUT_MS, maxBuffer: IP_MAX_OUTPUT, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout)
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'ENOENT') return reject(error)
        const command = `ip ${args.join(' ')}`
        if (code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER')
          return reject(new IpError(`${command} printed more than ${IP_MAX_OUTPUT} bytes`))
        if (error.killed) return reject(new IpError(`${command} did not answer within ${IP_TIMEOUT_MS} ms`))
        const said = stderr.trim().split('\n')[0] ?? ''
        // "RTNETLINK answers: Network is unreachable": the kernel's answer about the route, not a broken tool
        if (said.startsWith('RTNETLINK answers: ')) return reject(new IpError(said.slice(19), true))
        reject(new IpError(`${command} failed: ${said || error.message}`))
      },
    )
  })
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** Parses `ip -json route …` output into routes; throws an IpError when it is not the JSON iproute2 prints. */
export function parseRoutes(text: string): IpRoute[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new IpError(`'ip -json' printed something that is not JSON: ${JSON.stringify(text.slice(0, 80))}`)
  }
  const wellFormed = (route: unknown) =>
    isRecord(route) &&
    typeof route.dst === 'string' &&
    (route.flags === undefined ||
      (Array.isArray(route.flags) && route.flags.every((f) => typeof f === 'string'))) &&
    (route.metrics === undefined || (Array.isArray(route.metrics) && route.metrics.every(isRecord)))
  if (!Array.isArray(parsed) || !parsed.every(wellFormed))
    throw new IpError(`'ip -json' printed an unexpected shape: ${JSON.stringify(text.slice(0, 80))}`)
  return parsed as IpRoute[]
}

export function hasQuickack(route: IpRoute): boolean {
  return (route.metrics ?? []).some((m) => m.quickack === 1)
}

/** `::ffff:10.1.2.3` is reached over IPv4: ask the IPv4 table. */
const unmapped = (address: string) => address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1')

/** The route the kernel takes to `address` (policy rules included), and whether it acknowledges at once. */
export async function routeVerdict(peer: string, run: IpRunner): Promise<RouteVerdict> {
  const address = unmapped(peer)
  const family = isIPv6(address) ? '-6' : '-4'
  let route: IpRoute | undefined
  try {
    route = parseRoutes(await run([family, '-json', 'route', 'get', address]))[0]
  } catch (error) {
    if (error instanceof IpError && error.noRoute) return { kind: 'unreachable', error: error.message }
    throw error
  }
  if (!route) throw new IpError(`ip route get ${address} printed no route`)
  if (route.type === 'local') return { kind: 'local', route }
  if (hasQuickack(route)) return { kind: 'quickack', route }
  return { kind: 'missing', route, ...(await changeCommand(address, family, run)) }
}

/** Route keys the command prints back; any other key (tos, via, nhid, expires, encap, realms…) means no command. */
const ROUTE_KEYS = new Set([
  'type',
  'dst',
  'gateway',
  'dev',
  'table',
  'protocol',
  'scope',
  'prefsrc',
  'metric',
])
ROUTE_KEYS.add('flags').add('metrics').add('pref')
/** Flags that only describe the route's state (not given to `ip route change`). */
const STATE_FLAGS = new Set([
  'linkdown',
  'dead',
  'offload',
  'trap',
  'offload_failed',
  'rt_offload',
  'rt_trap',
])
/** Protocols of routes written by hand or a static network configuration, where `change` is the operator's to make. */
const STATIC_PROTOCOLS = new Set(['kernel', 'boot', 'static'])
/** Metrics whose `ip -json` value `ip route change` takes back as printed (`rtt` and co. need a unit). */
const PLAIN_METRICS = new Set([
  'mtu',
  'advmss',
  'window',
  'cwnd',
  'initcwnd',
  'initrwnd',
  'ssthresh',
  'reordering',
  'hoplimit',
])
const MILLISECOND_METRICS = new Set(['rtt', 'rttvar', 'rto_min'])

/**
 * The `ip route change` that adds `quickack 1` to the exact route the kernel uses for `address`
 * (`ip route get fibmatch`), printed with every attribute `change` would otherwise drop — or, where that cannot be
 * done faithfully (another table, several next hops, a route a daemon or DHCP owns, attributes `ip -json` does not
 * print back), no command and the reason.
 */
async function changeCommand(
  address: string,
  family: '-4' | '-6',
  run: IpRunner,
): Promise<{ change: string } | { noChange: string }> {
  let route: IpRoute | undefined
  let text: string
  try {
    route = parseRoutes(await run([family, '-d', '-json', 'route', 'get', 'fibmatch', address]))[0]
    text = await run([family, 'route', 'get', 'fibmatch', address])
  } catch (error) {
    return { noChange: `its route could not be read: ${(error as Error).message}` }
  }
  if (!route) return { noChange: 'ip route get fibmatch printed no route' }
  if (route.table !== undefined && route.table !== 'main')
    return {
      noChange: `it is in routing table ${route.table} (policy routing): add quickack 1 where that table is set up`,
    }
  if (route.type !== undefined && route.type !== 'unicast') return { noChange: `it is a ${route.type} route` }
  if (route.protocol !== undefined && !STATIC_PROTOCOLS.has(route.protocol))
    return {
      noChange: `${route.protocol} wrote it and would write it again: set quickack 1 where ${route.protocol}'s routes are configured`,
    }
  if ('nexthops' in route || 'nhid' in route)
    return { noChange: 'it has several next hops (or a nexthop object): add quickack 1 to it by hand' }
  const unknown = Object.keys(route).filter((key) => !ROUTE_KEYS.has(key))
  if (unknown.length > 0)
    return {
      noChange: `it has attributes this command does not print back (${unknown.join(', ')}): add quickack 1 to it by hand`,
    }
  const words = ['ip', ...(family === '-6' ? ['-6'] : []), 'route', 'change', route.dst]
  if (route.gateway) words.push('via', route.gateway)
  if (route.dev) words.push('dev', route.dev)
  if (route.protocol) words.push('proto', route.protocol)
  if (route.scope) words.push('scope', route.scope)
  if (route.prefsrc) words.push('src', route.prefsrc)
  if (route.metric !== undefined) words.push('metric', String(route.metric))
  for (const flag of route.flags ?? []) {
    if (flag === 'onlink') words.push('onlink')
    else if (!STATE_FLAGS.has(flag))
      return { noChange: `it has the flag ${flag}: add quickack 1 to it by hand` }
  }
  for (const metrics of route.metrics ?? [])
    for (const [key, value] of Object.entries(metrics)) {
      if (key === 'quickack') continue
      const locked = new RegExp(`(^|\\s)${key} lock\\s`).test(text) ? ['lock'] : []
      if (PLAIN_METRICS.has(key) && typeof value === 'number') words.push(key, ...locked, String(value))
      else if (MILLISECOND_METRICS.has(key) && typeof value === 'number')
        words.push(key, ...locked, `${value}ms`)
      else if (key === 'congestion' && typeof value === 'string') words.push('congctl', ...locked, value)
      else
        return {
          noChange: `it has the metric ${key}, which this command does not print back: add quickack 1 to it by hand`,
        }
    }
  if (route.pref) words.push('pref', route.pref)
  words.push('quickack', '1')
  return { change: words.map(shellWord).join(' ') }
}

/** A word the shell takes as it is: names from `ip`'s output may hold anything an interface name can. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9._:/@%+=-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}
