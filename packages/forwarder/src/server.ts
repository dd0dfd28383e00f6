import type { ServerState } from './types.js'

/** 32-bit FNV-1a of a string; stable across processes, used for source hashing. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

export type HealthState = 'unknown' | 'up' | 'down' | 'drain'

/** Anything a server can shut down when it is marked down. */
export interface Closable {
  shutdown(reason: 'server-down' | 'shutdown'): void
}

/** One backend address of a service: counters, health and the connections it carries. */
export class Server {
  readonly id: string
  readonly hash: number
  source: string | null
  weight: number
  backup: boolean
  /** Position in the service's server list (config order, then DNS answer order). */
  order = 0
  draining = false
  health: HealthState = 'unknown'
  passiveDown = false
  /** Epoch ms of the passive mark-down: only a check that started later may lift it. */
  passiveSince = 0
  consecutiveFailures = 0
  passiveTimer: NodeJS.Timeout | null = null
  /** Smooth weighted round-robin state. */
  current = 0
  active = 0
  total = 0
  failedConnects = 0
  bytesFromClient = 0
  bytesFromServer = 0
  readonly connections = new Set<Closable>()

  constructor(
    readonly address: string,
    readonly port: number,
    source: string | null,
    weight: number,
    backup: boolean,
  ) {
    this.id = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`
    this.hash = hashString(this.id)
    this.source = source
    this.weight = weight
    this.backup = backup
  }

  get state(): ServerState {
    if (this.draining || this.health === 'drain') return 'draining'
    if (this.passiveDown || this.health === 'down') return 'down'
    return this.health === 'up' ? 'up' : 'unknown'
  }

  /** Can take a new connection: not draining, not down, weight above zero. */
  get eligible(): boolean {
    const state = this.state
    return this.weight > 0 && (state === 'up' || state === 'unknown')
  }

  /**
   * Held out only by its own passive mark-down: tried when nothing eligible is left (a mark-down is a guess from
   * the last connects; an operator's, a monitor's or a drain's verdict is not). See decision 0014.
   */
  get lastResort(): boolean {
    return (
      this.passiveDown &&
      (this.health === 'up' || this.health === 'unknown') &&
      !this.draining &&
      this.weight > 0
    )
  }

  clearPassiveTimer(): void {
    if (this.passiveTimer) clearTimeout(this.passiveTimer)
    this.passiveTimer = null
  }
}
