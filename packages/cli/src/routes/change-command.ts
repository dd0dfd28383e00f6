import { IpError, type IpRoute, type IpRunner, parseRoutes } from './ip.js'

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
  'flags',
  'metrics',
  'pref',
])
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
/** Metrics whose `ip -json` value `ip route change` takes back as printed, by their JSON name. */
const PLAIN_METRICS = new Set([
  'mtu',
  'advmss',
  'window',
  'cwnd',
  'initcwnd',
  'initrwnd',
  'ssthresh',
  'hoplimit',
  'reordering',
])
/** Metrics `ip -json` prints in milliseconds, rounded down: given back with the unit, and only when not rounded to 0. */
const MILLISECOND_METRICS = new Set(['rtt', 'rttvar', 'rto_min'])

type Outcome = { prefix: string; connected: boolean } & ({ change: string } | { noChange: string })

/**
 * The `ip route change` that adds `quickack 1` to the exact route the kernel uses for `address`
 * (`ip route get fibmatch`), with everything else the route has — or, where that cannot be done faithfully (another
 * table, several next hops, a sibling route `change` could hit instead, a route DHCP or a daemon owns, attributes
 * `ip -json` does not print back), no command and the reason. A failing `ip` is thrown (IpError).
 */
export async function changeCommand(address: string, family: '-4' | '-6', run: IpRunner): Promise<Outcome> {
  const route = parseRoutes(await run([family, '-d', '-json', 'route', 'get', 'fibmatch', address]))[0]
  if (!route) throw new IpError(`ip route get fibmatch ${address} printed no route`)
  const outcome = (result: { change: string } | { noChange: string }): Outcome => ({
    prefix: route.dst,
    connected: route.protocol === 'kernel',
    ...result,
  })
  const refusal = routeRefusal(route) ?? (await siblingRefusal(route, family, run))
  if (refusal) return outcome({ noChange: refusal })
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
      return outcome({ noChange: `it has the flag ${flag}: add quickack 1 by hand` })
  }
  if ((route.metrics ?? []).length > 0) {
    const text = (await run([family, 'route', 'get', 'fibmatch', address])).split(/\s+/)
    const metrics = metricWords(route, text)
    if (typeof metrics === 'string') return outcome({ noChange: metrics })
    words.push(...metrics)
  }
  if (route.pref) words.push('pref', route.pref)
  words.push('quickack', '1')
  return outcome({ change: words.map(shellWord).join(' ') })
}

/** Why the route itself cannot be given back faithfully, or undefined. */
function routeRefusal(route: IpRoute): string | undefined {
  if (route.type !== undefined && route.type !== 'unicast') return `it is a ${route.type} route`
  if (route.table !== undefined && route.table !== 'main')
    return `it is in routing table ${route.table} (policy routing): add quickack 1 where that table is set up`
  if ('nexthops' in route || 'nhid' in route)
    return 'it has several next hops (or a nexthop object): add quickack 1 by hand'
  if (route.protocol !== undefined && !STATIC_PROTOCOLS.has(route.protocol))
    return `${route.protocol} wrote it and would write it again: set quickack 1 where ${route.protocol}'s routes are configured`
  const unknown = Object.keys(route).filter((key) => !ROUTE_KEYS.has(key))
  if (unknown.length > 0)
    return `it has attributes this command does not print back (${unknown.join(', ')}): add quickack 1 by hand`
  return undefined
}

/** `change` replaces the first route of the table with the same prefix and metric: refuse when there are several. */
async function siblingRefusal(
  route: IpRoute,
  family: '-4' | '-6',
  run: IpRunner,
): Promise<string | undefined> {
  const exact = parseRoutes(
    await run([family, '-json', 'route', 'show', 'table', 'main', 'exact', route.dst]),
  )
  const siblings = exact.filter(
    (r) => (r.metric ?? 0) === (route.metric ?? 0) && (r.type ?? 'unicast') === 'unicast',
  )
  return siblings.length > 1
    ? `${siblings.length} routes to ${route.dst} share metric ${route.metric ?? 0}, and change could replace another one: add quickack 1 by hand`
    : undefined
}

/** The metrics as `ip route change` words (locks read from the text form), or why they cannot be given back. */
function metricWords(route: IpRoute, text: readonly string[]): string[] | string {
  const words: string[] = []
  const locked = (name: string) => text.some((word, i) => word === name && text[i + 1] === 'lock')
  for (const metrics of route.metrics ?? [])
    for (const [key, value] of Object.entries(metrics)) {
      if (key === 'quickack') continue
      if (PLAIN_METRICS.has(key) && Number.isSafeInteger(value))
        words.push(key, ...(locked(key) ? ['lock'] : []), String(value))
      else if (MILLISECOND_METRICS.has(key) && Number.isSafeInteger(value) && (value as number) > 0)
        // iproute2 prints rto_min always locked and refuses "lock" for it on input
        words.push(key, ...(key !== 'rto_min' && locked(key) ? ['lock'] : []), `${value}ms`)
      else if (key === 'congestion' && typeof value === 'string')
        words.push('congctl', ...(locked('congctl') ? ['lock'] : []), value)
      else
        return `it has the metric ${key} ${JSON.stringify(value)}, which this command does not print back: add quickack 1 by hand`
    }
  return words
}

/** A word the shell takes as it is: names from `ip`'s output may hold anything an interface name can. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9._:/@%+=-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}
