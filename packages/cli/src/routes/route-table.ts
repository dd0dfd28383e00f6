import { execFile } from 'node:child_process'
import { isIPv6 } from 'node:net'

/**
 * Reading the kernel's routes with iproute2's `ip -json` (no privilege needed). Linux acknowledges at once on a
 * route that carries `quickack 1`, for every TCP socket whose route to its peer is that route; see decision 0023.
 */

/** Runs `ip` with these arguments; resolves to its stdout, rejects with an Error whose message says why. */
export type IpRunner = (args: readonly string[]) => Promise<string>

/** One route as `ip -json route` prints it (the fields this module reads). */
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
  flags?: string[]
  nexthops?: unknown[]
  metrics?: Record<string, unknown>[]
}

/** How the LB reaches a peer: the route `ip route get` picks and whether it carries `quickack 1`. */
export type RouteVerdict =
  | { kind: 'quickack'; route: IpRoute }
  | { kind: 'missing'; route: IpRoute; change?: string }
  | { kind: 'local'; route: IpRoute }
  | { kind: 'unreachable'; error: string }

const IP_TIMEOUT_MS = 3_000
const IP_MAX_OUTPUT = 1 << 20
const IP_PATHS = ['ip', '/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip']

/** Runs the system's `ip` (the first of PATH, /usr/sbin, /sbin, /usr/bin, /bin), each call bounded to 3 s and 1 MiB. */
export const systemIp: IpRunner = async (args) => {
  let lastError: Error | undefined
  for (const binary of IP_PATHS) {
    try {
      return await runIp(binary, args)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      lastError = error as Error
    }
  }
  throw Object.assign(new Error(`'ip' (iproute2) is not installed: ${lastError?.message}`), {
    code: 'ENOENT',
  })
}

function runIp(binary: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      { timeout: IP_TIMEOUT_MS, maxBuffer: IP_MAX_OUTPUT, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout)
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reject(error)
        const why = error.killed ? `no answer within ${IP_TIMEOUT_MS} ms` : stderr.trim() || error.message
        reject(new Error(why))
      },
    )
  })
}

/** Parses `ip -json route …` output into routes; throws when it is not the JSON array iproute2 prints. */
export function parseRoutes(text: string): IpRoute[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new Error(`'ip -json' printed something that is not JSON: ${JSON.stringify(text.slice(0, 80))}`)
  }
  if (!Array.isArray(parsed) || !parsed.every((r) => typeof r === 'object' && r && typeof r.dst === 'string'))
    throw new Error(`'ip -json' printed an unexpected shape: ${JSON.stringify(text.slice(0, 80))}`)
  return parsed as IpRoute[]
}

export function hasQuickack(route: IpRoute): boolean {
  return (route.metrics ?? []).some((m) => m.quickack === 1)
}

/** The route the kernel takes to `address` (policy rules included), and whether it acknowledges at once. */
export async function routeVerdict(address: string, run: IpRunner): Promise<RouteVerdict> {
  const family = isIPv6(address) ? '-6' : '-4'
  let route: IpRoute | undefined
  try {
    route = parseRoutes(await run([family, '-json', 'route', 'get', address]))[0]
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error
    return { kind: 'unreachable', error: (error as Error).message.replace(/^RTNETLINK answers: /, '') }
  }
  if (!route) return { kind: 'unreachable', error: 'ip route get printed no route' }
  if (route.type === 'local') return { kind: 'local', route }
  if (hasQuickack(route)) return { kind: 'quickack', route }
  const change = await changeCommand(address, route, family, run).catch(() => undefined)
  return { kind: 'missing', route, ...(change ? { change } : {}) }
}

/**
 * The `ip route change` that adds `quickack 1` to the main-table route `route get` chose for `address`: the longest
 * prefix of `ip route show match` that goes the same way, printed with everything `change` would otherwise drop.
 * Undefined when that route is not in the main table (policy routing) or has several next hops.
 */
async function changeCommand(
  address: string,
  chosen: IpRoute,
  family: '-4' | '-6',
  run: IpRunner,
): Promise<string | undefined> {
  const candidates = parseRoutes(await run([family, '-json', 'route', 'show', 'match', address]))
    .filter((r) => !r.nexthops && r.dev === chosen.dev && r.gateway === chosen.gateway)
    .sort((a, b) => prefixLength(b.dst) - prefixLength(a.dst))
  const route = candidates[0]
  if (!route) return undefined
  const words = ['ip', ...(family === '-6' ? ['-6'] : []), 'route', 'change', route.dst]
  if (route.gateway) words.push('via', route.gateway)
  if (route.dev) words.push('dev', route.dev)
  if (route.protocol) words.push('proto', route.protocol)
  if (route.scope && route.scope !== 'global') words.push('scope', route.scope)
  if (route.prefsrc) words.push('src', route.prefsrc)
  if (route.metric !== undefined) words.push('metric', String(route.metric))
  if (route.flags?.includes('onlink')) words.push('onlink')
  for (const metrics of route.metrics ?? [])
    for (const [key, value] of Object.entries(metrics)) {
      if (key === 'quickack') continue
      // A metric we cannot print back would be dropped by `change`: better no command than a lossy one.
      if (typeof value !== 'number' && typeof value !== 'string') return undefined
      words.push(key, String(value))
    }
  words.push('quickack', '1')
  return words.join(' ')
}

function prefixLength(dst: string): number {
  if (dst === 'default') return 0
  const slash = dst.indexOf('/')
  return slash < 0 ? (dst.includes(':') ? 128 : 32) : Number(dst.slice(slash + 1))
}
