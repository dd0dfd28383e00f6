import { formatAddress, tryParseAddress, unmapAddress } from '@gslb/topology'
import { changeCommand } from './change-command.js'
import { IpError, type IpRoute, type IpRunner, parseRoutes } from './ip.js'

/** How the LB reaches a peer: the route `ip route get` picks and whether it carries `quickack 1`. */
export type RouteVerdict =
  | { kind: 'quickack'; route: IpRoute }
  | {
      kind: 'missing'
      route: IpRoute
      prefix?: string
      change?: string
      connected?: boolean
      noChange?: string
    }
  | { kind: 'local'; route: IpRoute }
  | { kind: 'unreachable'; error: string }

function hasQuickack(route: IpRoute): boolean {
  return (route.metrics ?? []).some((m) => m.quickack === 1)
}

/** The route the kernel takes to `peer` (policy rules included), and whether it acknowledges at once. */
export async function routeVerdict(peer: string, run: IpRunner): Promise<RouteVerdict> {
  const parsed = tryParseAddress(peer)
  if (!parsed) throw new IpError(`'${peer}' is not an IP address`)
  // ::ffff:10.1.2.3 (in any spelling) is reached over IPv4: ask the IPv4 table
  const bytes = unmapAddress(parsed.bytes)
  const address = formatAddress(bytes)
  const family = bytes.length === 4 ? '-4' : '-6'
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
