import type { RoutePeer } from './peers.js'
import { type IpRoute, type IpRunner, type RouteVerdict, routeVerdict } from './route-table.js'

export const MAX_CHECKED_PEERS = 2_048
const CONCURRENCY = 8

export type CheckedPeer = RoutePeer & RouteVerdict

export interface RouteCheck {
  /** Every peer checked, in the order given (`--to` first). */
  peers: CheckedPeer[]
  /** Peers left unchecked beyond MAX_CHECKED_PEERS: not a pass. */
  notChecked: number
  /** Peers whose route lacks `quickack 1` or that have no route, plus the unchecked ones. */
  failing: number
}

/**
 * Asks the kernel for each peer's route (at most MAX_CHECKED_PEERS, 8 `ip` processes at a time). A client subnet
 * whose first address is this host is checked at its fallback address instead.
 */
export async function checkRoutes(peers: readonly RoutePeer[], run: IpRunner): Promise<RouteCheck> {
  const todo = peers.slice(0, MAX_CHECKED_PEERS)
  const checked: CheckedPeer[] = new Array(todo.length)
  let next = 0
  const check = async (peer: RoutePeer): Promise<CheckedPeer> => {
    const verdict = await routeVerdict(peer.address, run)
    if (verdict.kind !== 'local' || !peer.fallback) return { ...peer, ...verdict }
    const { fallback, ...rest } = peer
    return { ...rest, address: fallback, ...(await routeVerdict(fallback, run)) }
  }
  const worker = async () => {
    while (next < todo.length) {
      const index = next++
      checked[index] = await check(todo[index]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, todo.length) }, worker))
  const notChecked = peers.length - todo.length
  return {
    peers: checked,
    notChecked,
    failing: notChecked + checked.filter((p) => p.kind === 'missing' || p.kind === 'unreachable').length,
  }
}

const describeRoute = (route: IpRoute) =>
  [route.gateway ? `via ${route.gateway}` : '', route.dev ? `dev ${route.dev}` : '']
    .filter(Boolean)
    .join(' ') || route.dst

const VERDICT_WORDS: Record<RouteVerdict['kind'], string> = {
  quickack: 'quickack',
  missing: 'NO QUICKACK',
  local: 'this host',
  unreachable: 'NO ROUTE',
}

/**
 * The table an operator reads, then the commands that set the attribute now (persisting it is the docs' part).
 * `elsewhere`: backend names resolved outside this config, whose addresses only `--to` can bring in.
 */
export function formatRouteCheck(check: RouteCheck, node: string, elsewhere: readonly string[] = []): string {
  const out = [
    `quickack on the routes of node ${node} to its DICOM peers (docs/operations.md, "Sending a study is slow"):`,
  ]
  const addressWidth = Math.max(...check.peers.map((p) => p.address.length), 7)
  const verdictWidth = Math.max(...check.peers.map((p) => VERDICT_WORDS[p.kind].length), 8)
  const routes = check.peers.map((p) => ('route' in p ? describeRoute(p.route) : p.error))
  const routeWidth = Math.max(...routes.map((r) => r.length), 0)
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
  if (elsewhere.length > 0)
    out.push(
      `backend names resolved outside this config (${elsewhere.join(', ')}): name the addresses they resolve to with --to`,
    )
  if (check.notChecked > 0)
    out.push(
      `${check.notChecked} more peers not checked (the first ${MAX_CHECKED_PEERS} were; --to addresses come first)`,
    )
  const missing = check.peers.filter((p) => p.kind === 'missing')
  const unreachable = check.peers.filter((p) => p.kind === 'unreachable')
  if (missing.length > 0) {
    out.push(
      `${missing.length} of ${check.peers.length} peers are reached by routes without quickack: Nagle-on peers wait for delayed ACKs (40 ms and more per exchange). Set it now with:`,
    )
    const commands = [...new Set(missing.flatMap((p) => (p.change ? [p.change] : [])))]
    for (const command of commands) out.push(`  ${command}`)
    const reasons = new Map<string, string[]>()
    for (const peer of missing)
      if (peer.noChange) reasons.set(peer.noChange, [...(reasons.get(peer.noChange) ?? []), peer.address])
    for (const [reason, addresses] of reasons)
      out.push(`  (no command for ${addresses.join(', ')}: ${reason})`)
    out.push('and make it survive a reboot in the network configuration (docs/operations.md shows how).')
  }
  if (unreachable.length > 0) out.push(`${unreachable.length} peers have no route from this host.`)
  if (check.failing === 0 && check.peers.length > 0) out.push('every route to a peer acknowledges at once.')
  return out.join('\n')
}
