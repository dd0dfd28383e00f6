import type { Server } from './server.js'
import type { BalanceMethod } from './types.js'

/** Mixes a client hash with a server hash into a uniform 32-bit value (murmur3 finaliser). */
function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b, 0x9e3779b1)) >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Per-service mutable balancing state. */
export interface BalanceState {
  cursor: number
}

function usable(server: Server, backup: boolean, tried: readonly Server[] | null): boolean {
  return server.backup === backup && server.eligible && (tried === null || !tried.includes(server))
}

function pickFrom(
  method: BalanceMethod,
  servers: readonly Server[],
  backup: boolean,
  clientHash: number,
  tried: readonly Server[] | null,
  state: BalanceState,
): Server | null {
  switch (method) {
    case 'first': {
      for (const server of servers) if (usable(server, backup, tried)) return server
      return null
    }
    case 'roundrobin': {
      // smooth weighted round robin (nginx): even spread, weights honoured over any window
      let best: Server | null = null
      let total = 0
      for (const server of servers) {
        if (!usable(server, backup, tried)) continue
        server.current += server.weight
        total += server.weight
        if (best === null || server.current > best.current) best = server
      }
      if (best) best.current -= total
      return best
    }
    case 'leastconn': {
      let best: Server | null = null
      let bestLoad = Number.POSITIVE_INFINITY
      const count = servers.length
      const start = count === 0 ? 0 : state.cursor++ % count
      for (let i = 0; i < count; i++) {
        const server = servers[(start + i) % count]!
        if (!usable(server, backup, tried)) continue
        const load = (server.active + 1) / server.weight
        if (load < bestLoad) {
          best = server
          bestLoad = load
        }
      }
      return best
    }
    case 'source': {
      // weighted rendezvous hashing: a client keeps its server while unrelated servers come and go
      let best: Server | null = null
      let bestScore = Number.NEGATIVE_INFINITY
      for (const server of servers) {
        if (!usable(server, backup, tried)) continue
        const unit = (mix(clientHash, server.hash) + 0.5) / 4_294_967_296
        const score = server.weight / -Math.log(unit)
        if (score > bestScore) {
          best = server
          bestScore = score
        }
      }
      return best
    }
  }
}

/**
 * A server held out only by its own passive mark-down: when nothing else is left, it is still worth a try. A
 * mark-down made while a WAN link was cut would otherwise keep the site away for the whole hold after the link is
 * back (nginx resets its failed peers the same way). Never a drained, checked-down or weight-0 server.
 */
function lastResort(servers: readonly Server[], tried: readonly Server[] | null): Server | null {
  for (const server of servers) {
    if (server.lastResort && (tried === null || !tried.includes(server))) return server
  }
  return null
}

/**
 * Picks the next server: eligible primaries first, backups only when no primary is left to try, and servers held
 * out only by a passive mark-down when nothing else is left (in server order: config order, then DNS answer order).
 */
export function pickServer(
  method: BalanceMethod,
  servers: readonly Server[],
  clientHash: number,
  tried: readonly Server[] | null,
  state: BalanceState,
): Server | null {
  return (
    pickFrom(method, servers, false, clientHash, tried, state) ??
    pickFrom(method, servers, true, clientHash, tried, state) ??
    lastResort(servers, tried)
  )
}
