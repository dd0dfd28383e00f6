import type { IpRoute, IpRunner } from './ip.js'
import type { RoutePeer } from './peers.js'
import { type RouteVerdict, routeVerdict } from './verdict.js'

export const MAX_CHECKED_PEERS = 2_048
const CONCURRENCY = 8
/** The whole check's bound (each `ip` call has its own 3 s): what is left unchecked then is reported, not passed. */
const CHECK_DEADLINE_MS = 60_000

export type CheckedPeer = RoutePeer & RouteVerdict

export interface RouteCheck {
  /** Every peer checked, in the order given (`--to` first). */
  peers: CheckedPeer[]
  /** Peers left unchecked (beyond MAX_CHECKED_PEERS, or after the 60 s deadline): not a pass. */
  notChecked: number
  /** Peers whose route lacks `quickack 1` or that have no route, plus the unchecked ones. */
  failing: number
}

/**
 * Asks the kernel for each peer's route (at most MAX_CHECKED_PEERS, 8 `ip` processes at a time, 60 s in all). A
 * client subnet whose first address is this host is checked at its fallback address instead.
 */
export async function checkRoutes(
  peers: readonly RoutePeer[],
  run: IpRunner,
  { deadlineMs = CHECK_DEADLINE_MS }: { deadlineMs?: number } = {},
): Promise<RouteCheck> {
  const queue = peers.slice(0, MAX_CHECKED_PEERS)
  const checked: CheckedPeer[] = []
  const deadline = Date.now() + deadlineMs
  let next = 0
  let failed = false
  const check = async (peer: RoutePeer): Promise<CheckedPeer> => {
    const verdict = await routeVerdict(peer.address, run)
    if (verdict.kind !== 'local' || !peer.fallback) return { ...peer, ...verdict }
    const { fallback, ...rest } = peer
    return { ...rest, address: fallback, ...(await routeVerdict(fallback, run)) }
  }
  // One failing `ip` ends the check: the other workers stop after their current call instead of going on.
  const worker = async () => {
    while (!failed && next < queue.length && Date.now() < deadline) {
      const index = next++
      try {
        checked[index] = await check(queue[index]!)
      } catch (error) {
        failed = true
        throw error
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker))
  // workers fill their own indexes; flat() closes the holes left where the deadline stopped them
  const done = checked.flat()
  const notChecked = peers.length - done.length
  return {
    peers: done,
    notChecked,
    failing: notChecked + done.filter((p) => p.kind === 'missing' || p.kind === 'unreachable').length,
  }
}

/** `10.5.0.0/16 via 10.1.0.254 dev eth0`: the matched prefix when known, then where the route goes. */
const describeRoute = (route: IpRoute, prefix?: string) =>
  [prefix, route.gateway ? `via ${route.gateway}` : '', route.dev ? `dev ${route.dev}` : '']
    .filter(Boolean)
    .join(' ') || route.dst

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

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
  const routes = check.peers.map((p) =>
    p.kind === 'unreachable' ? p.error : describeRoute(p.route, p.kind === 'missing' ? p.prefix : undefined),
  )
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
      `${plural(check.notChecked, 'more peer', 'more peers')} not checked (at most ${MAX_CHECKED_PEERS} and 60 s; --to addresses come first)`,
    )
  const missing = check.peers.filter((p) => p.kind === 'missing')
  const unreachable = check.peers.filter((p) => p.kind === 'unreachable')
  if (missing.length > 0) {
    out.push(
      `${missing.length} of ${plural(check.peers.length, 'peer is', 'peers are')} reached by routes without quickack: Nagle-on peers wait for delayed ACKs (40 ms and more per exchange).`,
    )
    const commands = [...new Set(missing.flatMap((p) => (p.change ? [p.change] : [])))]
    if (commands.length > 0) out.push('Set it now with:', ...commands.map((command) => `  ${command}`))
    const reasons = new Map<string, string[]>()
    for (const peer of missing)
      if (peer.noChange) reasons.set(peer.noChange, [...(reasons.get(peer.noChange) ?? []), peer.address])
    for (const [reason, addresses] of reasons)
      out.push(`  (no command for ${addresses.join(', ')}: ${reason})`)
    if (commands.length > 0)
      out.push('and make it survive a reboot in the network configuration (docs/operations.md shows how).')
    if (missing.some((p) => p.change && p.connected))
      out.push(
        'A connected route (proto kernel) comes back without quickack whenever its address is added again (ifdown/up, a DHCP renewal, keepalived adding a VIP of that subnet): make it a route of your own as docs/operations.md shows.',
      )
  }
  if (unreachable.length > 0)
    out.push(`${plural(unreachable.length, 'peer has', 'peers have')} no usable route from this host.`)
  if (check.failing === 0 && check.peers.length > 0) out.push('every route to a peer acknowledges at once.')
  return out.join('\n')
}
