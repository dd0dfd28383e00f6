import {
  createAdminClient,
  type FleetMemberReport,
  type FleetNodeView,
  type FleetReport,
  type NodeStatus,
  siteState,
} from '@gslb/console'
import { formatEndpoint, isLoopback, isWildcard } from '../config/addresses.js'
import { CONSOLE_LIMITS } from '../constants.js'
import { CliError } from '../errors.js'

export interface FleetReporterOptions {
  /** This node's own status (its fleet section names the peers). */
  status: () => NodeStatus
  timeoutMs?: number
  cacheMs?: number
  fetch?: (input: string, init?: RequestInit) => Promise<Response>
}

function fromStatus(node: FleetNodeView, status: NodeStatus, askedAt: number): FleetMemberReport {
  return {
    name: node.name,
    ...(node.site ? { site: node.site } : {}),
    admin: node.admin,
    self: node.self,
    reachable: true,
    ...(status.node.configFingerprint ? { configFingerprint: status.node.configFingerprint } : {}),
    ...(status.node.stopping ? { stopping: true } : {}),
    ...(status.vips ? { vips: status.vips } : {}),
    sites: status.sites.map((site) => ({ name: site.name, state: siteState(site) })),
    askedAt,
  }
}

/** Where to ask a peer, or why it cannot be asked from here. */
function peerUrl(node: FleetNodeView): { url: string } | { error: string } {
  const { address, port } = node.admin
  if (isWildcard(address)) {
    if (!node.address)
      return { error: `its admin API listens on ${address} and the fleet gives no address for it` }
    return { url: `http://${formatEndpoint(node.address, port)}` }
  }
  return { url: `http://${formatEndpoint(address, port)}` }
}

/**
 * GET /fleet: every node of this node's fleet, asked for its status in parallel (reads only: no token is sent to a
 * peer, and nothing is written). Each peer gets `timeoutMs`; one report serves every request within `cacheMs`, so
 * browsers cannot make this node flood its peers.
 */
export function createFleetReporter(options: FleetReporterOptions): { report(): Promise<FleetReport> } {
  const timeoutMs = options.timeoutMs ?? CONSOLE_LIMITS.fleetPeerTimeoutMs
  const cacheMs = options.cacheMs ?? CONSOLE_LIMITS.fleetCacheMs
  let last: { at: number; report: FleetReport } | undefined
  let running: Promise<FleetReport> | undefined

  const ask = async (node: FleetNodeView, own: NodeStatus): Promise<FleetMemberReport> => {
    const askedAt = Date.now()
    if (node.self) return fromStatus(node, own, askedAt)
    const where = peerUrl(node)
    const unreachable = (error: string): FleetMemberReport => ({
      name: node.name,
      ...(node.site ? { site: node.site } : {}),
      admin: node.admin,
      self: false,
      reachable: false,
      error,
      askedAt,
    })
    if ('error' in where) return unreachable(where.error)
    try {
      const client = createAdminClient({
        baseUrl: where.url,
        timeoutMs,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      })
      return fromStatus(node, await client.status(), Date.now())
    } catch (error) {
      // A loopback admin API answers only on its own host (fine for nodes sharing one, as in tests).
      const hint = isLoopback(node.admin.address)
        ? ' (its admin API listens on loopback only: give it an admin.listen address the fleet can reach)'
        : ''
      return unreachable(`${(error as Error).message}${hint}`)
    }
  }

  const build = async (): Promise<FleetReport> => {
    const own = options.status()
    if (!own.fleet) throw new CliError('GSLB_NODE_STATE', "this node's config has no fleet")
    const nodes = await Promise.all(own.fleet.nodes.map((node) => ask(node, own)))
    return { ...(own.fleet.name ? { name: own.fleet.name } : {}), fingerprint: own.fleet.fingerprint, nodes }
  }

  return {
    report() {
      if (last && Date.now() - last.at < cacheMs) return Promise.resolve(last.report)
      running ??= build()
        .then((report) => {
          last = { at: Date.now(), report }
          return report
        })
        .finally(() => {
          running = undefined
        })
      return running
    },
  }
}
