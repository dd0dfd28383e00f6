import { execFile } from 'node:child_process'

/**
 * Reading the kernel's routes with iproute2's `ip -json` (no privilege needed). Linux acknowledges at once on a
 * route that carries `quickack 1`, for every TCP socket whose route to its peer is that route; see decision 0023.
 */

/** Runs `ip` with these arguments; resolves to its stdout, rejects with an IpError. */
export type IpRunner = (args: readonly string[]) => Promise<string>

/** Why `ip` failed: `noRoute` when the kernel answered that there is no usable route (not a failure of the tool). */
export class IpError extends Error {
  constructor(
    message: string,
    readonly noRoute = false,
  ) {
    super(message)
    this.name = 'IpError'
  }
}

/** One route as `ip -json route` prints it (the fields this module reads, type-checked; others kept as they came). */
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

/** The kernel's errno texts for the routes that exist but refuse (`ip route add blackhole|prohibit …`). */
const REFUSING_ROUTES: Record<string, string> = {
  'Invalid argument': 'a blackhole route (Invalid argument)',
  'Permission denied': 'a prohibit route (Permission denied)',
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
        if (said.startsWith('RTNETLINK answers: ')) {
          const answer = said.slice(19)
          return reject(new IpError(REFUSING_ROUTES[answer] ?? answer, true))
        }
        reject(new IpError(`${command} failed: ${said.slice(0, 200) || error.message}`))
      },
    )
  })
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
const STRING_FIELDS = ['type', 'gateway', 'dev', 'protocol', 'scope', 'prefsrc', 'table', 'pref'] as const
/** `default`, or an address with an optional prefix length: what a `dst` is, and nothing `ip` could read as a keyword. */
const DST = /^(default|[0-9a-fA-F.:]+(\/\d{1,3})?)$/

function wellFormed(route: unknown): route is IpRoute {
  if (!isRecord(route) || typeof route.dst !== 'string' || !DST.test(route.dst)) return false
  if (STRING_FIELDS.some((key) => route[key] !== undefined && typeof route[key] !== 'string')) return false
  if (route.metric !== undefined && !(Number.isSafeInteger(route.metric) && (route.metric as number) >= 0))
    return false
  if (
    route.flags !== undefined &&
    !(Array.isArray(route.flags) && route.flags.every((f) => typeof f === 'string'))
  )
    return false
  return route.metrics === undefined || (Array.isArray(route.metrics) && route.metrics.every(isRecord))
}

/** Parses `ip -json route …` output into routes; throws an IpError when it is not the JSON iproute2 prints. */
export function parseRoutes(text: string): IpRoute[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new IpError(`'ip -json' printed something that is not JSON: ${JSON.stringify(text.slice(0, 80))}`)
  }
  if (!Array.isArray(parsed) || !parsed.every(wellFormed))
    throw new IpError(`'ip -json' printed an unexpected shape: ${JSON.stringify(text.slice(0, 80))}`)
  return parsed
}
