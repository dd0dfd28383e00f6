import { formatEndpoint, isLoopback, isWildcard } from '../config/addresses.js'
import type { FleetNodeView } from '../config/fleet.js'
import type { Config } from '../config/types.js'

/** How often a node asks its pair peer's `GET /check`, and how long one answer may take. */
export const PEER_POLL_MS = 1_000
export const PEER_TIMEOUT_MS = 500
/** An answer older than this is no longer the peer's view (the peer is gone or slow): nothing is compared. */
export const PEER_STALE_MS = 3_000
/**
 * How long "nothing to send to here, while the peer has servers" must last before it makes this node unfit. Both
 * nodes check the same servers, but not at the same instant: a dying PACS is down on one node a check or two before
 * the other. Only a difference that outlives that skew is this node's own problem.
 */
export const PEER_MISMATCH_MS = 5_000

/** What a peer's `GET /check` said. */
export interface PeerAnswer {
  fit: boolean
  /** Per service: servers the peer can send new connections to. */
  usable: Record<string, number>
  at: number
}

/** Where a peer's admin API can be asked from another host, or undefined (a loopback listener). */
export function peerCheckUrl(peer: FleetNodeView): string | undefined {
  const { address, port } = peer.admin
  if (isLoopback(address)) return undefined
  if (isWildcard(address))
    return peer.address ? `http://${formatEndpoint(peer.address, port)}/check` : undefined
  return `http://${formatEndpoint(address, port)}/check`
}

export interface PeerViewOptions {
  /** The pair peers: the other nodes of this node's site whose admin API is reachable (`peerCheckUrl`). */
  peers: () => { name: string; url: string }[]
  /** This node's own usable servers per service, now. */
  ownUsable: () => Record<string, number>
  fetch?: typeof fetch
  pollMs?: number
  timeoutMs?: number
  mismatchMs?: number
  now?: () => number
}

/**
 * Asks the pair peers' `GET /check` (reads only) every second, and tracks, per service, since when this node has had
 * no server to send to while a fit peer had some. `advantage(service)` says which peer, once that has lasted
 * `mismatchMs`; a stale or unreachable peer never counts (a pair that cannot compare falls back to "shared").
 */
export class PeerView {
  readonly #options: PeerViewOptions
  readonly #answers = new Map<string, PeerAnswer>()
  readonly #since = new Map<string, { peer: string; since: number }>()
  #timer: ReturnType<typeof setInterval> | undefined
  #inFlight = false

  constructor(options: PeerViewOptions) {
    this.#options = options
  }

  start(): void {
    if (this.#timer) return
    this.#timer = setInterval(() => void this.poll(), this.#options.pollMs ?? PEER_POLL_MS)
    this.#timer.unref()
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** Asks every peer once (at most one round in flight) and updates the comparison. */
  async poll(): Promise<void> {
    if (this.#inFlight || this.#options.peers().length === 0) return
    this.#inFlight = true
    try {
      const doFetch = this.#options.fetch ?? fetch
      await Promise.all(
        this.#options.peers().map(async ({ name, url }) => {
          try {
            const response = await doFetch(url, {
              signal: AbortSignal.timeout(this.#options.timeoutMs ?? PEER_TIMEOUT_MS),
            })
            const body = (await response.json()) as Partial<PeerAnswer>
            if (typeof body.fit !== 'boolean' || typeof body.usable !== 'object' || body.usable === null)
              return
            this.#answers.set(name, { fit: body.fit, usable: body.usable, at: this.#now() })
          } catch {
            // unreachable or slow: its last answer goes stale
          }
        }),
      )
    } finally {
      this.#inFlight = false
    }
    this.#compare()
  }

  #now(): number {
    return (this.#options.now ?? Date.now)()
  }

  #compare(): void {
    const now = this.#now()
    const own = this.#options.ownUsable()
    for (const [service, count] of Object.entries(own)) {
      const better = [...this.#answers].find(
        ([, answer]) =>
          count === 0 && answer.fit && now - answer.at <= PEER_STALE_MS && (answer.usable[service] ?? 0) > 0,
      )
      const current = this.#since.get(service)
      if (!better) this.#since.delete(service)
      else if (!current) this.#since.set(service, { peer: better[0], since: now })
    }
  }

  /**
   * The peer that has had servers for `service` while this node had none, for at least `mismatchMs` and up to its
   * last fresh answer; undefined otherwise. `ownUsable` is this node's count now: any server here ends it at once.
   */
  advantage(service: string, ownUsable: number): { peer: string; usable: number; forMs: number } | undefined {
    if (ownUsable > 0) return undefined
    const entry = this.#since.get(service)
    if (!entry) return undefined
    const answer = this.#answers.get(entry.peer)
    const now = this.#now()
    if (!answer?.fit || now - answer.at > PEER_STALE_MS) return undefined
    const usable = answer.usable[service] ?? 0
    const forMs = now - entry.since
    if (usable === 0 || forMs < (this.#options.mismatchMs ?? PEER_MISMATCH_MS)) return undefined
    return { peer: entry.peer, usable, forMs }
  }
}

/** The pair peers of a resolved config: the other nodes of its site whose admin API another host can ask. */
export function pairPeers(config: Config): { name: string; url: string }[] {
  const fleet = config.fleet
  if (!fleet || !config.node.site) return []
  return fleet.nodes.flatMap((peer) => {
    if (peer.name === fleet.node || peer.site !== config.node.site) return []
    const url = peerCheckUrl(peer)
    return url ? [{ name: peer.name, url }] : []
  })
}
