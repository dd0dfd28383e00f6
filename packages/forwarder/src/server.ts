import type { EffectiveState } from '@gslb/health'
import { formatHostPort } from '@gslb/topology'

/** 32-bit FNV-1a of a string; stable across processes, used for source hashing. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

/** Anything a server can shut down when it is marked down. */
export interface Closable {
  shutdown(reason: 'server-down' | 'shutdown'): void
}

/** When failed connects take a server out of rotation, and for how long. */
export interface PassivePolicy {
  /** Consecutive failures that mark the server down. */
  failures: number
  /** How long the mark-down holds; 0 = never marked down passively. */
  holdMs: number
  /** The service has active checks: then traffic is no evidence of up, and a hold ends in the checked state. */
  checked: boolean
}

/**
 * One backend address of a service: counters, the connections it carries, its checked health and its passive
 * health (the mark-down after failed connects), which only its own methods change.
 */
export class Server {
  readonly id: string
  readonly hash: number
  source: string | null
  weight: number
  backup: boolean
  /** Position in the service's server list (config order, then DNS answer order). */
  order = 0
  /** Left the configuration; kept until its last connection ends. */
  draining = false
  /** The health checker's effective state (or, without checks, what traffic showed). */
  health: EffectiveState = 'unknown'
  passiveDown = false
  /** Epoch ms of the passive mark-down: only a check that started later may lift it. */
  passiveSince = 0
  consecutiveFailures = 0
  private passiveTimer: NodeJS.Timeout | null = null
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
    this.id = formatHostPort(address, port)
    this.hash = hashString(this.id)
    this.source = source
    this.weight = weight
    this.backup = backup
  }

  get state(): EffectiveState {
    if (this.draining || this.health === 'drain') return 'drain'
    if (this.passiveDown || this.health === 'down') return 'down'
    return this.health === 'up' ? 'up' : 'unknown'
  }

  /** Can take a new connection: not drain, not down, weight above zero. */
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

  /**
   * A connection went through. Without active checks traffic is the evidence: a server that took a connection is
   * up (true when this made it so).
   */
  recordSuccess(checked: boolean): boolean {
    this.consecutiveFailures = 0
    if (checked || this.health === 'up' || this.passiveDown || this.draining) return false
    this.health = 'up'
    return true
  }

  /**
   * A connect (or a first response) failed. True when this failure marks the server down for `policy.holdMs`;
   * `onHoldOver` runs when that hold ends by itself.
   */
  recordFailure(policy: PassivePolicy, onHoldOver: () => void): boolean {
    this.failedConnects++
    this.consecutiveFailures++
    if (
      this.passiveDown ||
      this.draining ||
      this.consecutiveFailures < policy.failures ||
      policy.holdMs === 0
    ) {
      return false
    }
    this.passiveDown = true
    this.passiveSince = Date.now()
    // without active checks nothing is known once the hold is over: unknown, not up again
    if (!policy.checked) this.health = 'unknown'
    this.clearPassiveTimer()
    this.passiveTimer = setTimeout(() => {
      this.passiveTimer = null
      onHoldOver()
    }, policy.holdMs)
    this.passiveTimer.unref()
    return true
  }

  /** Ends a passive mark-down (hold over, or a check showed it back); false when there was none. */
  endPassiveHold(): boolean {
    if (!this.passiveDown) return false
    this.passiveDown = false
    this.consecutiveFailures = 0
    this.clearPassiveTimer()
    return true
  }

  /** A check that started at `startedAt` succeeded: does it postdate (and so lift) the passive mark-down? */
  liftedBy(startedAt: number): boolean {
    return this.passiveDown && startedAt >= this.passiveSince
  }

  /** The health checker's verdict; an `up` also ends a passive mark-down. */
  applyHealth(effective: EffectiveState): void {
    this.health = effective
    if (effective === 'up') this.endPassiveHold()
  }

  /** Out of the configuration: no passive state, no checked state; it keeps its connections until they end. */
  drain(): void {
    this.draining = true
    this.clearPassiveTimer()
    this.passiveDown = false
  }

  clearPassiveTimer(): void {
    if (this.passiveTimer) clearTimeout(this.passiveTimer)
    this.passiveTimer = null
  }
}
