import type { RoutePeer } from './peers.js'
import { type IpRoute, type IpRunner, type RouteVerdict, routeVerdict } from './route-table.js'

export const MAX_CHECKED_PEERS = 512
const CONCURRENCY = 8

export type CheckedPeer = RoutePeer & RouteVerdict

export interface RouteCheck {
  /** Every peer checked, in the order given. */
  peers: CheckedPeer[]
  /** Peers left unchecked beyond MAX_CHECKED_PEERS. */
  notChecked: number
  /** Peers whose route lacks `quickack 1`, plus peers with no route at all. */
  failing: number
}

/** Asks the kernel for each peer's route (at most MAX_CHECKED_PEERS, 8 `ip` processes at a time). */
export async function checkRoutes(peers: readonly RoutePeer[], run: IpRunner): Promise<RouteCheck> {
  const todo = peers.slice(0, MAX_CHECKED_PEERS)
  const checked: CheckedPeer[] = new Array(todo.length)
  let next = 0
  const worker = async () => {
    while (next < todo.length) {
      const index = next++
      checked[index] = { ...todo[index]!, ...(await routeVerdict(todo[index]!.address, run)) }
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, todo.length) }, worker))
  return {
    peers: checked,
    notChecked: peers.length - todo.length,
    failing: checked.filter((p) => p.kind === 'missing' || p.kind === 'unreachable').length,
  }
}

const describeRoute = (route: IpRoute) =>
  [route.gateway ? `via ${route.gateway}` : '', route.dev ? `dev ${route.dev}` : ''].filter(Boolean).join(' ')

const VERDICT_WORDS: Record<RouteVerdict['kind'], string> = {
  quickack: 'quickack',
  missing: 'NO QUICKACK',
  local: 'this host',
  unreachable: 'NO ROUTE',
}

/** The table an operator reads, then the commands that set the attribute now (persisting it is the docs' part). */
export function formatRouteCheck(check: RouteCheck, node: string): string {
  const out = [
    `quickack on the routes of node ${node} to its DICOM peers (docs/operations.md, "Sending a study is slow"):`,
  ]
  const addressWidth = Math.max(...check.peers.map((p) => p.address.length), 7)
  const verdictWidth = Math.max(...check.peers.map((p) => VERDICT_WORDS[p.kind].length))
  const routes = check.peers.map((p) => ('route' in p ? describeRoute(p.route) : p.error))
  const routeWidth = Math.max(...routes.map((r) => r.length))
  for (const [i, peer] of check.peers.entries())
    out.push(
      `  ${peer.address.padEnd(addressWidth)}  ${VERDICT_WORDS[peer.kind].padEnd(verdictWidth)}  ${routes[i]!.padEnd(routeWidth)}  ${peer.roles.join('; ')}`,
    )
  if (check.peers.length === 0)
    out.push('  (no peers: the config names no servers, pool members or client subnets)')
  if (!check.peers.some((p) => p.roles.some((r) => r.startsWith('clients') || r === 'named with --to')))
    out.push(
      'no client subnets in the config (topology.datacenters, services.*.allow): name modalities with --to <address>',
    )
  if (check.notChecked > 0)
    out.push(`${check.notChecked} more peers not checked (the first ${MAX_CHECKED_PEERS} were)`)
  const missing = check.peers.filter((p) => p.kind === 'missing')
  const unreachable = check.peers.filter((p) => p.kind === 'unreachable')
  if (missing.length > 0) {
    out.push(
      `${missing.length} of ${check.peers.length} peers are reached by routes without quickack: Nagle-on peers wait for delayed ACKs (40 ms and more per exchange). Set it now with:`,
    )
    const commands = [...new Set(missing.map((p) => p.change).filter((c): c is string => c !== undefined))]
    for (const command of commands) out.push(`  ${command}`)
    const uncovered = missing.filter((p) => p.change === undefined)
    for (const peer of uncovered)
      out.push(
        `  (${peer.address}: its route ${describeRoute(peer.route)} is not a single-path route of the main table: add quickack 1 where it is defined)`,
      )
    out.push('and make it survive a reboot in the network configuration (docs/operations.md shows how).')
  }
  if (unreachable.length > 0) out.push(`${unreachable.length} peers have no route from this host.`)
  if (missing.length === 0 && unreachable.length === 0 && check.peers.length > 0)
    out.push('every route to a peer acknowledges at once.')
  return out.join('\n')
}
